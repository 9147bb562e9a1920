#pragma once
// The copies of im2col and col2im (conv_cols.h), compiled once per ISA (simd/target.h): by
// conv_cols.cpp (generic) and the one-line conv_cols_avx2.cpp / conv_cols_avx512.cpp, so GCC
// vectorizes the unit-stride copies and the stride-2 gathers (even lanes of two vectors) at
// each ISA's width. No STL in here (see conv_winograd_impl.h).
#include <cstdint>

#include "conv_cols.h"
#include "simd/target.h"
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace lamina::cpu::LAMINA_CPU_NS::conv_cols {

using conv_detail::ColPlan;
using conv_detail::ColRun;

template <class T>
inline void zero(T* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = T(0);
}

// Stride 2: d[l] = s[2 * l] and d[2 * l] += s[l] for l < n. GCC vectorizes the gather but
// stores the scatter lane by lane; AVX-512 does both as even lanes of two vectors, and the
// tail of a run (output rows are short) under masks, without reading or writing past it.
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
          const T* __restrict src = xc + ih * g.W + u.iw0 + s * g.dw;
          zero(dd, lo);
          if (sw == 1) {
            for (int64_t l = lo; l < hi; ++l) dd[l] = src[l];
          } else if (sw == 2) {
            gather2(dd + lo, src + 2 * lo, hi - lo);
          } else {
            for (int64_t l = lo; l < hi; ++l) dd[l] = src[l * sw];
          }
          zero(dd + hi, u.len - hi);
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

template void im2col<float>(const ColPlan&, const float*, int64_t, float*);
template void im2col<double>(const ColPlan&, const double*, int64_t, double*);
template void col2im_add<float>(const ColPlan&, const float*, int64_t, float*);
template void col2im_add<double>(const ColPlan&, const double*, int64_t, double*);

}  // namespace lamina::cpu::LAMINA_CPU_NS::conv_cols
