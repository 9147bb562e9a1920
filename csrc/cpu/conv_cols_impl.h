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
inline __mmask16 mask16(int64_t n) { return n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1); }
inline __mmask8 mask8(int64_t n) { return n >= 8 ? __mmask8(0xff) : __mmask8((1u << n) - 1); }

inline void gather2(float* __restrict d, const float* __restrict s, int64_t n) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  for (int64_t l = 0; l < n; l += 16) {
    const int64_t m = n - l < 16 ? n - l : 16, e = 2 * m - 1;  // values, then elements read
    const __m512 a = _mm512_maskz_loadu_ps(mask16(e), s + 2 * l);
    const __m512 b = _mm512_maskz_loadu_ps(mask16(e - 16 > 0 ? e - 16 : 0), s + 2 * l + 16);
    _mm512_mask_storeu_ps(d + l, mask16(m), _mm512_permutex2var_ps(a, even, b));
  }
}

inline void scatter2_add(float* __restrict d, const float* __restrict s, int64_t n) {
  const __m512i lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i hi = _mm512_setr_epi32(8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15);
  for (int64_t l = 0; l < n; l += 16) {
    const int64_t m = n - l < 16 ? n - l : 16, e = 2 * m - 1;
    const __mmask16 ma = mask16(e), mb = mask16(e - 16 > 0 ? e - 16 : 0);
    const __m512 v = _mm512_maskz_loadu_ps(mask16(m), s + l);
    float* p = d + 2 * l;
    __m512 a = _mm512_maskz_loadu_ps(ma, p), b = _mm512_maskz_loadu_ps(mb, p + 16);
    a = _mm512_mask_add_ps(a, 0x5555, a, _mm512_permutexvar_ps(lo, v));
    b = _mm512_mask_add_ps(b, 0x5555, b, _mm512_permutexvar_ps(hi, v));
    _mm512_mask_storeu_ps(p, ma, a);
    _mm512_mask_storeu_ps(p + 16, mb, b);
  }
}

inline void gather2(double* __restrict d, const double* __restrict s, int64_t n) {
  const __m512i even = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
  for (int64_t l = 0; l < n; l += 8) {
    const int64_t m = n - l < 8 ? n - l : 8, e = 2 * m - 1;
    const __m512d a = _mm512_maskz_loadu_pd(mask8(e), s + 2 * l);
    const __m512d b = _mm512_maskz_loadu_pd(mask8(e - 8 > 0 ? e - 8 : 0), s + 2 * l + 8);
    _mm512_mask_storeu_pd(d + l, mask8(m), _mm512_permutex2var_pd(a, even, b));
  }
}

inline void scatter2_add(double* __restrict d, const double* __restrict s, int64_t n) {
  const __m512i lo = _mm512_setr_epi64(0, 0, 1, 1, 2, 2, 3, 3);
  const __m512i hi = _mm512_setr_epi64(4, 4, 5, 5, 6, 6, 7, 7);
  for (int64_t l = 0; l < n; l += 8) {
    const int64_t m = n - l < 8 ? n - l : 8, e = 2 * m - 1;
    const __mmask8 ma = mask8(e), mb = mask8(e - 8 > 0 ? e - 8 : 0);
    const __m512d v = _mm512_maskz_loadu_pd(mask8(m), s + l);
    double* p = d + 2 * l;
    __m512d a = _mm512_maskz_loadu_pd(ma, p), b = _mm512_maskz_loadu_pd(mb, p + 8);
    a = _mm512_mask_add_pd(a, 0x55, a, _mm512_permutexvar_pd(lo, v));
    b = _mm512_mask_add_pd(b, 0x55, b, _mm512_permutexvar_pd(hi, v));
    _mm512_mask_storeu_pd(p, ma, a);
    _mm512_mask_storeu_pd(p + 8, mb, b);
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
