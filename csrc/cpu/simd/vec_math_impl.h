// Vector math of the CPU kernels, written once over the SIMD types simd::F (float) and simd::D
// (double) of simd_avx2.h / simd_avx512.h. Included INSIDE an ISA's namespace (see
// vec_math_avx2.h, vec_math_avx512.h) after those types: no includes here, and everything is
// inline in that namespace, so no copy can leak into another ISA's code.
//
// Each function maps lanes the way the scalar functor in core/functors.h maps one value,
// including the edge cases: NaN propagates, exp(-inf) = 0, exp(large) = inf, log(0) = -inf,
// log(x < 0) = NaN, sigmoid and tanh saturate to 0/1 and -1/+1, tanh(-0) = -0. Maximum errors
// were measured exhaustively over every float in the range, against double libm.

using FV = simd::F::V;
using DV = simd::D::V;

// exp(x), max error 1.01 ulp (Cephes polynomial on [-ln2/2, ln2/2]); denormal results are
// rounded once, x > 88.72 gives inf, x < -103.98 gives 0.
inline FV exp_f(FV x) {
  using F = simd::F;
  const bool extreme = F::any(F::gt(F::abs(x), F::set1(87.0f)));
  // min/max return their second operand when one is NaN: NaN passes through the clamp
  if (extreme) x = F::max(F::set1(-104.0f), F::min(F::set1(89.0f), x));
  const FV n = F::round(F::mul(x, F::set1(1.44269504088896341f)));
  FV r = F::fnmadd(n, F::set1(0.693359375f), x);
  r = F::fnmadd(n, F::set1(-2.12194440e-4f), r);
  FV p = F::set1(1.9875691500e-4f);
  p = F::fmadd(p, r, F::set1(1.3981999507e-3f));
  p = F::fmadd(p, r, F::set1(8.3334519073e-3f));
  p = F::fmadd(p, r, F::set1(4.1665795894e-2f));
  p = F::fmadd(p, r, F::set1(1.6666665459e-1f));
  p = F::fmadd(p, r, F::set1(5.0000001201e-1f));
  p = F::fmadd(p, F::mul(r, r), r);
  p = F::add(p, F::set1(1.0f));
  return extreme ? F::scale2_wide(p, n) : F::scale2(p, n);
}

// log(x), max error 0.83 ulp (Cephes polynomial); denormal inputs are scaled first.
inline FV log_f(FV x) {
  using F = simd::F;
  const FV zero = F::zero();
  const auto den = F::mand(F::lt(x, F::set1(1.17549435e-38f)), F::gt(x, zero));
  const FV xs = F::select(den, F::mul(x, F::set1(8388608.0f)), x);
  const auto bits = F::cast_i(xs);
  // x = m * 2^e with m in [0.5, 1)
  FV e = F::cvt_i(F::subi(F::srli(bits, 23), F::seti(126)));
  e = F::select(den, F::sub(e, F::set1(23.0f)), e);
  FV m = F::cast_f(F::ori(F::andi(bits, F::seti(0x007fffff)), F::seti(0x3f000000)));
  // m < sqrt(1/2): use 2m - 1 and e - 1, else m - 1
  const auto lo = F::lt(m, F::set1(0.707106781186547524f));
  e = F::select(lo, F::sub(e, F::set1(1.0f)), e);
  m = F::sub(F::select(lo, F::add(m, m), m), F::set1(1.0f));
  const FV z = F::mul(m, m);
  FV y = F::set1(7.0376836292e-2f);
  y = F::fmadd(y, m, F::set1(-1.1514610310e-1f));
  y = F::fmadd(y, m, F::set1(1.1676998740e-1f));
  y = F::fmadd(y, m, F::set1(-1.2420140846e-1f));
  y = F::fmadd(y, m, F::set1(1.4249322787e-1f));
  y = F::fmadd(y, m, F::set1(-1.6668057665e-1f));
  y = F::fmadd(y, m, F::set1(2.0000714765e-1f));
  y = F::fmadd(y, m, F::set1(-2.4999993993e-1f));
  y = F::fmadd(y, m, F::set1(3.3333331174e-1f));
  y = F::mul(F::mul(y, m), z);
  y = F::fmadd(e, F::set1(-2.12194440e-4f), y);
  y = F::fnmadd(z, F::set1(0.5f), y);
  FV r = F::fmadd(e, F::set1(0.693359375f), F::add(m, y));
  // edge cases: 0 -> -inf, negative -> NaN, +inf -> +inf, NaN -> NaN
  const FV inf = F::set1(__builtin_inff());
  r = F::select(F::eq(x, zero), F::sub(zero, inf), r);
  r = F::select(F::lt(x, zero), F::set1(__builtin_nanf("")), r);
  r = F::select(F::eq(x, inf), inf, r);
  return F::select(F::unord(x), x, r);
}

// sigmoid(x) = 1 / (1 + exp(-x)), evaluated as e / (1 + e) with e = exp(x) for x < 0 so that
// the left tail stays accurate down to the denormals: max error 2.4 ulp.
inline FV sigmoid_f(FV x) {
  using F = simd::F;
  const FV one = F::set1(1.0f);
  const FV e = exp_f(F::bor(x, F::set1(-0.0f)));  // exp(-|x|)
  return F::div(F::select_sign(x, e, one), F::add(one, e));
}

// tanh(x): odd polynomial (Cephes) for |x| < 0.625, else 1 - 2 / (exp(2|x|) + 1) with the sign
// of x; max error 1.33 ulp.
inline FV tanh_f(FV x) {
  using F = simd::F;
  const FV one = F::set1(1.0f);
  const FV sign = F::band(x, F::set1(-0.0f));
  const FV ax = F::abs(x);
  const FV z = F::mul(x, x);
  FV p = F::set1(-5.70498872745e-3f);
  p = F::fmadd(p, z, F::set1(2.06390887954e-2f));
  p = F::fmadd(p, z, F::set1(-5.37397155531e-2f));
  p = F::fmadd(p, z, F::set1(1.33314422036e-1f));
  p = F::fmadd(p, z, F::set1(-3.33332819422e-1f));
  const FV small = F::bor(F::fmadd(F::mul(p, z), x, x), sign);  // tanh(-0) = -0
  const auto small_mask = F::lt(ax, F::set1(0.625f));
  if (F::all(small_mask)) return small;
  const FV e = exp_f(F::add(ax, ax));
  const FV big = F::bor(F::sub(one, F::div(F::set1(2.0f), F::add(e, one))), sign);
  return F::select(small_mask, small, big);
}

// The pieces of the exact (erf) gelu and its derivative:
//   phi = Phi(x) = 0.5 erfc(-x / sqrt2),  gauss = exp(-x^2 / 2)  (pdf = gauss / sqrt(2 pi)).
// erfc(t) = exp(-t^2) erfcx(t), t = |x| / sqrt2, with erfcx(t) = u P(u - 0.5625),
// u = 1 / (1 + 0.7 t), P of degree 10 (fitted on t in [0, 10]: 3e-8 relative, 2e-7 evaluated in
// float), and x^2 carried with its rounding error, so that Phi keeps its relative accuracy in
// the left tail where 1 + erf(x / sqrt2) cancels. gelu: max error 6 ulp, 4e-7 relative, over
// every float (the float functor 0.5 x (1 + erf(x / sqrt2)) loses all digits below x = -4).
struct GeluParts {
  FV phi, gauss;
};

inline GeluParts gelu_parts_f(FV x) {
  using F = simd::F;
  const FV one = F::set1(1.0f);
  // clamp: |x| > 20 has gauss == 0 and Phi in {0, 1}; keeps fma(x, x, -x*x) finite
  const FV xc = F::max(F::set1(-20.0f), F::min(F::set1(20.0f), x));
  const FV t = F::mul(F::abs(xc), F::set1(0.70710678118654752f));
  const FV u = F::div(one, F::fmadd(t, F::set1(0.7f), one));
  const FV w = F::sub(u, F::set1(0.5625f));
  FV g = F::set1(-4.085025936e-02f);
  g = F::fmadd(g, w, F::set1(-2.658663504e-02f));
  g = F::fmadd(g, w, F::set1(8.054716140e-02f));
  g = F::fmadd(g, w, F::set1(-1.883793063e-02f));
  g = F::fmadd(g, w, F::set1(-7.021197677e-02f));
  g = F::fmadd(g, w, F::set1(8.427869529e-02f));
  g = F::fmadd(g, w, F::set1(1.913547888e-02f));
  g = F::fmadd(g, w, F::set1(-1.430516541e-01f));
  g = F::fmadd(g, w, F::set1(3.804978728e-02f));
  g = F::fmadd(g, w, F::set1(3.392451108e-01f));
  g = F::fmadd(g, w, F::set1(3.546926975e-01f));
  g = F::mul(g, u);  // 0.5 erfcx(t)
  const FV q = F::mul(xc, xc);
  const FV qe = F::fmsub(xc, xc, q);  // x^2 = q + qe exactly
  FV gauss = exp_f(F::mul(q, F::set1(-0.5f)));
  gauss = F::fnmadd(gauss, F::mul(qe, F::set1(0.5f)), gauss);
  const FV half_erfc = F::mul(gauss, g);
  // sign bit of x set: Phi = 0.5 erfc(t); else 1 - 0.5 erfc(t)
  return {F::select_sign(x, half_erfc, F::sub(one, half_erfc)), gauss};
}

// x Phi(x)
inline FV gelu_f(FV x) { return simd::F::mul(x, gelu_parts_f(x).phi); }

// dy (Phi(x) + x pdf(x)), the functor's GeluGrad(x, dy)
inline FV gelu_grad_f(FV x, FV dy) {
  using F = simd::F;
  const GeluParts p = gelu_parts_f(x);
  const FV pdf = F::mul(p.gauss, F::set1(0.39894228040143267794f));
  return F::mul(dy, F::fmadd(x, pdf, p.phi));
}

// x sigmoid(x), the functor's Silu
inline FV silu_f(FV x) { return simd::F::mul(x, sigmoid_f(x)); }

// dy s (1 + x (1 - s)), s = sigmoid(x): the functor's SiluGrad(x, dy)
inline FV silu_grad_f(FV x, FV dy) {
  using F = simd::F;
  const FV one = F::set1(1.0f);
  const FV s = sigmoid_f(x);
  return F::mul(F::mul(dy, s), F::fmadd(x, F::sub(one, s), one));
}

// expm1(x) = e^x - 1: |x| < 0.5 by its Taylor polynomial to x^9 / 9! (truncation 3e-9
// relative), else exp_f(x) - 1; -inf gives -1, NaN stays NaN. Max error 1.17 ulp over 8M
// floats sampled in [-100, -1e-30] (elu's side; not measured exhaustively, nor for x > 0).
inline FV expm1_f(FV x) {
  using F = simd::F;
  FV p = F::set1(2.7557319224e-6f);  // 1/9!
  p = F::fmadd(p, x, F::set1(2.4801587302e-5f));
  p = F::fmadd(p, x, F::set1(1.9841269841e-4f));
  p = F::fmadd(p, x, F::set1(1.3888888889e-3f));
  p = F::fmadd(p, x, F::set1(8.3333333333e-3f));
  p = F::fmadd(p, x, F::set1(4.1666666667e-2f));
  p = F::fmadd(p, x, F::set1(1.6666666667e-1f));
  p = F::fmadd(p, x, F::set1(0.5f));
  const FV small = F::fmadd(F::mul(x, x), p, x);
  const auto is_small = F::lt(F::abs(x), F::set1(0.5f));
  if (F::all(is_small)) return small;
  return F::select(is_small, small, F::sub(exp_f(x), F::set1(1.0f)));
}

// the functor's Elu: scale * (x > 0 ? x : alpha (e^x - 1)), NaN passed through
inline FV elu_f(FV x, float alpha, float scale) {
  using F = simd::F;
  const FV neg = F::mul(F::set1(alpha * scale), expm1_f(x));
  return F::select(F::gt(x, F::zero()), F::mul(F::set1(scale), x), neg);
}

// dy scale (x > 0), dy scale alpha e^x (x <= 0): the functor's EluGrad
inline FV elu_grad_f(FV x, FV dy, float alpha, float scale) {
  using F = simd::F;
  const FV neg = F::mul(dy, F::mul(exp_f(x), F::set1(alpha * scale)));
  return F::select(F::gt(x, F::zero()), F::mul(dy, F::set1(scale)), neg);
}

// gelu(approximate='tanh'), the functor's GeluTanh: 0.5 x (1 + tanh(k (x + c x^3)))
inline FV gelu_tanh_f(FV x) {
  using F = simd::F;
  const FV inner = F::mul(F::set1(0.79788456080286535588f),
                          F::fmadd(F::mul(F::set1(0.044715f), F::mul(x, x)), x, x));
  return F::mul(F::mul(F::set1(0.5f), x), F::add(F::set1(1.0f), tanh_f(inner)));
}

// dy (0.5 (1 + t) + 0.5 x (1 - t^2) k (1 + 3 c x^2)), t = tanh(k (x + c x^3)): GeluTanhGrad
inline FV gelu_tanh_grad_f(FV x, FV dy) {
  using F = simd::F;
  const FV k = F::set1(0.79788456080286535588f), one = F::set1(1.0f), half = F::set1(0.5f);
  const FV x2 = F::mul(x, x);
  const FV t = tanh_f(F::mul(k, F::fmadd(F::mul(F::set1(0.044715f), x2), x, x)));
  const FV dinner = F::mul(k, F::fmadd(F::set1(3.0f * 0.044715f), x2, one));
  const FV d = F::fmadd(F::mul(F::mul(half, x), F::fnmadd(t, t, one)), dinner,
                        F::mul(half, F::add(one, t)));
  return F::mul(dy, d);
}

// log1p(u) = log(1 + u) as log(w) u / (w - 1), w = 1 + u rounded (the rounding of w cancels
// out); u where w == 1, inf for inf, NaN below -1. Max error 2.38 ulp over 8M floats sampled
// log-uniformly in (-1, -1e-30] and [1e-30, 1e30] (not measured exhaustively).
inline FV log1p_f(FV u) {
  using F = simd::F;
  const FV one = F::set1(1.0f), inf = F::set1(__builtin_inff());
  const FV w = F::add(one, u);
  const FV r = F::mul(log_f(w), F::div(u, F::sub(w, one)));
  return F::select(F::mor(F::eq(w, one), F::eq(u, inf)), u, r);
}

// the functor's Softplus: beta x > threshold ? x : log1p(e^(beta x)) / beta
inline FV softplus_f(FV x, float beta, float threshold) {
  using F = simd::F;
  const FV z = F::mul(x, F::set1(beta));
  const FV sp = F::div(log1p_f(exp_f(z)), F::set1(beta));
  return F::select(F::gt(z, F::set1(threshold)), x, sp);
}

// dy sigmoid(beta x), dy where beta x > threshold: the functor's SoftplusGrad
inline FV softplus_grad_f(FV x, FV dy, float beta, float threshold) {
  using F = simd::F;
  const FV z = F::mul(x, F::set1(beta));
  return F::select(F::gt(z, F::set1(threshold)), dy, F::mul(dy, sigmoid_f(z)));
}

// softplus with beta 1, threshold 20, and x tanh(softplus(x)): the functor's Mish
inline FV softplus1_f(FV x) {
  using F = simd::F;
  return F::select(F::gt(x, F::set1(20.0f)), x, log1p_f(exp_f(x)));
}
inline FV mish_f(FV x) { return simd::F::mul(x, tanh_f(softplus1_f(x))); }

// min(x, 0) - log1p(e^-|x|): the functor's LogSigmoid; and its gradient dy sigmoid(-x)
inline FV logsigmoid_f(FV x) {
  using F = simd::F;
  const FV e = exp_f(F::bor(x, F::set1(-0.0f)));  // exp(-|x|)
  return F::sub(F::min(x, F::zero()), log1p_f(e));
}
inline FV logsigmoid_grad_f(FV x, FV dy) {
  using F = simd::F;
  return F::mul(dy, sigmoid_f(F::sub(F::zero(), x)));
}

// dy (t + x s (1 - t^2)), t = tanh(softplus(x)), s = sigmoid(x): MishGrad
inline FV mish_grad_f(FV x, FV dy) {
  using F = simd::F;
  const FV t = tanh_f(softplus1_f(x));
  const FV xs = F::mul(x, sigmoid_f(x));
  return F::mul(dy, F::fmadd(xs, F::fnmadd(t, t, F::set1(1.0f)), t));
}

// exp(x) for doubles, max error 1 ulp: Taylor polynomial of degree 13 on [-ln2/2, ln2/2]
// (truncation 5e-18), ln2 split in two (fdlibm), one rounding for denormal results;
// x > 709.78 gives inf, x < -745.13 gives 0.
inline DV exp_d(DV x) {
  using D = simd::D;
  const bool extreme = D::any(D::gt(D::abs(x), D::set1(708.0)));
  if (extreme) x = D::max(D::set1(-746.0), D::min(D::set1(710.0), x));
  const DV n = D::round(D::mul(x, D::set1(1.4426950408889634074)));
  DV r = D::fnmadd(n, D::set1(6.93147180369123816490e-01), x);
  r = D::fnmadd(n, D::set1(1.90821492927058770002e-10), r);
  DV p = D::set1(1.0 / 6227020800.0);
  p = D::fmadd(p, r, D::set1(1.0 / 479001600.0));
  p = D::fmadd(p, r, D::set1(1.0 / 39916800.0));
  p = D::fmadd(p, r, D::set1(1.0 / 3628800.0));
  p = D::fmadd(p, r, D::set1(1.0 / 362880.0));
  p = D::fmadd(p, r, D::set1(1.0 / 40320.0));
  p = D::fmadd(p, r, D::set1(1.0 / 5040.0));
  p = D::fmadd(p, r, D::set1(1.0 / 720.0));
  p = D::fmadd(p, r, D::set1(1.0 / 120.0));
  p = D::fmadd(p, r, D::set1(1.0 / 24.0));
  p = D::fmadd(p, r, D::set1(1.0 / 6.0));
  p = D::fmadd(p, r, D::set1(0.5));
  p = D::fmadd(p, D::mul(r, r), r);
  p = D::add(p, D::set1(1.0));
  return extreme ? D::scale2_wide(p, n) : D::scale2(p, n);
}

// sigmoid for doubles, the formula of sigmoid_f: max error 1.5 ulp
inline DV sigmoid_d(DV x) {
  using D = simd::D;
  const DV one = D::set1(1.0);
  const DV e = exp_d(D::bor(x, D::set1(-0.0)));  // exp(-|x|)
  return D::div(D::select_sign(x, e, one), D::add(one, e));
}
