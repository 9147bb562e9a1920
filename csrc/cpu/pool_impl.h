// Pooling kernel bodies, included once per instruction-set path with LAMINA_CPU_NS set
// (generic: pool.cpp; avx2, avx512: pool_avx2.cpp, pool_avx512.cpp). Planes (P of them) run
// in parallel, each by one of:
// - narrow planes with windows of 9 taps or more: kPlaneLanes planes at a time, one plane a
//   vector lane (for_lane_groups), every window tap a run of full vectors;
// - otherwise by rows: in each output row the columns whose window lies wholly inside the
//   plane (the interior) in blocks of kLanes lanes written for the auto-vectoriser, the
//   column stride a template constant for strides 1 and 2 (or the hand-written 2x2
//   stride-2 max rows of a path that has them), the border columns by the scalar window
//   code.
//
// Max pooling keeps the first maximum of the window in row-major order (strict >), as torch.
// The vector code notes any NaN it loads; planes holding one are redone by max_window, which
// takes NaN as a maximum (`v > m || v != v`), as torch does.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <type_traits>
#include <vector>

#include "../core/dtype.h"
#include "../core/parallel.h"
#include "simd/lane_sum.h"
#include "../kernels/pool.h"

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

#ifndef LAMINA_POOL_VEC_HOOKS
// Hand-written rows a path may supply (pool_avx512.cpp does): the 2x2 stride-2 max of input
// rows r0, r1 (2n values each) into y (n) and, when idx is set, idx = base + flat offset.
// Returns nonzero when a NaN was loaded, or -1 when the path has no such code.
template <typename T>
inline int max_row_2x2(const T*, const T*, int64_t, T*, int64_t*, int64_t, int64_t) {
  return -1;
}
// Stride-2 average rows: y[j] = (0 + sum over r < rows, kw < kW of p[r * W + 2 j + kw]) * inv
// for j < n, added in that order; false when the path has no such code.
template <typename T>
inline bool avg_row_s2(const T*, int64_t, int64_t, int64_t, int64_t, T, T*) {
  return false;
}
// Its backward on one block of n <= kLanes outputs: p[r * W + 2 j + kw] += g[j] * inv, loops
// r, kw, j as the portable code (overlapping windows add in the same order).
template <typename T>
inline bool avg_row_s2_backward(T*, int64_t, int64_t, int64_t, int64_t, T, const T*) {
  return false;
}
#endif

namespace {

constexpr int64_t kLanes = 64;

// Planes in parallel, at least ~32k elements per task.
template <typename F>
void for_planes(int64_t P, int64_t plane, const F& f) {
  const int64_t grain = grain_for(32768, plane);
  parallel_for(0, P, grain, [&](int64_t b, int64_t e) {
    for (int64_t p = b; p < e; ++p) f(p);
  });
}

// Outputs [lo, hi) whose window columns o * s - p + k * d (k < kn) all lie in [0, in).
inline void interior(int64_t n_out, int64_t in, int64_t kn, int64_t s, int64_t p, int64_t d,
                     int64_t* lo, int64_t* hi) {
  *lo = std::min(n_out, (p + s - 1) / s);
  const int64_t last = in - 1 - (kn - 1) * d + p;  // largest allowed o * s
  *hi = last < 0 ? 0 : std::min(n_out, last / s + 1);
  if (*hi < *lo) *hi = *lo;
}

// f(std::integral_constant<int, S>) with S the stride when it is 1 or 2, else 0 (run-time).
template <typename F>
void by_stride(int64_t s, const F& f) {
  if (s == 1) f(std::integral_constant<int, 1>());
  else if (s == 2) f(std::integral_constant<int, 2>());
  else f(std::integral_constant<int, 0>());
}

// The plane by max_window alone: the reference order, NaN taken as the maximum.
template <typename T>
void max_exact(const Pool2d& g, const T* x, T* y, int64_t* idx) {
  for (int64_t oh = 0; oh < g.OH; ++oh)
    for (int64_t ow = 0; ow < g.OW; ++ow)
      max_window(x, g, oh * g.sH - g.pH, ow * g.sW - g.pW, y + oh * g.OW + ow,
                 idx ? idx + oh * g.OW + ow : nullptr);
}

// Interior block of max pooling: outputs ow0 .. ow0 + n - 1 of a row whose valid window rows
// are hs, hs + dH, .. < he. Returns nonzero when a NaN was loaded.
template <typename T, int SW, bool IDX>
inline int max_block(const T* x, const Pool2d& g, int64_t hs, int64_t he, int64_t ow0,
                     int64_t n, T* y, int64_t* idx) {
  const int64_t sw = SW ? SW : g.sW;
  T acc[kLanes];
  int64_t ai[kLanes];
  int bad = 0;
  for (int64_t j = 0; j < n; ++j) acc[j] = -std::numeric_limits<T>::infinity();
  if constexpr (IDX)
    for (int64_t j = 0; j < n; ++j) ai[j] = hs * g.W + (ow0 + j) * sw - g.pW;
  for (int64_t ih = hs; ih < he; ih += g.dH)
    for (int64_t kw = 0; kw < g.kW; ++kw) {
      const int64_t base = ih * g.W + ow0 * sw - g.pW + kw * g.dW;
      const T* p = x + base;
      if constexpr (IDX) {
        for (int64_t j = 0; j < n; ++j) {
          const T v = p[j * sw];
          const bool u = v > acc[j];
          acc[j] = u ? v : acc[j];
          ai[j] = u ? base + j * sw : ai[j];
          bad |= v != v;
        }
      } else {
        for (int64_t j = 0; j < n; ++j) {
          const T v = p[j * sw];
          acc[j] = v > acc[j] ? v : acc[j];
          bad |= v != v;
        }
      }
    }
  for (int64_t j = 0; j < n; ++j) y[j] = acc[j];
  if constexpr (IDX)
    for (int64_t j = 0; j < n; ++j) idx[j] = ai[j];
  return bad;
}

// Interior outputs [lo, hi) of a row without indices, separably: the maxima down the window
// rows hs, hs + dH, .. < he of the columns the windows cover into vm (contiguous, full
// vectors), then each window's maximum along vm. The order of the maxima is free without
// indices (NaN is caught by the flag). Returns nonzero when a NaN was loaded.
template <typename T, int SW>
inline int max_row_separable(const T* x, const Pool2d& g, int64_t hs, int64_t he, int64_t lo,
                             int64_t hi, T* y, T* vm) {
  const int64_t sw = SW ? SW : g.sW;
  const int64_t c0 = lo * sw - g.pW, c1 = (hi - 1) * sw - g.pW + (g.kW - 1) * g.dW + 1;
  const int64_t nc = c1 - c0;
  int bad = 0;
  const T* r0 = x + hs * g.W + c0;
  for (int64_t c = 0; c < nc; ++c) {
    vm[c] = r0[c];
    bad |= r0[c] != r0[c];
  }
  for (int64_t ih = hs + g.dH; ih < he; ih += g.dH) {
    const T* r = x + ih * g.W + c0;
    for (int64_t c = 0; c < nc; ++c) {
      const T v = r[c];
      vm[c] = v > vm[c] ? v : vm[c];
      bad |= v != v;
    }
  }
  for (int64_t o = 0; o < hi - lo; ++o) {
    T m = vm[o * sw];
    for (int64_t kw = 1; kw < g.kW; ++kw) {
      const T v = vm[o * sw + kw * g.dW];
      m = v > m ? v : m;
    }
    y[lo + o] = m;
  }
  return bad;
}

template <typename T, int SW, bool IDX>
void max_plane(const Pool2d& g, const T* x, T* y, int64_t* idx) {
  int64_t lo, hi;
  interior(g.OW, g.W, g.kW, SW ? SW : g.sW, g.pW, g.dW, &lo, &hi);
  thread_local std::vector<T> vm;  // max_row_separable's column maxima
  if (!IDX && vm.size() < size_t(g.W)) vm.resize(size_t(g.W));
  int bad = 0;
  for (int64_t oh = 0; oh < g.OH && !bad; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    const int64_t hs = first_in(h0, g.dH), he = end_in(h0, g.kH, g.dH, g.H);
    T* yr = y + oh * g.OW;
    int64_t* ir = IDX ? idx + oh * g.OW : nullptr;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      if (ow == lo) ow = hi;
      if (ow >= g.OW) break;
      max_window(x, g, h0, ow * g.sW - g.pW, yr + ow, IDX ? ir + ow : nullptr);
    }
    if (SW == 2 && g.kW == 2 && g.dW == 1 && g.pW == 0 && he - hs == 2 && g.dH == 1 &&
        lo == 0 && hi > 0) {
      const int r = max_row_2x2(x + hs * g.W, x + (hs + 1) * g.W, hi, yr, ir, hs * g.W, g.W);
      if (r >= 0) {
        bad |= r;
        continue;
      }
    }
    if constexpr (!IDX) {
      if (g.kH > 1 && hi > lo) {  // (1-row windows: the blocks read each input once)
        bad |= max_row_separable<T, SW>(x, g, hs, he, lo, hi, yr, vm.data());
        continue;
      }
    }
    for (int64_t ow = lo; ow < hi; ow += kLanes)
      bad |= max_block<T, SW, IDX>(x, g, hs, he, ow, std::min(kLanes, hi - ow), yr + ow,
                                   IDX ? ir + ow : nullptr);
  }
  if (bad) max_exact(g, x, y, idx);
}

// --- small planes: one plane a lane ---
//
// Rows of a few outputs leave the vector units idle, so narrow planes (OW < kNarrowRow) with
// windows of 9 taps or more go kPlaneLanes planes at a time: they are interleaved lane-wise
// into a block padded with the pooling's neutral value (Hp x Wp pixels of kPlaneLanes values,
// one cache line), and every window tap is then one run of full vectors, whatever the kernel,
// stride, padding, dilation. The interleaving costs a scalar store per element, so 2x2
// windows stay on the rows (measured: 2-6x slower here), and the averages, cheaper per tap,
// take it only while the block fits L1 (AMD EPYC, Zen 4: 32x32 planes: 2x slower, 16x16: 1.4x
// faster; max with indices 1.9x and 4x faster).
template <typename T>
constexpr int64_t kPlaneLanes = 64 / sizeof(T);
constexpr int64_t kNarrowRow = 32;
constexpr int64_t kMaxBlockPixels = 2048;  // in L2
constexpr int64_t kAvgBlockPixels = 512;   // in L1

struct LaneBlock {
  int64_t Hp, Wp;  // padded extent every window needs
  // offset of the pixel of plane row ih, column iw (either may be in the padding)
  template <typename T>
  int64_t at(const Pool2d& g, int64_t ih, int64_t iw) const {
    return ((ih + g.pH) * Wp + iw + g.pW) * kPlaneLanes<T>;
  }
};

inline LaneBlock lane_block(const Pool2d& g) {
  return {std::max(g.pH + g.H, (g.OH - 1) * g.sH + (g.kH - 1) * g.dH + 1),
          std::max(g.pW + g.W, (g.OW - 1) * g.sW + (g.kW - 1) * g.dW + 1)};
}

inline bool use_lanes(const Pool2d& g, int64_t max_pixels) {
  const LaneBlock b = lane_block(g);
  return g.OW < kNarrowRow && g.kH * g.kW >= 9 && b.Hp * b.Wp <= max_pixels;
}

// Planes x[0 .. n) (n <= kPlaneLanes) into the block's interior; padding keeps its fill.
template <typename T>
void to_lanes(const Pool2d& g, const LaneBlock& b, const T* x, int64_t n, T* blk) {
  constexpr int64_t L = kPlaneLanes<T>;
  const int64_t in = g.H * g.W;
  for (int64_t h = 0; h < g.H; ++h) {
    T* row = blk + b.at<T>(g, h, 0);
    for (int64_t l = 0; l < n; ++l) {
      const T* xr = x + l * in + h * g.W;
      for (int64_t w = 0; w < g.W; ++w) row[w * L + l] = xr[w];
    }
  }
}

// f(block, blk, p0, n) for each group of n <= kPlaneLanes planes from p0, groups in
// parallel: the planes of x laid into blk (its padding is `fill`), or with x null a block
// filled with `fill` once per thread, for f to use.
template <typename T, typename F>
void for_lane_groups(const Pool2d& g, const T* x, T fill, const F& f) {
  constexpr int64_t L = kPlaneLanes<T>;
  const LaneBlock b = lane_block(g);
  const int64_t in = g.H * g.W;
  parallel_for(0, (g.P + L - 1) / L, grain_for(32768, in * L), [&](int64_t gb, int64_t ge) {
    std::unique_ptr<T[]> blk(new T[b.Hp * b.Wp * L]);
    std::fill(blk.get(), blk.get() + b.Hp * b.Wp * L, fill);
    for (int64_t q = gb; q < ge; ++q) {
      const int64_t p0 = q * L, n = std::min(L, g.P - p0);
      if (x) to_lanes(g, b, x + p0 * in, n, blk.get());
      f(b, blk.get(), p0, n);
    }
  });
}

// Max of every window of kPlaneLanes planes; returns nonzero when a NaN was loaded.
template <typename T, bool IDX>
int max_lanes(const Pool2d& g, const LaneBlock& b, const T* blk, int64_t n, T* y,
              int64_t* idx) {
  constexpr int64_t L = kPlaneLanes<T>;
  const int64_t out = g.OH * g.OW;
  int32_t nan[L] = {};  // per lane (a scalar flag would keep the lanes from vectorising)
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.sW - g.pW;
      T acc[L];
      int32_t ai[L];
      // torch's index of a window with no larger element: its first one inside the plane
      const int32_t first = static_cast<int32_t>(first_in(h0, g.dH) * g.W + first_in(w0, g.dW));
      for (int64_t l = 0; l < L; ++l) {
        acc[l] = -std::numeric_limits<T>::infinity();
        ai[l] = first;
      }
      for (int64_t kh = 0; kh < g.kH; ++kh)
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          const int64_t ih = h0 + kh * g.dH, iw = w0 + kw * g.dW;
          const T* v = blk + b.at<T>(g, ih, iw);
          const int32_t off = static_cast<int32_t>(ih * g.W + iw);
#pragma GCC unroll 1  // unrolled whole, the lanes are left scalar (GCC 12)
          for (int64_t l = 0; l < L; ++l) {
            const bool u = v[l] > acc[l];  // padding is -inf: never taken
            acc[l] = u ? v[l] : acc[l];
            if constexpr (IDX) ai[l] = u ? off : ai[l];
            nan[l] |= v[l] != v[l];
          }
        }
      for (int64_t l = 0; l < n; ++l) y[l * out + oh * g.OW + ow] = acc[l];
      if constexpr (IDX)
        for (int64_t l = 0; l < n; ++l) idx[l * out + oh * g.OW + ow] = ai[l];
    }
  }
  int bad = 0;
  for (int64_t l = 0; l < L; ++l) bad |= nan[l];
  return bad;
}

template <typename T, bool IDX>
void max_pool_t(const Pool2d& g, const T* x, T* y, int64_t* idx) {
  const int64_t in = g.H * g.W, out = g.OH * g.OW;
  if (use_lanes(g, kMaxBlockPixels)) {
    for_lane_groups(g, x, -std::numeric_limits<T>::infinity(),
                    [&](const LaneBlock& b, const T* blk, int64_t p0, int64_t n) {
                      if (max_lanes<T, IDX>(g, b, blk, n, y + p0 * out,
                                            IDX ? idx + p0 * out : nullptr))
                        for (int64_t p = p0; p < p0 + n; ++p)
                          max_exact(g, x + p * in, y + p * out, IDX ? idx + p * out : nullptr);
                    });
    return;
  }
  by_stride(g.sW, [&](auto sw) {
    for_planes(g.P, in, [&](int64_t p) {
      max_plane<T, decltype(sw)::value, IDX>(g, x + p * in, y + p * out,
                                              IDX ? idx + p * out : nullptr);
    });
  });
}

// --- average pooling (no dilation) ---

// Divisor of window (h0, w0): override, or its size clipped to the padded / unpadded plane.
inline int64_t avg_divisor(const Pool2d& g, int64_t h0, int64_t w0, bool cip, int64_t over) {
  if (over > 0) return over;
  if (cip)
    return (std::min(h0 + g.kH, g.H + g.pH) - h0) * (std::min(w0 + g.kW, g.W + g.pW) - w0);
  return (std::min(h0 + g.kH, g.H) - std::max<int64_t>(h0, 0)) *
         (std::min(w0 + g.kW, g.W) - std::max<int64_t>(w0, 0));
}

template <typename T, int SW>
void avg_plane(const Pool2d& g, const T* x, T* y, bool cip, int64_t over) {
  const int64_t sw = SW ? SW : g.sW;
  int64_t lo, hi;
  interior(g.OW, g.W, g.kW, sw, g.pW, 1, &lo, &hi);
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    const int64_t hs = std::max<int64_t>(h0, 0), he = std::min(h0 + g.kH, g.H);
    T* yr = y + oh * g.OW;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      if (ow == lo) ow = hi;
      if (ow >= g.OW) break;
      const int64_t w0 = ow * sw - g.pW;
      const int64_t ws = std::max<int64_t>(w0, 0), we = std::min(w0 + g.kW, g.W);
      T s = 0;
      for (int64_t ih = hs; ih < he; ++ih)
        for (int64_t iw = ws; iw < we; ++iw) s += x[ih * g.W + iw];
      yr[ow] = s / static_cast<T>(avg_divisor(g, h0, w0, cip, over));
    }
    if (lo >= hi) continue;
    // interior windows share one divisor (full width; rows clipped alike)
    const T inv = T(1) / static_cast<T>(avg_divisor(g, h0, lo * sw - g.pW, cip, over));
    if (SW == 2 && avg_row_s2(x + hs * g.W + lo * sw - g.pW, he - hs, g.W, g.kW, hi - lo, inv,
                              yr + lo))
      continue;
    for (int64_t ow0 = lo; ow0 < hi; ow0 += kLanes) {
      const int64_t n = std::min(kLanes, hi - ow0);
      T acc[kLanes];
      for (int64_t j = 0; j < n; ++j) acc[j] = 0;
      for (int64_t ih = hs; ih < he; ++ih)
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          const T* p = x + ih * g.W + ow0 * sw - g.pW + kw;
          for (int64_t j = 0; j < n; ++j) acc[j] += p[j * sw];
        }
      for (int64_t j = 0; j < n; ++j) yr[ow0 + j] = acc[j] * inv;
    }
  }
}

// The average pooling's backward of windows that tile the plane (stride = kernel, no padding,
// nothing left over): every input takes one window's gradient, written once (no zeroing, no
// adds).
inline bool tiles_plane(const Pool2d& g) {
  return g.sH == g.kH && g.sW == g.kW && g.pH == 0 && g.pW == 0 && g.OH * g.kH == g.H &&
         g.OW * g.kW == g.W;
}

template <typename T, int SW>
void avg_tiles_backward(const Pool2d& g, const T* dy, T* dx, bool cip, int64_t over) {
  const int64_t sw = SW ? SW : g.sW;
  const T inv = T(1) / static_cast<T>(avg_divisor(g, 0, 0, cip, over));
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const T* gr = dy + oh * g.OW;
    for (int64_t kh = 0; kh < g.kH; ++kh) {  // (a memcpy call a short row cost 2x here)
      T* r = dx + (oh * g.kH + kh) * g.W;
      for (int64_t ow = 0; ow < g.OW; ++ow)
        for (int64_t kw = 0; kw < sw; ++kw) r[ow * sw + kw] = gr[ow] * inv;
    }
  }
}

// Otherwise separably (every window is a rectangle clipped to the plane): each row of
// dy / divisor is spread along a row of t (OH rows of W), then every input row is the sum of
// the t rows of the windows covering it, written once (no zeroing of dx, and scattered adds
// only along rows of t). Overlapping windows add in window order (ow in a row, then oh).
template <typename T, int SW>
void avg_plane_backward(const Pool2d& g, const T* dy, T* dx, bool cip, int64_t over) {
  const int64_t sw = SW ? SW : g.sW;
  thread_local std::vector<T> rows;  // t
  if (rows.size() < size_t(g.OH * g.W)) rows.resize(size_t(g.OH * g.W));
  T* t = rows.data();
  int64_t lo, hi;
  interior(g.OW, g.W, g.kW, sw, g.pW, 1, &lo, &hi);
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    const T* gr = dy + oh * g.OW;
    T* tr = t + oh * g.W;
    std::fill(tr, tr + g.W, T(0));
    for (int64_t ow = 0; ow < g.OW; ++ow) {  // the border windows, each with its divisor
      if (ow == lo) ow = hi;
      if (ow >= g.OW) break;
      const int64_t w0 = ow * sw - g.pW;
      const T v = gr[ow] / static_cast<T>(avg_divisor(g, h0, w0, cip, over));
      for (int64_t iw = std::max<int64_t>(w0, 0); iw < std::min(w0 + g.kW, g.W); ++iw)
        tr[iw] += v;
    }
    if (lo >= hi) continue;
    const T inv = T(1) / static_cast<T>(avg_divisor(g, h0, lo * sw - g.pW, cip, over));
    for (int64_t ow0 = lo; ow0 < hi; ow0 += kLanes) {  // the interior: one divisor a row
      const int64_t n = std::min(kLanes, hi - ow0);
      T* p = tr + ow0 * sw - g.pW;
      if (SW == 2 && avg_row_s2_backward(p, 1, g.W, g.kW, n, inv, gr + ow0)) continue;
      T v[kLanes];
      for (int64_t j = 0; j < n; ++j) v[j] = gr[ow0 + j] * inv;
      for (int64_t kw = 0; kw < g.kW; ++kw)
        for (int64_t j = 0; j < n; ++j) p[j * sw + kw] += v[j];
    }
  }
  for (int64_t ih = 0; ih < g.H; ++ih) {
    // the windows oh with oh * sH - pH <= ih < oh * sH - pH + kH
    const int64_t a = ih + g.pH - g.kH + 1;
    const int64_t o0 = a <= 0 ? 0 : (a + g.sH - 1) / g.sH;
    const int64_t o1 = std::min(g.OH, (ih + g.pH) / g.sH + 1);
    T* d = dx + ih * g.W;
    if (o0 >= o1) {
      std::fill(d, d + g.W, T(0));
      continue;
    }
    std::memcpy(d, t + o0 * g.W, sizeof(T) * g.W);
    for (int64_t oh = o0 + 1; oh < o1; ++oh) {
      const T* tr = t + oh * g.W;
      for (int64_t w = 0; w < g.W; ++w) d[w] += tr[w];
    }
  }
}

// --- adaptive pooling ---

template <typename T>
void adaptive_avg_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x, T* y,
                        double* col) {
  if (OH == 1 && OW == 1) {
    y[0] = static_cast<T>(lane_sum<32>(x, H * W) / static_cast<double>(H * W));
    return;
  }
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t hs = a_start(oh, H, OH), he = a_end(oh, H, OH);
    for (int64_t iw = 0; iw < W; ++iw) col[iw] = 0;
    for (int64_t ih = hs; ih < he; ++ih)
      for (int64_t iw = 0; iw < W; ++iw) col[iw] += static_cast<double>(x[ih * W + iw]);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t ws = a_start(ow, W, OW), we = a_end(ow, W, OW);
      double s = 0;
      for (int64_t iw = ws; iw < we; ++iw) s += col[iw];
      y[oh * OW + ow] = static_cast<T>(s / static_cast<double>((he - hs) * (we - ws)));
    }
  }
}

template <typename T>
void adaptive_avg_plane_backward(int64_t H, int64_t W, int64_t OH, int64_t OW, const T* dy,
                                 T* dx) {
  if (OH == 1 && OW == 1) {
    const T v = dy[0] / static_cast<T>(H * W);
    for (int64_t i = 0; i < H * W; ++i) dx[i] = v;
    return;
  }
  std::memset(dx, 0, sizeof(T) * H * W);
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t hs = a_start(oh, H, OH), he = a_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t ws = a_start(ow, W, OW), we = a_end(ow, W, OW);
      const T v = dy[oh * OW + ow] / static_cast<T>((he - hs) * (we - ws));
      for (int64_t ih = hs; ih < he; ++ih)
        for (int64_t iw = ws; iw < we; ++iw) dx[ih * W + iw] += v;
    }
  }
}

template <typename T>
void adaptive_max_plane(int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x, T* y,
                        int64_t* idx) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    const int64_t hs = a_start(oh, H, OH), he = a_end(oh, H, OH);
    for (int64_t ow = 0; ow < OW; ++ow) {
      const int64_t ws = a_start(ow, W, OW), we = a_end(ow, W, OW);
      max_rect(x, W, hs, he, 1, ws, we, 1, y + oh * OW + ow, idx ? idx + oh * OW + ow : nullptr);
    }
  }
}

// Averages of every window of kPlaneLanes planes (padding 0): the window's elements added in
// row-major order, as avg_plane's, then divided by the window's divisor.
template <typename T>
void avg_lanes(const Pool2d& g, const LaneBlock& b, const T* blk, int64_t n, T* y, bool cip,
               int64_t over) {
  constexpr int64_t L = kPlaneLanes<T>;
  const int64_t out = g.OH * g.OW;
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.sW - g.pW;
      T acc[L] = {};
      for (int64_t kh = 0; kh < g.kH; ++kh)
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          const T* v = blk + b.at<T>(g, h0 + kh, w0 + kw);
#pragma GCC unroll 1  // unrolled whole, the lanes are left scalar (GCC 12)
          for (int64_t l = 0; l < L; ++l) acc[l] += v[l];
        }
      const T div = static_cast<T>(avg_divisor(g, h0, w0, cip, over));
      for (int64_t l = 0; l < n; ++l) y[l * out + oh * g.OW + ow] = acc[l] / div;
    }
  }
}

// The gradient of avg_lanes: each output's dy / divisor added to its window's taps in the
// block (zero outside the plane's interior after the group), then the interior copied to dx.
template <typename T>
void avg_lanes_backward(const Pool2d& g, const LaneBlock& b, const T* dy, int64_t n, T* blk,
                        T* dx, bool cip, int64_t over) {
  constexpr int64_t L = kPlaneLanes<T>;
  const int64_t out = g.OH * g.OW, in = g.H * g.W;
  std::fill(blk, blk + b.Hp * b.Wp * L, T(0));
  for (int64_t oh = 0; oh < g.OH; ++oh) {
    const int64_t h0 = oh * g.sH - g.pH;
    for (int64_t ow = 0; ow < g.OW; ++ow) {
      const int64_t w0 = ow * g.sW - g.pW;
      const T div = static_cast<T>(avg_divisor(g, h0, w0, cip, over));
      T v[L] = {};
      for (int64_t l = 0; l < n; ++l) v[l] = dy[l * out + oh * g.OW + ow] / div;
      for (int64_t kh = 0; kh < g.kH; ++kh)
        for (int64_t kw = 0; kw < g.kW; ++kw) {
          T* p = blk + b.at<T>(g, h0 + kh, w0 + kw);
#pragma GCC unroll 1  // unrolled whole, the lanes are left scalar (GCC 12)
          for (int64_t l = 0; l < L; ++l) p[l] += v[l];
        }
    }
  }
  for (int64_t l = 0; l < n; ++l)
    for (int64_t h = 0; h < g.H; ++h) {
      const T* row = blk + b.at<T>(g, h, 0) + l;
      T* d = dx + l * in + h * g.W;
      for (int64_t w = 0; w < g.W; ++w) d[w] = row[w * L];
    }
}

}  // namespace

void max_pool2d(DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx) {
  LAMINA_DISPATCH_FLOAT(dt, "max_pool2d", [&] {
    auto* xp = typed<scalar_t>(x);
    auto* yp = typed<scalar_t>(y);
    if (idx) max_pool_t<scalar_t, true>(g, xp, yp, idx);
    else max_pool_t<scalar_t, false>(g, xp, yp, nullptr);
  });
}

void avg_pool2d(DType dt, const Pool2d& g, const void* x, void* y, bool cip, int64_t over) {
  LAMINA_DISPATCH_FLOAT(dt, "avg_pool2d", [&] {
    auto* xp = typed<scalar_t>(x);
    auto* yp = typed<scalar_t>(y);
    const int64_t in = g.H * g.W, out = g.OH * g.OW;
    if (use_lanes(g, kAvgBlockPixels)) {
      for_lane_groups(g, xp, scalar_t(0),
                      [&](const LaneBlock& b, const scalar_t* blk, int64_t p0, int64_t n) {
                        avg_lanes(g, b, blk, n, yp + p0 * out, cip, over);
                      });
      return;
    }
    by_stride(g.sW, [&](auto sw) {
      for_planes(g.P, in, [&](int64_t p) {
        avg_plane<scalar_t, decltype(sw)::value>(g, xp + p * in, yp + p * out, cip, over);
      });
    });
  });
}

void avg_pool2d_backward(DType dt, const Pool2d& g, const void* dy, void* dx, bool cip,
                         int64_t over) {
  LAMINA_DISPATCH_FLOAT(dt, "avg_pool2d_backward", [&] {
    auto* gp = typed<scalar_t>(dy);
    auto* dp = typed<scalar_t>(dx);
    const int64_t in = g.H * g.W, out = g.OH * g.OW;
    if (use_lanes(g, kAvgBlockPixels)) {
      for_lane_groups(g, static_cast<const scalar_t*>(nullptr), scalar_t(0),
                      [&](const LaneBlock& b, scalar_t* blk, int64_t p0, int64_t n) {
                        avg_lanes_backward(g, b, gp + p0 * out, n, blk, dp + p0 * in, cip,
                                           over);
                      });
      return;
    }
    by_stride(g.sW, [&](auto sw) {
      const bool tiles = tiles_plane(g);
      for_planes(g.P, in, [&](int64_t p) {
        if (tiles)
          avg_tiles_backward<scalar_t, decltype(sw)::value>(g, gp + p * out, dp + p * in, cip,
                                                            over);
        else
          avg_plane_backward<scalar_t, decltype(sw)::value>(g, gp + p * out, dp + p * in, cip,
                                                            over);
      });
    });
  });
}

void adaptive_avg_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_avg_pool2d", [&] {
    auto* xp = typed<scalar_t>(x);
    auto* yp = typed<scalar_t>(y);
    const int64_t grain = grain_for(32768, H * W);
    parallel_for(0, P, grain, [&](int64_t b, int64_t e) {
      std::unique_ptr<double[]> col(new double[W]);
      for (int64_t p = b; p < e; ++p)
        adaptive_avg_plane(H, W, OH, OW, xp + p * H * W, yp + p * OH * OW, col.get());
    });
  });
}

void adaptive_avg_pool2d_backward(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const void* dy, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_avg_pool2d_backward", [&] {
    auto* gp = typed<scalar_t>(dy);
    auto* dp = typed<scalar_t>(dx);
    for_planes(P, H * W, [&](int64_t p) {
      adaptive_avg_plane_backward(H, W, OH, OW, gp + p * OH * OW, dp + p * H * W);
    });
  });
}

void adaptive_max_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y, int64_t* idx) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_max_pool2d", [&] {
    auto* xp = typed<scalar_t>(x);
    auto* yp = typed<scalar_t>(y);
    for_planes(P, H * W, [&](int64_t p) {
      adaptive_max_plane(H, W, OH, OW, xp + p * H * W, yp + p * OH * OW,
                         idx ? idx + p * OH * OW : nullptr);
    });
  });
}

void max_pool2d_backward(DType dt, int64_t P, int64_t in_plane, int64_t out_plane,
                         const void* dy, const int64_t* idx, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "max_pool2d_backward", [&] {
    auto* gp = typed<scalar_t>(dy);
    auto* dp = typed<scalar_t>(dx);
    for_planes(P, in_plane, [&](int64_t p) {
      scalar_t* d = dp + p * in_plane;
      const scalar_t* gr = gp + p * out_plane;
      const int64_t* ir = idx + p * out_plane;
      std::memset(d, 0, sizeof(scalar_t) * in_plane);
      for (int64_t o = 0; o < out_plane; ++o)  // a window with no element in the plane
        if (static_cast<uint64_t>(ir[o]) < static_cast<uint64_t>(in_plane)) d[ir[o]] += gr[o];
    });
  });
}

}  // namespace lamina::cpu::LAMINA_CPU_NS
