#pragma once
// The copies of im2col, col2im, the phase planes and the packed columns (conv_cols.h),
// compiled once per ISA (simd/target.h): by conv_cols.cpp (generic) and the one-line
// conv_cols_avx2.cpp / conv_cols_avx512.cpp, so GCC vectorizes the unit-stride copies and the
// stride-2 gathers (even lanes of two vectors) at each ISA's width. No STL in here (see conv_winograd_impl.h).
#include <cstdint>

#include "conv_cols.h"
#include "simd/target.h"
#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace lamina::cpu::LAMINA_CPU_NS::conv_cols {

using conv_detail::ColPlan;
using conv_detail::ColRun;
using conv_detail::Phases;

template <class T>
inline void zero(T* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = T(0);
}

// Stride 2: d[l] = s[2 * l] and d[2 * l] += s[l] for l < n, as even lanes of two vectors (GCC
// stores the scatter lane by lane). AVX-512 does the tail of a run (output rows are short)
// under masks, without reading or writing past it; AVX2 in scalars.
#if defined(__AVX512F__)
// One AVX-512 vector of T for them: masks of the first n lanes, masked loads and stores, the
// even lanes of two vectors, each of the low / high half's lanes twice, an add on even lanes.
template <class T>
struct Pair;
template <>
struct Pair<float> {
  using V = __m512;
  using M = __mmask16;
  static constexpr int64_t L = 16;
  static V load(M m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(float* p, M m, V v) { _mm512_mask_storeu_ps(p, m, v); }
  static V evens(V a, V b) {
    const __m512i i = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(a, i, b);
  }
  static V twice_lo(V v) {
    const __m512i i = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
    return _mm512_permutexvar_ps(i, v);
  }
  static V twice_hi(V v) {
    const __m512i i = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
    return _mm512_permutexvar_ps(i, v);
  }
  static V add_even(V a, V v) { return _mm512_mask_add_ps(a, 0x5555, a, v); }
};
template <>
struct Pair<double> {
  using V = __m512d;
  using M = __mmask8;
  static constexpr int64_t L = 8;
  static V load(M m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void store(double* p, M m, V v) { _mm512_mask_storeu_pd(p, m, v); }
  static V evens(V a, V b) {
    return _mm512_permutex2var_pd(a, _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14), b);
  }
  static V twice_lo(V v) {
    return _mm512_permutexvar_pd(_mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3), v);
  }
  static V twice_hi(V v) {
    return _mm512_permutexvar_pd(_mm512_setr_epi64(4, 4, 5, 5, 6, 6, 7, 7), v);
  }
  static V add_even(V a, V v) { return _mm512_mask_add_pd(a, 0x55, a, v); }
};

// The first n lanes (none for n <= 0, all for n >= L).
template <class P>
inline typename P::M lanes(int64_t n) {
  using M = typename P::M;
  return n <= 0 ? M(0) : n >= P::L ? M(~M(0)) : M((1u << n) - 1);
}

template <class T>
inline void gather2(T* __restrict d, const T* __restrict s, int64_t n) {
  using P = Pair<T>;
  constexpr int64_t L = P::L;
  for (int64_t l = 0; l < n; l += L) {
    const int64_t m = n - l < L ? n - l : L, e = 2 * m - 1;  // values, elements read
    const auto a = P::load(lanes<P>(e), s + 2 * l), b = P::load(lanes<P>(e - L), s + 2 * l + L);
    P::store(d + l, lanes<P>(m), P::evens(a, b));
  }
}

template <class T>
inline void scatter2_add(T* __restrict d, const T* __restrict s, int64_t n) {
  using P = Pair<T>;
  constexpr int64_t L = P::L;
  for (int64_t l = 0; l < n; l += L) {
    const int64_t m = n - l < L ? n - l : L, e = 2 * m - 1;
    const auto ma = lanes<P>(e), mb = lanes<P>(e - L);
    const auto v = P::load(lanes<P>(m), s + l);
    T* p = d + 2 * l;
    P::store(p, ma, P::add_even(P::load(ma, p), P::twice_lo(v)));
    P::store(p + L, mb, P::add_even(P::load(mb, p + L), P::twice_hi(v)));
  }
}
#elif defined(__AVX2__)
// The even lanes of two vectors, in order; the last vector is read only where it lies inside
// the 2n - 1 elements (a row may end at the end of the tensor).
inline void gather2(float* __restrict d, const float* __restrict s, int64_t n) {
  int64_t l = 0;
  for (; l + 9 <= n; l += 8) {
    const __m256 a = _mm256_loadu_ps(s + 2 * l), b = _mm256_loadu_ps(s + 2 * l + 8);
    const __m256 e = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));  // a0 a2 b0 b2 | a4 ..
    _mm256_storeu_ps(d + l, _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(e), 0xD8)));
  }
  for (; l < n; ++l) d[l] = s[2 * l];
}

inline void gather2(double* __restrict d, const double* __restrict s, int64_t n) {
  int64_t l = 0;
  for (; l + 5 <= n; l += 4) {
    const __m256d a = _mm256_loadu_pd(s + 2 * l), b = _mm256_loadu_pd(s + 2 * l + 4);
    const __m256d e = _mm256_unpacklo_pd(a, b);  // a0 b0 | a2 b2
    _mm256_storeu_pd(d + l, _mm256_permute4x64_pd(e, 0xD8));
  }
  for (; l < n; ++l) d[l] = s[2 * l];
}

// d's odd lanes are loaded and stored back as they were (one thread owns an image's dx).
inline void scatter2_add(float* __restrict d, const float* __restrict s, int64_t n) {
  int64_t l = 0;
  const __m256 z = _mm256_setzero_ps();
  for (; l + 9 <= n; l += 8) {
    // s0..s7 to the even lanes of two vectors: v = s0 s1 s4 s5 | s2 s3 s6 s7, then
    const __m256 v = _mm256_castpd_ps(
        _mm256_permute4x64_pd(_mm256_castps_pd(_mm256_loadu_ps(s + l)), 0xD8));
    const __m256 lo = _mm256_unpacklo_ps(v, z), hi = _mm256_unpackhi_ps(v, z);
    // lo: s0 0 s1 0 | s2 0 s3 0, hi: s4 0 s5 0 | s6 0 s7 0
    float* p = d + 2 * l;
    _mm256_storeu_ps(p, _mm256_add_ps(_mm256_loadu_ps(p), lo));
    _mm256_storeu_ps(p + 8, _mm256_add_ps(_mm256_loadu_ps(p + 8), hi));
  }
  for (; l < n; ++l) d[2 * l] += s[l];
}

inline void scatter2_add(double* __restrict d, const double* __restrict s, int64_t n) {
  int64_t l = 0;
  const __m256d z = _mm256_setzero_pd();
  for (; l + 5 <= n; l += 4) {
    const __m256d v = _mm256_permute4x64_pd(_mm256_loadu_pd(s + l), 0xD8);  // s0 s2 | s1 s3
    const __m256d lo = _mm256_unpacklo_pd(v, z), hi = _mm256_unpackhi_pd(v, z);
    // lo: s0 0 | s1 0, hi: s2 0 | s3 0
    double* p = d + 2 * l;
    _mm256_storeu_pd(p, _mm256_add_pd(_mm256_loadu_pd(p), lo));
    _mm256_storeu_pd(p + 4, _mm256_add_pd(_mm256_loadu_pd(p + 4), hi));
  }
  for (; l < n; ++l) d[2 * l] += s[l];
}
#else
template <class T>
inline void gather2(T* __restrict d, const T* __restrict s, int64_t n) {
  for (int64_t l = 0; l < n; ++l) d[l] = s[2 * l];
}

template <class T>
inline void scatter2_add(T* __restrict d, const T* __restrict s, int64_t n) {
  for (int64_t l = 0; l < n; ++l) d[2 * l] += s[l];
}
#endif

// d[l] = src[l * sw] for l in [lo, hi), zero for the rest of [0, n).
template <class T>
inline void copy_row(T* __restrict d, const T* __restrict src, int64_t sw, int64_t lo,
                     int64_t hi, int64_t n) {
  zero(d, lo);
  if (sw == 1) {
    for (int64_t l = lo; l < hi; ++l) d[l] = src[l];
  } else if (sw == 2) {
    gather2(d + lo, src + 2 * lo, hi - lo);
  } else {
    for (int64_t l = lo; l < hi; ++l) d[l] = src[l * sw];
  }
  zero(d + hi, n - hi);
}

template <class T>
void im2col(const ColPlan& pl, const T* x, int64_t cg, T* col) {
  const ConvGeom& g = *pl.g;
  const int64_t sw = g.sw;
  for (int64_t ci = 0; ci < cg; ++ci) {
    const T* xc = x + ci * g.H * g.W;
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s) {
        T* d = col + ((ci * g.R + r) * g.S + s) * pl.pb;
        for (int64_t k = 0; k < pl.nruns; ++k) {
          const ColRun& u = pl.runs[k];
          T* __restrict dd = d + u.j;
          const int64_t ih = u.ih0 + r * g.dh;
          if (ih < 0 || ih >= g.H) {
            zero(dd, u.len);
            continue;
          }
          const int64_t lo = pl.span[(k * g.S + s) * 2], hi = pl.span[(k * g.S + s) * 2 + 1];
          copy_row(dd, xc + ih * g.W + u.iw0 + s * g.dw, sw, lo, hi, u.len);
        }
      }
  }
}

template <class T>
void col2im_add(const ColPlan& pl, const T* dcol, int64_t cg, T* dx) {
  const ConvGeom& g = *pl.g;
  const int64_t sw = g.sw;
  for (int64_t ci = 0; ci < cg; ++ci) {
    T* xc = dx + ci * g.H * g.W;
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s) {
        const T* d = dcol + ((ci * g.R + r) * g.S + s) * pl.pb;
        for (int64_t k = 0; k < pl.nruns; ++k) {
          const ColRun& u = pl.runs[k];
          const int64_t ih = u.ih0 + r * g.dh;
          if (ih < 0 || ih >= g.H) continue;
          const int64_t lo = pl.span[(k * g.S + s) * 2], hi = pl.span[(k * g.S + s) * 2 + 1];
          T* __restrict dst = xc + ih * g.W + u.iw0 + s * g.dw;
          const T* __restrict sd = d + u.j;
          if (sw == 1) {
            for (int64_t l = lo; l < hi; ++l) dst[l] += sd[l];
          } else if (sw == 2) {
            scatter2_add(dst + 2 * lo, sd + lo, hi - lo);
          } else {
            for (int64_t l = lo; l < hi; ++l) dst[l * sw] += sd[l];
          }
        }
      }
  }
}

// Rows in the image's order (plane row i of every phase before row i + 1), so the reads of
// the image stream.
template <class T>
void split_phases(const ConvGeom& g, const Phases& ph, const T* x, int64_t c0, int64_t c1,
                  T* planes) {
  const int64_t hq = ph.hq, wq = ph.wq, sh = g.sh, sw = g.sw;
  for (int64_t ci = c0; ci < c1; ++ci)
    for (int64_t i = 0; i < hq; ++i)
      for (int64_t qh = 0; qh < sh; ++qh) {
        if (!ph.row_read[qh]) continue;
        const int64_t ih = i * sh + qh - g.ph;
        for (int64_t qw = 0; qw < sw; ++qw) {
          if (!ph.col_read[qw]) continue;
          T* __restrict d = planes + (((ci * sh + qh) * sw + qw) * hq + i) * wq;
          if (ih < 0 || ih >= g.H)
            zero(d, wq);
          else
            copy_row(d, x + (ci * g.H + ih) * g.W + qw - g.pw, sw, ph.cols[2 * qw],
                     ph.cols[2 * qw + 1], wq);
        }
      }
}

// pack_cols (conv_cols.h) for panels NR wide, kGroup panels at a time: for each row k, the
// group's positions read one short stretch of a plane (their rows of the image), and each
// run of a panel row is copied NR values wide. The destination is written in address order
// within a panel (rows in turn), so what spills past a run lands on places written next (the
// rest of the row, or the next row; a panel's last row goes through a buffer), and the reads
// past a run stay inside the planes (the caller leaves NR values after them).
constexpr int64_t kGroup = 8;
template <class T, int64_t NR>
void pack_cols_nr(const ConvGeom& g, const Phases& ph, const T* planes, const int64_t* off,
                  int64_t Kd, int64_t p0, int64_t pb, int64_t kc, T* dst) {
  const int64_t npad = (pb + NR - 1) / NR * NR;
  // the runs of the group's panels along output rows: panel q's values [l0[q][u], l0[q][u + 1])
  // from plane offset pos[q][u], u < nu[q]
  int64_t l0[kGroup][NR + 1], pos[kGroup][NR], nu[kGroup], w[kGroup];
  T last[2 * NR];
  for (int64_t j0 = 0; j0 < pb; j0 += kGroup * NR) {
    const int64_t ng = (pb - j0 + NR - 1) / NR < kGroup ? (pb - j0 + NR - 1) / NR : kGroup;
    for (int64_t q = 0; q < ng; ++q) {
      const int64_t j = j0 + q * NR;
      w[q] = pb - j < NR ? pb - j : NR;
      int64_t u = 0, l = 0;
      for (int64_t p = p0 + j; l < w[q]; ++u) {
        const int64_t oh = p / g.OW, ow = p % g.OW;
        const int64_t len = g.OW - ow < w[q] - l ? g.OW - ow : w[q] - l;
        l0[q][u] = l;
        pos[q][u] = oh * ph.wq + ow;
        l += len;
        p += len;
      }
      l0[q][u] = w[q];
      nu[q] = u;
    }
    for (int64_t pc = 0; pc < Kd; pc += kc) {
      const int64_t kcb = Kd - pc < kc ? Kd - pc : kc;
      T* blk = dst + pc * npad + j0 * kcb;
      for (int64_t k = 0; k < kcb; ++k) {
        const T* src = planes + off[pc + k];
        for (int64_t q = 0; q < ng; ++q) {
          // a panel's last row would spill into the next panel, written already: via a buffer
          T* out = blk + (q * kcb + k) * NR;
          T* d = k + 1 < kcb ? out : last;
          for (int64_t u = 0; u < nu[q]; ++u) {
            const T* __restrict s = src + pos[q][u];
            T* __restrict dd = d + l0[q][u];
#pragma GCC unroll 4
            for (int64_t v = 0; v < NR; ++v) dd[v] = s[v];
          }
          for (int64_t v = w[q]; v < NR; ++v) d[v] = T(0);
          if (d == last)
            for (int64_t v = 0; v < NR; ++v) out[v] = last[v];
        }
      }
    }
  }
}

template <class T>
void pack_cols(const ConvGeom& g, const Phases& ph, const T* planes, const int64_t* off,
               int64_t Kd, int64_t p0, int64_t pb, int64_t kc, int64_t nr, T* dst) {
  switch (nr) {
    case 4: return pack_cols_nr<T, 4>(g, ph, planes, off, Kd, p0, pb, kc, dst);
    case 8: return pack_cols_nr<T, 8>(g, ph, planes, off, Kd, p0, pb, kc, dst);
    case 16: return pack_cols_nr<T, 16>(g, ph, planes, off, Kd, p0, pb, kc, dst);
    case 32: return pack_cols_nr<T, 32>(g, ph, planes, off, Kd, p0, pb, kc, dst);
    default: __builtin_trap();  // conv_cols.cpp checks nr
  }
}

template void im2col<float>(const ColPlan&, const float*, int64_t, float*);
template void im2col<double>(const ColPlan&, const double*, int64_t, double*);
template void col2im_add<float>(const ColPlan&, const float*, int64_t, float*);
template void col2im_add<double>(const ColPlan&, const double*, int64_t, double*);
template void split_phases<float>(const ConvGeom&, const Phases&, const float*, int64_t, int64_t,
                                  float*);
template void split_phases<double>(const ConvGeom&, const Phases&, const double*, int64_t,
                                   int64_t, double*);
template void pack_cols<float>(const ConvGeom&, const Phases&, const float*, const int64_t*,
                               int64_t, int64_t, int64_t, int64_t, int64_t, float*);
template void pack_cols<double>(const ConvGeom&, const Phases&, const double*, const int64_t*,
                                int64_t, int64_t, int64_t, int64_t, int64_t, double*);

}  // namespace lamina::cpu::LAMINA_CPU_NS::conv_cols
