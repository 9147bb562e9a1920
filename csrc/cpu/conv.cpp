// 2-D convolution on the CPU as implicit GEMMs on the packed GEMM kernels of gemm.h (the
// AVX-512 12 x 32 micro-kernel where the CPU has it). Never the whole column matrix: each
// thread builds the columns of one block of output positions (im2col by block, a few hundred
// KB that stay in L2) and hands them to the GEMM's packing. Per group g (Cg = C / groups input
// and Kg = K / groups output channels, Kd = Cg * R * S, P = OH * OW):
//
// forward, per (image, group, block of pb output positions):
//     Y^T[p, co] = Col^T[p, k] @ W^T[k, co]        (M = pb, N = Kg, K = Kd)
//   The weight is B: packed once per call into a buffer shared by the threads (pack_b), so
//   each block only packs its columns, as A panels straight from the column block (rows of A
//   are contiguous there: the fast copy pack). The GEMM writes a (pb, Kg) tile that is
//   transposed into Y (+ bias) while hot. Why not Y = W @ Col (C straight into Y)? The weight
//   would then be A, re-packed for every block (run_packed shares only B), Kg * Kd elements
//   per block against the transpose's pb * Kg. Measured: the plain GEMMs of both orientations
//   run at the same speed (6272x128x1152 and 128x6272x1152: 176 / 173 GFLOP/s, 1 thread).
//   1x1 stride-1 unpadded convs need no columns: A is the image itself.
// backward-data:
//   stride 1, out channels per group <= in channels (or 1x1): the forward of dY with the
//     flipped, channel-transposed weight and padding d * (k - 1) - p (negative padding works:
//     the bounds checks do it), so the fast path above, no scatter.
//   otherwise (with stride > 1 dX is not a convolution of dY without zero insertion, which
//   would waste s^2 of the flops; see backward_data_impl for the stride-1 choice): col2im.
//   Per (image, group), block by block, dCol[k, p] = W^T[k, co] @ dY[co, p] (M = Kd,
//   N = pb, K = Kg), then col2im adds the rows of dCol into dX (contiguous runs of output
//   positions, like im2col). One thread owns an image, so the scatter needs no atomics.
// backward-weight, per (image, group, block of pb positions): the column block again and
//     dW[co, k] += dY[co, p] @ Col^T[p, k]         (M = Kg, N = Kd, K = pb)
//   into a partial sum per thread (the GEMM overwrites its output, so a tile buffer then an
//   add: Kg * Kd adds for 2 * Kg * Kd * pb flops), the partials summed at the end.
// Depthwise convs (one input channel per group, < 8 outputs each) take direct plane loops
// instead (conv_depthwise.cpp): the GEMM would have 1..7 useful columns of 32. Convs of at
// most 4 input channels a group (first layers) take the direct kernel of conv_direct.cpp
// forward, and 3x3 stride-1 convs of 16 or more channels Winograd's (conv_winograd.cpp).
// Threads claim blocks one at a time (both cores stay busy when one of them starts late).
#include "../kernels/conv.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "../core/parallel.h"
#include "conv_depthwise.h"
#include "conv_direct.h"
#include "conv_threads.h"
#include "conv_winograd.h"
#include "gemm.h"
#include "matmul.h"
#include "scratch.h"

namespace lamina::cpu {

namespace {

using gemm_kernels::Kernel;
using gemm_kernels::Problem;
using gemm_kernels::Region;
using conv_detail::ceil_div;
using conv_detail::claim_items;
using conv_detail::conv_flops;
using conv_detail::grain;
using conv_detail::SerialScope;
using conv_detail::valid_range;

thread_local Scratch t_ws;       // the GEMM's packing workspace (gemm.h: B block, A block)
thread_local Scratch t_col;      // a column block
thread_local Scratch t_tile;     // a GEMM output tile
thread_local Scratch t_bpack;    // the packed weight, shared by the threads (calling thread)
thread_local Scratch t_wflip;    // the flipped weight of backward-data (calling thread)
thread_local Scratch t_partial;  // per-thread weight-gradient sums (calling thread)

template <class T>
T* workspace(const Kernel& k) {
  return t_ws.get<T>(k.ws_elems());
}

// Bytes of a column block: big enough that the GEMM runs on long panels, small enough that
// the block and the packed A block stay in the 1 MB L2 (gemm.h). Measured on Zen 5 (1 thread,
// a loaded machine) for C64->128 @16^2, C128 @28^2, C256 @14^2 and the 7x7 stem: 384 KB, 1, 2
// and 4 MB all within the +-5% noise; the smallest kept.
constexpr int64_t kColBytes = 384 << 10;

// Positions per block: a multiple of `mult`, at most `cap`, and at least enough blocks that
// every thread gets about 3.
int64_t block_size(int64_t P, int64_t per_pos_bytes, int64_t mult, int64_t cap, int64_t items,
                   int64_t nt) {
  int64_t pb = kColBytes / std::max<int64_t>(per_pos_bytes, 1);
  pb = std::clamp<int64_t>(pb, mult, std::max(mult, cap));
  const int64_t want = 3 * nt;
  if (items * ceil_div(P, pb) < want) pb = ceil_div(P, ceil_div(want, items));
  pb = std::max<int64_t>(mult, pb / mult * mult);
  return std::min(pb, P);
}

// 1x1, stride 1, unpadded (as many positions out as in): the image itself is the column
// matrix of im2col (Kd = Cg rows of H * W positions), so it needs none.
inline bool plain_1x1(const ConvGeom& g) {
  return g.R == 1 && g.S == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
         g.OH == g.H && g.OW == g.W;
}

// Output positions [p0, p0 + pb) walked as runs along one output row: fn(j, oh, ow0, len) for
// block offset j, row oh, first column ow0 and len positions.
template <class Fn>
inline void for_runs(const ConvGeom& g, int64_t p0, int64_t pb, Fn&& fn) {
  int64_t oh = p0 / g.OW, ow = p0 % g.OW;
  for (int64_t j = 0; j < pb;) {
    const int64_t len = std::min(g.OW - ow, pb - j);
    fn(j, oh, ow, len);
    j += len;
    ow = 0;
    ++oh;
  }
}

// col (Kd, pb) row-major, Kd = cg * R * S: col[(ci, r, s), j] = x[ci, ih, iw] of position
// p0 + j (zero outside). x points at the group's first channel of the image. Returns col.
template <class T>
const T* im2col(const ConvGeom& g, const T* x, int64_t cg, int64_t p0, int64_t pb, T* col) {
  const int64_t HW = g.H * g.W;
  for (int64_t ci = 0; ci < cg; ++ci) {
    const T* xc = x + ci * HW;
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s) {
        T* d = col + ((ci * g.R + r) * g.S + s) * pb;
        for_runs(g, p0, pb, [&](int64_t j, int64_t oh, int64_t ow0, int64_t len) {
          T* dd = d + j;
          const int64_t ih = oh * g.sh - g.ph + r * g.dh;
          if (ih < 0 || ih >= g.H) {
            std::fill(dd, dd + len, T(0));
            return;
          }
          const int64_t iw0 = ow0 * g.sw - g.pw + s * g.dw;
          int64_t lo, hi;
          valid_range(iw0, g.sw, g.W, len, lo, hi);
          std::fill(dd, dd + lo, T(0));
          const T* src = xc + ih * g.W + iw0;
          if (g.sw == 1) {
            std::memcpy(dd + lo, src + lo, size_t(hi - lo) * sizeof(T));
          } else if (g.sw == 2) {
            for (int64_t l = lo; l < hi; ++l) dd[l] = src[2 * l];
          } else {
            for (int64_t l = lo; l < hi; ++l) dd[l] = src[l * g.sw];
          }
          std::fill(dd + hi, dd + len, T(0));
        });
      }
    }
  }
  return col;
}

// The transpose of im2col, adding: dx[ci, ih, iw] += dcol[(ci, r, s), j] for position p0 + j.
template <class T>
void col2im_add(const ConvGeom& g, const T* dcol, int64_t cg, int64_t p0, int64_t pb, T* dx) {
  const int64_t HW = g.H * g.W;
  for (int64_t ci = 0; ci < cg; ++ci) {
    T* xc = dx + ci * HW;
    for (int64_t r = 0; r < g.R; ++r) {
      for (int64_t s = 0; s < g.S; ++s) {
        const T* d = dcol + ((ci * g.R + r) * g.S + s) * pb;
        for_runs(g, p0, pb, [&](int64_t j, int64_t oh, int64_t ow0, int64_t len) {
          const int64_t ih = oh * g.sh - g.ph + r * g.dh;
          if (ih < 0 || ih >= g.H) return;
          const int64_t iw0 = ow0 * g.sw - g.pw + s * g.dw;
          int64_t lo, hi;
          valid_range(iw0, g.sw, g.W, len, lo, hi);
          T* dst = xc + ih * g.W + iw0;
          const T* sd = d + j;
          if (g.sw == 1) {
            for (int64_t l = lo; l < hi; ++l) dst[l] += sd[l];
          } else if (g.sw == 2) {
            for (int64_t l = lo; l < hi; ++l) dst[2 * l] += sd[l];
          } else {
            for (int64_t l = lo; l < hi; ++l) dst[l * g.sw] += sd[l];
          }
        });
      }
    }
  }
}

// The weight of every group packed as the GEMM's B operand W_g^T (Kd, Kg): B[k, co] =
// w[(g * Kg + co) * Kd + k]. Group gi at the result + gi * Kd * npad.
template <class T>
const T* pack_weight_t(const Kernel& kern, const T* w, int64_t G, int64_t Kg, int64_t Kd) {
  const int64_t nr = kern.b.nr, npad = ceil_div(Kg, nr) * nr;
  T* bp = t_bpack.get<T>(G * Kd * npad);
  const int64_t per = std::max<int64_t>(1, ceil_div(ceil_div(Kg, nr), 4));  // panels per task
  const int64_t tasks_per_group = ceil_div(ceil_div(Kg, nr), per);
  claim_items(G * tasks_per_group, [&](int64_t it, int64_t) {
    const int64_t gi = it / tasks_per_group, t = it % tasks_per_group;
    const Problem p{Kd, Kg, Kd, nullptr, 0, 0, w + gi * Kg * Kd, 1, Kd, nullptr, 0};
    const int64_t n0 = t * per * nr;
    kern.pack_b(p, n0, std::min(Kg, n0 + per * nr), bp + gi * Kd * npad);
  });
  return bp;
}

template <class T>
void forward_impl(const Kernel& kern, const ConvGeom& g, const T* x, const T* w, const T* bias,
                  T* y) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, Kd = Cg * g.R * g.S;
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t nt = get_num_threads();
  if (plain_1x1(g)) {
    // Y[n, group] (Kg x P) = W[group] (Kg x Cg) @ X[n, group] (Cg x P): the image is the B
    // matrix and the output rows are written in place, so no tile is transposed (in the
    // (P x Kg) orientation below that scalar transpose took a fifth of a 1x1 conv's
    // forward and backward).
    const int64_t pb = block_size(P, (Cg + Kg) * int64_t(sizeof(T)), kern.b.nr, P, g.N * G, nt);
    const int64_t nblk = ceil_div(P, pb);
    claim_items(g.N * G * nblk, [&](int64_t it, int64_t) {
      const int64_t n = it / (G * nblk), gi = (it / nblk) % G, p0 = (it % nblk) * pb;
      const int64_t m = std::min(pb, P - p0);
      T* yo = y + (n * g.K + gi * Kg) * P;
      const Problem p{Kg, P, Cg, w + gi * Kg * Cg, Cg, 1, x + (n * g.C + gi * Cg) * HW, HW, 1,
                      yo, P};
      kern.run(p, Region{0, Kg, p0, p0 + m}, workspace<T>(kern));
      if (bias)
        for (int64_t co = 0; co < Kg; ++co) {
          const T b = bias[gi * Kg + co];
          T* yr = yo + co * P + p0;
          for (int64_t i = 0; i < m; ++i) yr[i] += b;
        }
    });
    return;
  }
  const int64_t nr = kern.b.nr, npad = ceil_div(Kg, nr) * nr;
  const T* bp = pack_weight_t(kern, w, G, Kg, Kd);
  // the column block (Kd per position) and the output tile (Kg per position) share L2
  const int64_t pb = block_size(P, (Kd + Kg) * int64_t(sizeof(T)), kern.b.mr, kern.b.mc,
                                g.N * G, nt);
  const int64_t nblk = ceil_div(P, pb);
  claim_items(g.N * G * nblk, [&](int64_t it, int64_t) {
    const int64_t n = it / (G * nblk), gi = (it / nblk) % G, p0 = (it % nblk) * pb;
    const int64_t m = std::min(pb, P - p0);
    const T* A = im2col(g, x + (n * g.C + gi * Cg) * HW, Cg, p0, m, t_col.get<T>(Kd * pb));
    T* tile = t_tile.get<T>(pb * Kg);
    const Problem p{m, Kg, Kd, A, 1, m, nullptr, 0, 0, tile, Kg};
    kern.run_packed(p, Region{0, m, 0, Kg}, bp + gi * Kd * npad, workspace<T>(kern));
    // tile (m, Kg) -> Y[n, gi * Kg + co, p0 + i], 8 positions at a time so the strided
    // reads of the tile hit the lines the previous column just loaded
    T* yo = y + (n * g.K + gi * Kg) * P + p0;
    for (int64_t i0 = 0; i0 < m; i0 += 8) {
      const int64_t i1 = std::min(m, i0 + 8);
      for (int64_t co = 0; co < Kg; ++co) {
        const T b = bias ? bias[gi * Kg + co] : T(0);
        T* yr = yo + co * P;
        for (int64_t i = i0; i < i1; ++i) yr[i] = tile[i * Kg + co] + b;
      }
    }
  });
}

// The forward by Winograd or the direct kernel where they apply, else by implicit GEMM.
template <class T>
void forward_any(const Kernel& kern, const ConvGeom& g, const T* x, const T* w, const T* bias,
                 T* y) {
  if (conv_detail::use_winograd(g)) return conv_detail::winograd_forward(kern, g, x, w, bias, y);
  if (conv_detail::use_direct(g)) return conv_detail::direct_forward(g, x, w, bias, y);
  forward_impl(kern, g, x, w, bias, y);
}

template <class T>
void backward_data_impl(const Kernel& kern, const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, RS = g.R * g.S, Kd = Cg * RS;
  // Stride 1: the flipped forward unless it is the worse GEMM. Its product has N = Cg (the
  // flipped conv's output channels) against Kd' = Kg * R * S; col2im's has M = Cg * R * S,
  // N = block, K = Kg. Measured on Zen 5, 1 thread (GFLOP/s flipped / col2im): C32->64 @32^2
  // 99 / 140, C64->128 @16^2 113 / 156, C128->128 @28^2 161 / 147, C256->256 @14^2 161 / 116:
  // col2im wins where Kg > Cg. 1x1 unpadded convs are a plain GEMM when flipped; col2im needs
  // whole images per thread (no scatter races), so it wants N * groups >= 2 threads.
  const bool pointwise = g.R == 1 && g.S == 1 && g.ph == 0 && g.pw == 0;
  // With Winograd (a 3x3 flipped conv of enough channels) the flipped forward always wins.
  const bool col2im_better = Kg > Cg && !pointwise && g.N * G >= 2 * get_num_threads();
  const ConvGeom t{g.N,  g.K, g.OH, g.OW, g.C, g.H, g.W, g.R, g.S, 1, 1,
                   g.dh * (g.R - 1) - g.ph, g.dw * (g.S - 1) - g.pw, g.dh, g.dw, G};
  if (g.sh == 1 && g.sw == 1 && (!col2im_better || conv_detail::use_winograd(t))) {
    // dX = conv(dY, W') with W'[gi * Cg + ci, co, r, s] = W[gi * Kg + co, ci, R-1-r, S-1-s]
    T* wf = t_wflip.get<T>(g.C * Kg * RS);
    parallel_for(0, g.K, grain(16), [&](int64_t k0, int64_t k1) {  // k = gi * Kg + co
      for (int64_t k = k0; k < k1; ++k) {
        const int64_t gi = k / Kg, co = k % Kg;
        for (int64_t ci = 0; ci < Cg; ++ci) {
          const T* src = w + (k * Cg + ci) * RS;
          T* dst = wf + ((gi * Cg + ci) * Kg + co) * RS;
          for (int64_t q = 0; q < RS; ++q) dst[RS - 1 - q] = src[q];
        }
      }
    });
    forward_any(kern, t, dy, static_cast<const T*>(wf), static_cast<const T*>(nullptr), dx);
    return;
  }
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t pb = std::min(
      P, std::max<int64_t>(kern.b.nr, kColBytes / (Kd * int64_t(sizeof(T))) / kern.b.nr *
                                          kern.b.nr));
  claim_items(g.N * G, [&](int64_t it, int64_t) {
    const int64_t n = it / G, gi = it % G;
    T* dxg = dx + (n * g.C + gi * Cg) * HW;
    std::fill(dxg, dxg + Cg * HW, T(0));
    T* dcol = t_col.get<T>(Kd * pb);
    void* ws = workspace<T>(kern);
    const T* dyg = dy + (n * g.K + gi * Kg) * P;
    const T* wg = w + gi * Kg * Kd;
    for (int64_t p0 = 0; p0 < P; p0 += pb) {
      const int64_t m = std::min(pb, P - p0);
      // dCol (Kd, m) = W_g^T (Kd, Kg) @ dY_g[:, p0:p0+m] (Kg, m)
      const Problem p{Kd, m, Kg, wg, 1, Kd, dyg + p0, P, 1, dcol, m};
      kern.run(p, Region{0, Kd, 0, m}, ws);
      col2im_add(g, static_cast<const T*>(dcol), Cg, p0, m, dxg);
    }
  });
}

template <class T>
void backward_weight_impl(const Kernel& kern, const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, Kd = Cg * g.R * g.S;
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  const bool direct = plain_1x1(g);
  const int64_t nt = std::max<int64_t>(1, get_num_threads());
  const int64_t wsize = G * Kg * Kd;
  // blocks: a multiple of KC (the GEMM's reduction block), the column block within kColBytes
  // unless that is less than one KC
  const int64_t pb = block_size(P, Kd * int64_t(sizeof(T)), kern.b.kc, P, g.N * G, nt);
  const int64_t nblk = ceil_div(P, pb);
  T* partial = t_partial.get<T>(nt * wsize);
  std::vector<char> used(size_t(nt), 0);
  claim_items(g.N * G * nblk, [&](int64_t it, int64_t th) {
    const int64_t n = it / (G * nblk), gi = (it / nblk) % G, p0 = (it % nblk) * pb;
    const int64_t m = std::min(pb, P - p0);
    const T* xg = x + (n * g.C + gi * Cg) * HW;
    const T* B = direct ? xg + p0 : im2col(g, xg, Cg, p0, m, t_col.get<T>(Kd * pb));
    const int64_t sbn = direct ? HW : m;
    T* part = partial + th * wsize + gi * Kg * Kd;
    if (!used[size_t(th)]) {
      std::fill(partial + th * wsize, partial + (th + 1) * wsize, T(0));
      used[size_t(th)] = 1;
    }
    T* tile = t_tile.get<T>(Kg * Kd);
    // tile (Kg, Kd) = dY_g[:, p0:p0+m] (Kg, m) @ Col^T (m, Kd)
    const Problem p{Kg, Kd, m, dy + (n * g.K + gi * Kg) * P + p0, P, 1, B, 1, sbn, tile, Kd};
    kern.run(p, Region{0, Kg, 0, Kd}, workspace<T>(kern));
    for (int64_t i = 0; i < Kg * Kd; ++i) part[i] += tile[i];
  });
  parallel_for(0, wsize, grain(4096), [&](int64_t i0, int64_t i1) {
    std::fill(dw + i0, dw + i1, T(0));
    for (int64_t t = 0; t < nt; ++t) {
      if (!used[size_t(t)]) continue;
      const T* src = partial + t * wsize;
      for (int64_t i = i0; i < i1; ++i) dw[i] += src[i];
    }
  });
}

template <class T>
void backward_bias_impl(const ConvGeom& g, const T* dy, T* db) {
  const int64_t P = g.OH * g.OW;
  parallel_for(0, g.K, grain(8), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      double acc = 0;
      for (int64_t n = 0; n < g.N; ++n) {
        const T* r = dy + (n * g.K + k) * P;
        T s = 0;
        for (int64_t i = 0; i < P; ++i) s += r[i];
        acc += double(s);
      }
      db[k] = T(acc);
    }
  });
}

}  // namespace

void conv2d_forward(DType dt, const ConvGeom& g, const void* x, const void* w, const void* bias,
                    void* y) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_forward(g, typed<scalar_t>(x),
                                            typed<scalar_t>(w),
                                            typed<scalar_t>(bias),
                                            typed<scalar_t>(y));
    forward_any(kern, g, typed<scalar_t>(x), typed<scalar_t>(w), typed<scalar_t>(bias),
                typed<scalar_t>(y));
  });
}

void conv2d_backward_data(DType dt, const ConvGeom& g, const void* dy, const void* w, void* dx) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_backward_data(g, typed<scalar_t>(dy),
                                                  typed<scalar_t>(w),
                                                  typed<scalar_t>(dx));
    backward_data_impl(kern, g, typed<scalar_t>(dy),
                       typed<scalar_t>(w), typed<scalar_t>(dx));
  });
}

void conv2d_backward_weight(DType dt, const ConvGeom& g, const void* x, const void* dy,
                            void* dw) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_backward_weight(g, typed<scalar_t>(x),
                                                    typed<scalar_t>(dy),
                                                    typed<scalar_t>(dw));
    if (conv_detail::use_winograd(g))
      return conv_detail::winograd_backward_weight(kern, g, typed<scalar_t>(x),
                                                   typed<scalar_t>(dy), typed<scalar_t>(dw));
    backward_weight_impl(kern, g, typed<scalar_t>(x),
                         typed<scalar_t>(dy), typed<scalar_t>(dw));
  });
}

void conv2d_backward_bias(DType dt, const ConvGeom& g, const void* dy, void* db) {
  const SerialScope serial(8.0 * double(g.N * g.K * g.OH * g.OW));  // a sum: cheap
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    backward_bias_impl(g, typed<scalar_t>(dy), typed<scalar_t>(db));
  });
}

}  // namespace lamina::cpu
