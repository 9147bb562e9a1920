#pragma once
// AVX2+FMA vector math for the CPU kernels. Include only from *_avx2.cpp files: they are the
// only ones compiled with -mavx2 -mfma, and are chosen at run time.
//
// Each function maps 8 floats (or 4 doubles) the way the scalar functor in core/functors.h maps
// one value, including the edge cases: NaN propagates, exp(-inf) = 0, exp(large) = inf,
// log(0) = -inf, log(x < 0) = NaN, sigmoid and tanh saturate to 0/1 and -1/+1. Measured maximum
// errors (exhaustively over the float range, against double libm) are noted on each function.
#include <immintrin.h>

#include <cstdint>

namespace lamina::cpu::avx2::vm {

// ---- float ----------------------------------------------------------------------------------

inline __m256 abs_ps(__m256 x) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), x); }

// 2^n for integer-valued n in [-126, 127]
inline __m256 pow2i_ps(__m256i n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}

// exp(x), max error 1 ulp (Cephes polynomial on [-ln2/2, ln2/2]); denormal results are
// rounded once (two-step scaling), x > 88.73 gives inf, x < -103.98 gives 0.
inline __m256 exp_ps(__m256 x) {
  const __m256 big = _mm256_set1_ps(87.0f);
  const bool extreme = _mm256_movemask_ps(_mm256_cmp_ps(abs_ps(x), big, _CMP_GT_OQ)) != 0;
  // min/max return their second operand when one is NaN: NaN passes through the clamp
  if (extreme) x = _mm256_max_ps(_mm256_set1_ps(-104.0f), _mm256_min_ps(_mm256_set1_ps(89.0f), x));
  __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)),
                             _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
  r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
  __m256 p = _mm256_set1_ps(1.9875691500e-4f);
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
  p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
  p = _mm256_fmadd_ps(p, _mm256_mul_ps(r, r), r);
  p = _mm256_add_ps(p, _mm256_set1_ps(1.0f));
  __m256i ni = _mm256_cvtps_epi32(n);
  if (!extreme) return _mm256_mul_ps(p, pow2i_ps(ni));
  // n in [-150, 129]: scale in two exact halves so that only the last product rounds
  __m256i n1 = _mm256_srai_epi32(ni, 1);
  __m256i n2 = _mm256_sub_epi32(ni, n1);
  return _mm256_mul_ps(_mm256_mul_ps(p, pow2i_ps(n1)), pow2i_ps(n2));
}

// log(x), max error 1 ulp (Cephes polynomial); denormal inputs are scaled first.
inline __m256 log_ps(__m256 x) {
  const __m256 zero = _mm256_setzero_ps();
  __m256 den = _mm256_and_ps(_mm256_cmp_ps(x, _mm256_set1_ps(1.17549435e-38f), _CMP_LT_OQ),
                             _mm256_cmp_ps(x, zero, _CMP_GT_OQ));
  __m256 xs = _mm256_blendv_ps(x, _mm256_mul_ps(x, _mm256_set1_ps(8388608.0f)), den);
  __m256i bits = _mm256_castps_si256(xs);
  // x = m * 2^e with m in [0.5, 1)
  __m256 e = _mm256_cvtepi32_ps(
      _mm256_sub_epi32(_mm256_srli_epi32(bits, 23), _mm256_set1_epi32(126)));
  e = _mm256_sub_ps(e, _mm256_and_ps(den, _mm256_set1_ps(23.0f)));
  __m256 m = _mm256_castsi256_ps(_mm256_or_si256(
      _mm256_and_si256(bits, _mm256_set1_epi32(0x007fffff)), _mm256_set1_epi32(0x3f000000)));
  // m < sqrt(1/2): use 2m - 1 and e - 1, else m - 1
  __m256 lo = _mm256_cmp_ps(m, _mm256_set1_ps(0.707106781186547524f), _CMP_LT_OQ);
  e = _mm256_sub_ps(e, _mm256_and_ps(lo, _mm256_set1_ps(1.0f)));
  m = _mm256_sub_ps(_mm256_add_ps(m, _mm256_and_ps(lo, m)), _mm256_set1_ps(1.0f));
  __m256 z = _mm256_mul_ps(m, m);
  __m256 y = _mm256_set1_ps(7.0376836292e-2f);
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.1514610310e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(1.1676998740e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.2420140846e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(1.4249322787e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-1.6668057665e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(2.0000714765e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(-2.4999993993e-1f));
  y = _mm256_fmadd_ps(y, m, _mm256_set1_ps(3.3333331174e-1f));
  y = _mm256_mul_ps(_mm256_mul_ps(y, m), z);
  y = _mm256_fmadd_ps(e, _mm256_set1_ps(-2.12194440e-4f), y);
  y = _mm256_fnmadd_ps(z, _mm256_set1_ps(0.5f), y);
  __m256 r = _mm256_add_ps(m, y);
  r = _mm256_fmadd_ps(e, _mm256_set1_ps(0.693359375f), r);
  // edge cases: 0 -> -inf, negative -> NaN, +inf -> +inf, NaN -> NaN
  const __m256 inf = _mm256_set1_ps(__builtin_inff());
  r = _mm256_blendv_ps(r, _mm256_sub_ps(zero, inf), _mm256_cmp_ps(x, zero, _CMP_EQ_OQ));
  r = _mm256_blendv_ps(r, _mm256_set1_ps(__builtin_nanf("")), _mm256_cmp_ps(x, zero, _CMP_LT_OQ));
  r = _mm256_blendv_ps(r, inf, _mm256_cmp_ps(x, inf, _CMP_EQ_OQ));
  return _mm256_blendv_ps(r, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q));
}

// 1 / (1 + exp(-x)), the functor's formula: max error 2 ulp
inline __m256 sigmoid_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  __m256 e = exp_ps(_mm256_sub_ps(_mm256_setzero_ps(), x));
  return _mm256_div_ps(one, _mm256_add_ps(one, e));
}

// tanh(x): odd polynomial (Cephes) for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1) with the sign
// of x; max error 2 ulp.
inline __m256 tanh_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  const __m256 sign = _mm256_set1_ps(-0.0f);
  __m256 ax = abs_ps(x);
  __m256 z = _mm256_mul_ps(x, x);
  __m256 p = _mm256_set1_ps(-5.70498872745e-3f);
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(2.06390887954e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-5.37397155531e-2f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(1.33314422036e-1f));
  p = _mm256_fmadd_ps(p, z, _mm256_set1_ps(-3.33332819422e-1f));
  __m256 small = _mm256_fmadd_ps(_mm256_mul_ps(p, z), x, x);
  __m256 small_mask = _mm256_cmp_ps(ax, _mm256_set1_ps(0.625f), _CMP_LT_OQ);
  if (_mm256_movemask_ps(small_mask) == 0xff) return small;
  __m256 e = exp_ps(_mm256_add_ps(ax, ax));
  __m256 big = _mm256_sub_ps(one, _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(e, one)));
  big = _mm256_or_ps(big, _mm256_and_ps(x, sign));
  return _mm256_blendv_ps(big, small, small_mask);
}

// The pieces of the exact (erf) gelu and its derivative for 8 floats x:
//   phi = Phi(x) = 0.5 erfc(-x / sqrt2),  pdf_scaled = exp(-x^2/2) (pdf = that / sqrt(2 pi)).
// erfc(t) = exp(-t^2) erfcx(t), t = |x| / sqrt2, with erfcx(t) a degree-9 polynomial in
// u = 1 / (1 + 0.3 t) (fitted on [0, 9], relative error 1.4e-8) and t^2 = x^2 / 2 carried with
// its rounding error, so that Phi keeps its relative accuracy in the left tail where
// 1 + erf(x / sqrt2) would cancel. Max error of gelu: 2 ulp.
struct GeluParts {
  __m256 phi, gauss;
};

inline GeluParts gelu_parts_ps(__m256 x) {
  const __m256 one = _mm256_set1_ps(1.0f);
  // clamp: |x| > 20 has gauss == 0 and Phi in {0, 1}; keeps fma(x, x, -x*x) finite
  __m256 xc = _mm256_max_ps(_mm256_set1_ps(-20.0f), _mm256_min_ps(_mm256_set1_ps(20.0f), x));
  __m256 t = _mm256_mul_ps(abs_ps(xc), _mm256_set1_ps(0.70710678118654752f));
  __m256 u = _mm256_div_ps(one, _mm256_fmadd_ps(t, _mm256_set1_ps(0.3f), one));
  __m256 g = _mm256_set1_ps(-6.325877458e-02f);
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(2.344140261e-01f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(-2.358910888e-01f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(2.459549904e-01f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(-2.322212793e-02f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(9.394998103e-02f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(7.908054441e-02f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(8.424317837e-02f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(8.473718166e-02f));
  g = _mm256_fmadd_ps(g, u, _mm256_set1_ps(-7.931027540e-06f));  // 0.5 erfcx(t)
  __m256 q = _mm256_mul_ps(xc, xc);
  __m256 qe = _mm256_fmsub_ps(xc, xc, q);  // x^2 = q + qe exactly
  __m256 gauss = exp_ps(_mm256_mul_ps(q, _mm256_set1_ps(-0.5f)));
  gauss = _mm256_fnmadd_ps(gauss, _mm256_mul_ps(qe, _mm256_set1_ps(0.5f)), gauss);
  __m256 half_erfc = _mm256_mul_ps(gauss, g);
  // x < 0 (sign bit set): Phi = 0.5 erfc(t); else 1 - 0.5 erfc(t)
  __m256 phi = _mm256_blendv_ps(_mm256_sub_ps(one, half_erfc), half_erfc, x);
  return {phi, gauss};
}

// x * Phi(x)
inline __m256 gelu_ps(__m256 x) { return _mm256_mul_ps(x, gelu_parts_ps(x).phi); }

// dy * (Phi(x) + x * pdf(x))
inline __m256 gelu_grad_ps(__m256 x, __m256 dy) {
  GeluParts p = gelu_parts_ps(x);
  __m256 pdf = _mm256_mul_ps(p.gauss, _mm256_set1_ps(0.39894228040143267794f));
  return _mm256_mul_ps(dy, _mm256_fmadd_ps(x, pdf, p.phi));
}

}  // namespace lamina::cpu::avx2::vm
