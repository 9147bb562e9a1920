#pragma once
// SIMD vector types of the AVX2+FMA path (include only from *_avx2.cpp files), behind the one
// set of names that vec_math_impl.h, elementwise_vec.h and reduce_vec.h are written against:
//   V (vector), M (lane mask), I (integer vector of the same lane width), L (lanes), T (scalar)
//   set1 zero loadu storeu load store | add sub mul div fmadd(a*b+c) fnmadd(c-a*b) fmsub(a*b-c)
//   min max (min/max return b when a lane is NaN, like the instructions) abs bor band round
//   gt lt eq unord mor any select(m, a, b) select_sign(x, a, b) (sign bit of x set ? a : b)
//   cast_i cast_f seti srli addi subi andi ori cvt_i (exact int -> float lanes)
//   scale2(p, n): p * 2^n for integer-valued n in the normal exponent range (exact)
//   scale2_wide(p, n): the same for n down to -(bias + mantissa bits), one rounding
//   first(m): index of the first set lane, -1 if none
//   gather(p, s) / scatter(p, s, v): lanes at element stride s (0 broadcasts), built from
//   scalar loads and written through an aligned scratch vector (no store-forwarding stalls)
//   gather_n(p, s, n): the first n (1 <= n <= L) such lanes, the others 0
// The wrappers of the same shape on both ISAs come from common.h (LAMINA_SIMD_COMMON,
// LAMINA_SIMD_INT32); the ones written here are AVX2's own.
#include <immintrin.h>

#include <cstdint>

#include "common.h"

namespace lamina::cpu::avx2::simd {

struct F {
  using T = float;
  using V = __m256;
  using M = __m256;
  using I = __m256i;
  static constexpr int L = 8;
  LAMINA_SIMD_COMMON(_mm256, ps, _mm256_cmp_ps)  // set1 ... unord (common.h)
  LAMINA_SIMD_INT32(_mm256, si256)  // cast_i ... cvt_i (common.h)
  static V gather(const T* p, int64_t s) {
    return _mm256_setr_ps(p[0], p[s], p[2 * s], p[3 * s], p[4 * s], p[5 * s], p[6 * s], p[7 * s]);
  }
  static V gather_n(const T* p, int64_t s, int64_t n) {
    return _mm256_setr_ps(0 < n ? p[0] : 0.f, 1 < n ? p[s] : 0.f, 2 < n ? p[2 * s] : 0.f,
                          3 < n ? p[3 * s] : 0.f, 4 < n ? p[4 * s] : 0.f, 5 < n ? p[5 * s] : 0.f,
                          6 < n ? p[6 * s] : 0.f, 7 < n ? p[7 * s] : 0.f);
  }
  static V abs(V a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static V round(V a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static M mor(M a, M b) { return _mm256_or_ps(a, b); }
  static M mand(M a, M b) { return _mm256_and_ps(a, b); }
  static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static bool all(M m) { return _mm256_movemask_ps(m) == 0xff; }
  static int first(M m) {
    const int b = _mm256_movemask_ps(m);
    return b ? __builtin_ctz(static_cast<unsigned>(b)) : -1;
  }
  static V select(M m, V a, V b) { return _mm256_blendv_ps(b, a, m); }
  static V select_sign(V x, V a, V b) { return _mm256_blendv_ps(b, a, x); }
  static V pow2(I n) {  // 2^n, n in [-126, 127]
    return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
  }
  static V scale2(V p, V n) { return _mm256_mul_ps(p, pow2(_mm256_cvtps_epi32(n))); }
  static V scale2_wide(V p, V n) {  // n in [-150, 129]: two exact halves, the last rounds
    const I ni = _mm256_cvtps_epi32(n);
    const I n1 = _mm256_srai_epi32(ni, 1);
    return _mm256_mul_ps(_mm256_mul_ps(p, pow2(n1)), pow2(_mm256_sub_epi32(ni, n1)));
  }
};

struct D {
  using T = double;
  using V = __m256d;
  using M = __m256d;
  static constexpr int L = 4;
  LAMINA_SIMD_COMMON(_mm256, pd, _mm256_cmp_pd)  // set1 ... unord (common.h)
  static V gather(const T* p, int64_t s) { return _mm256_setr_pd(p[0], p[s], p[2 * s], p[3 * s]); }
  static V gather_n(const T* p, int64_t s, int64_t n) {
    return _mm256_setr_pd(0 < n ? p[0] : 0.0, 1 < n ? p[s] : 0.0, 2 < n ? p[2 * s] : 0.0,
                          3 < n ? p[3 * s] : 0.0);
  }
  static V abs(V a) { return _mm256_andnot_pd(_mm256_set1_pd(-0.0), a); }
  static V round(V a) { return _mm256_round_pd(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static M mor(M a, M b) { return _mm256_or_pd(a, b); }
  static bool any(M m) { return _mm256_movemask_pd(m) != 0; }
  static int first(M m) {
    const int b = _mm256_movemask_pd(m);
    return b ? __builtin_ctz(static_cast<unsigned>(b)) : -1;
  }
  static V select_sign(V x, V a, V b) { return _mm256_blendv_pd(b, a, x); }
  static V pow2(__m128i n) {  // 2^n, n in [-1022, 1023]
    const __m256i e = _mm256_add_epi64(_mm256_cvtepi32_epi64(n), _mm256_set1_epi64x(1023));
    return _mm256_castsi256_pd(_mm256_slli_epi64(e, 52));
  }
  static V scale2(V p, V n) { return _mm256_mul_pd(p, pow2(_mm256_cvtpd_epi32(n))); }
  static V scale2_wide(V p, V n) {  // n in [-1077, 1025]
    const __m128i ni = _mm256_cvtpd_epi32(n);
    const __m128i n1 = _mm_srai_epi32(ni, 1);
    return _mm256_mul_pd(_mm256_mul_pd(p, pow2(n1)), pow2(_mm_sub_epi32(ni, n1)));
  }
  // float lanes [0, L) and [L, 2L) of a float vector, widened
  static V lo(F::V f) { return _mm256_cvtps_pd(_mm256_castps256_ps128(f)); }
  static V hi(F::V f) { return _mm256_cvtps_pd(_mm256_extractf128_ps(f, 1)); }
  static T hsum(V v) {
    const __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
    return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
  }
};

}  // namespace lamina::cpu::avx2::simd
