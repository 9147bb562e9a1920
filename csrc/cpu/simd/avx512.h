#pragma once
// SIMD vector types of the AVX-512 path (include only from *_avx512.cpp files, compiled with
// -mavx512f -mavx512dq -mavx512vl -mfma), with the names of avx2.h: the same algorithms
// then give the same bits on both paths, twice the lanes here. scale2 / scale2_wide are one
// vscalef (exact in the normal range, one rounding for denormal results, like AVX2's halves).
// The wrappers of the same shape on both ISAs come from common.h; the ones here are AVX-512's.
// GCC 12 flags its own _mm512_undefined_* helpers as uninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstdint>

#include "common.h"

namespace lamina::cpu::avx512::simd {

struct F {
  using T = float;
  using V = __m512;
  using M = __mmask16;
  using I = __m512i;
  static constexpr int L = 16;
  LAMINA_SIMD_COMMON(_mm512, ps, _mm512_cmp_ps_mask)  // set1 ... unord (common.h)
  LAMINA_SIMD_INT32(_mm512, si512)  // cast_i ... cvt_i (common.h)
  static V gather(const T* p, int64_t s) {
    return _mm512_setr_ps(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s],
                          p[7 * s], p[8 * s], p[9 * s], p[10 * s], p[11 * s], p[12 * s],
                          p[13 * s], p[14 * s], p[15 * s]);
  }
  static V gather_n(const T* p, int64_t s, int64_t n) {
    return _mm512_setr_ps(0 < n ? p[0] : 0.f, 1 < n ? p[s] : 0.f,
                          2 < n ? p[2 * s] : 0.f, 3 < n ? p[3 * s] : 0.f,
                          4 < n ? p[4 * s] : 0.f, 5 < n ? p[5 * s] : 0.f,
                          6 < n ? p[6 * s] : 0.f, 7 < n ? p[7 * s] : 0.f,
                          8 < n ? p[8 * s] : 0.f, 9 < n ? p[9 * s] : 0.f,
                          10 < n ? p[10 * s] : 0.f, 11 < n ? p[11 * s] : 0.f,
                          12 < n ? p[12 * s] : 0.f, 13 < n ? p[13 * s] : 0.f,
                          14 < n ? p[14 * s] : 0.f, 15 < n ? p[15 * s] : 0.f);
  }
  static V abs(V a) { return _mm512_abs_ps(a); }
  static V round(V a) {
    return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static M mor(M a, M b) { return static_cast<M>(a | b); }
  static M mand(M a, M b) { return static_cast<M>(a & b); }
  static bool any(M m) { return m != 0; }
  static bool all(M m) { return m == 0xffff; }
  static int first(M m) { return m ? __builtin_ctz(static_cast<unsigned>(m)) : -1; }
  static V select(M m, V a, V b) { return _mm512_mask_blend_ps(m, b, a); }
  static V select_sign(V x, V a, V b) {
    return _mm512_mask_blend_ps(_mm512_movepi32_mask(_mm512_castps_si512(x)), b, a);
  }
  static V scale2(V p, V n) { return _mm512_scalef_ps(p, n); }
  static V scale2_wide(V p, V n) { return _mm512_scalef_ps(p, n); }
};

struct D {
  using T = double;
  using V = __m512d;
  using M = __mmask8;
  static constexpr int L = 8;
  LAMINA_SIMD_COMMON(_mm512, pd, _mm512_cmp_pd_mask)  // set1 ... unord (common.h)
  static V gather(const T* p, int64_t s) {
    return _mm512_setr_pd(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]);
  }
  static V gather_n(const T* p, int64_t s, int64_t n) {
    return _mm512_setr_pd(0 < n ? p[0] : 0.0, 1 < n ? p[s] : 0.0, 2 < n ? p[2 * s] : 0.0,
                          3 < n ? p[3 * s] : 0.0, 4 < n ? p[4 * s] : 0.0, 5 < n ? p[5 * s] : 0.0,
                          6 < n ? p[6 * s] : 0.0, 7 < n ? p[7 * s] : 0.0);
  }
  static V abs(V a) { return _mm512_abs_pd(a); }
  static V round(V a) {
    return _mm512_roundscale_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  }
  static M mor(M a, M b) { return static_cast<M>(a | b); }
  static bool any(M m) { return m != 0; }
  static int first(M m) { return m ? __builtin_ctz(static_cast<unsigned>(m)) : -1; }
  static V select_sign(V x, V a, V b) {
    return _mm512_mask_blend_pd(_mm512_movepi64_mask(_mm512_castpd_si512(x)), b, a);
  }
  static V scale2(V p, V n) { return _mm512_scalef_pd(p, n); }
  static V scale2_wide(V p, V n) { return _mm512_scalef_pd(p, n); }
  static V lo(F::V f) { return _mm512_cvtps_pd(_mm512_castps512_ps256(f)); }
  static V hi(F::V f) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(f, 1)); }
  static T hsum(V v) {
    const __m256d s = _mm256_add_pd(_mm512_castpd512_pd256(v), _mm512_extractf64x4_pd(v, 1));
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
  }
};

}  // namespace lamina::cpu::avx512::simd
