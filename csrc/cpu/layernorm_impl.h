// The LayerNorm row kernels, written once over a vector pair simd::F (float) / simd::D
// (double) and compiled once per ISA (simd/target.h): layernorm.cpp (generic, one-lane scalar
// "vectors"), layernorm_avx2.cpp, layernorm_avx512.cpp. cpu::isa() picks the copy.
//
// Sums accumulate in the row's vector type for at most 16 adds per lane, then are flushed into
// double lanes: at least as accurate as a float pairwise sum, at the float add rate.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

template <typename T>
using LnVec = std::conditional_t<std::is_same_v<T, float>, simd::F, simd::D>;

// d0 (+ d1) += the lanes of a, widened to double.
template <typename S>
inline void ln_widen_add(simd::D::V& d0, simd::D::V& d1, typename S::V a) {
  using D = simd::D;
  if constexpr (std::is_same_v<S, simd::F>) {
    d0 = D::add(d0, D::lo(a));
    d1 = D::add(d1, D::hi(a));
  } else {
    d0 = D::add(d0, a);
  }
}

// sum_{i < n} term(i) in double: vf(i) gives the terms i .. i + L - 1 as a vector, tf(i) one
// term as a double (the tail).
template <typename T, typename VF, typename TF>
inline double ln_sum(int64_t n, const VF& vf, const TF& tf) {
  using S = LnVec<T>;
  using D = simd::D;
  constexpr int64_t L = S::L;
  D::V d0 = D::zero(), d1 = D::zero();
  int64_t i = 0;
  while (i + 4 * L <= n) {
    typename S::V a0 = vf(i), a1 = vf(i + L), a2 = vf(i + 2 * L), a3 = vf(i + 3 * L);
    const int64_t end = std::min(n - 4 * L, i + 15 * 4 * L);
    for (i += 4 * L; i <= end; i += 4 * L) {
      a0 = S::add(a0, vf(i));
      a1 = S::add(a1, vf(i + L));
      a2 = S::add(a2, vf(i + 2 * L));
      a3 = S::add(a3, vf(i + 3 * L));
    }
    ln_widen_add<S>(d0, d1, S::add(S::add(a0, a1), S::add(a2, a3)));
  }
  for (; i + L <= n; i += L) ln_widen_add<S>(d0, d1, vf(i));
  double s = D::hsum(D::add(d0, d1));
  for (; i < n; ++i) s += tf(i);
  return s;
}

// One row: x, y (n,); w, b (n,) or null; writes its mean and rstd.
template <typename T>
inline void ln_forward_row_t(int64_t n, const T* x, const T* w, const T* b, double eps, T* y,
                             T* mean_out, T* rstd_out) {
  using S = LnVec<T>;
  using V = typename S::V;
  constexpr int64_t L = S::L;
  const double mean = ln_sum<T>(
      n, [&](int64_t i) { return S::loadu(x + i); },
      [&](int64_t i) { return static_cast<double>(x[i]); }) / static_cast<double>(n);
  const T m = static_cast<T>(mean);
  const V mv = S::set1(m);
  const double var = ln_sum<T>(
      n, [&](int64_t i) { const V d = S::sub(S::loadu(x + i), mv); return S::mul(d, d); },
      [&](int64_t i) { const double d = static_cast<double>(x[i] - m); return d * d; }) /
      static_cast<double>(n);
  const T r = static_cast<T>(1.0 / std::sqrt(var + eps));
  *mean_out = m;
  *rstd_out = r;
  const V rv = S::set1(r);
  int64_t i = 0;
  // (x - m) * r first (exact-ish for big means), then * w + b in one fma
  if (w && b) {
    for (; i + L <= n; i += L)
      S::storeu(y + i, S::fmadd(S::mul(S::sub(S::loadu(x + i), mv), rv), S::loadu(w + i),
                                S::loadu(b + i)));
    for (; i < n; ++i) y[i] = (x[i] - m) * r * w[i] + b[i];
  } else if (w) {
    for (; i + L <= n; i += L)
      S::storeu(y + i, S::mul(S::mul(S::sub(S::loadu(x + i), mv), rv), S::loadu(w + i)));
    for (; i < n; ++i) y[i] = (x[i] - m) * r * w[i];
  } else if (b) {
    for (; i + L <= n; i += L)
      S::storeu(y + i, S::add(S::mul(S::sub(S::loadu(x + i), mv), rv), S::loadu(b + i)));
    for (; i < n; ++i) y[i] = (x[i] - m) * r + b[i];
  } else {
    for (; i + L <= n; i += L) S::storeu(y + i, S::mul(S::sub(S::loadu(x + i), mv), rv));
    for (; i < n; ++i) y[i] = (x[i] - m) * r;
  }
}

// Pass one of a row's backward: the sums s1 = sum g, s2 = sum g * (x - m) (g = dy * w, or dy
// without w) in double, and with ACC also dwp += dy * (x - m) * r, dbp += dy (either null):
// the parameter partials are updated while dy and x stream in, so the pass writing dx has
// that one store per vector.
template <typename T, bool W, bool ACC>
inline void ln_backward_sums(int64_t n, const T* __restrict dy, const T* __restrict x, T m, T r,
                             const T* __restrict w, T* __restrict dwp, T* __restrict dbp,
                             double* s1, double* s2) {
  // written out (no lambdas): every pointer stays in a register next to the stores
  using S = LnVec<T>;
  using V = typename S::V;
  using D = simd::D;
  constexpr int64_t L = S::L;
  const V mv = S::set1(m), rv = S::set1(r);
  const bool has_w = dwp != nullptr, has_b = dbp != nullptr;
  D::V a0 = D::zero(), a1 = D::zero(), b0 = D::zero(), b1 = D::zero();
  V sa[2], sb[2];
  auto step = [&](int64_t j, int c) {
    const V d = S::loadu(dy + j);
    const V xm = S::sub(S::loadu(x + j), mv);
    if constexpr (ACC) {
      if (has_w) S::storeu(dwp + j, S::fmadd(d, S::mul(xm, rv), S::loadu(dwp + j)));
      if (has_b) S::storeu(dbp + j, S::add(S::loadu(dbp + j), d));
    }
    const V g = W ? S::mul(d, S::loadu(w + j)) : d;
    sa[c] = S::add(sa[c], g);
    sb[c] = S::fmadd(g, xm, sb[c]);
  };
  int64_t i = 0;
  while (i + L <= n) {  // two chains of at most 16 adds per lane, then widened
    sa[0] = sa[1] = sb[0] = sb[1] = S::zero();
    const int64_t end = std::min(n - 2 * L, i + 15 * 2 * L);
    for (; i <= end; i += 2 * L) {
      step(i, 0);
      step(i + L, 1);
    }
    if (i + 2 * L > n && i + L <= n) {
      step(i, 0);
      i += L;
    }
    ln_widen_add<S>(a0, a1, S::add(sa[0], sa[1]));
    ln_widen_add<S>(b0, b1, S::add(sb[0], sb[1]));
  }
  double t1 = D::hsum(D::add(a0, a1)), t2 = D::hsum(D::add(b0, b1));
  for (; i < n; ++i) {
    const T xm = x[i] - m;
    if constexpr (ACC) {
      if (has_w) dwp[i] += dy[i] * (xm * r);
      if (has_b) dbp[i] += dy[i];
    }
    const double g = static_cast<double>(W ? dy[i] * w[i] : dy[i]);
    t1 += g;
    t2 += g * static_cast<double>(xm);
  }
  *s1 = t1;
  *s2 = t2;
}

// One row of the backward: dy, x (n,); w (n,) or null; dx (n,) or null is written; dwp, dbp
// (n,) or null are accumulated into (+= dy * xhat, += dy).
//   dx = g * r + k1 - k2 * (x - m),  k1 = -r mean(g),  k2 = r^3 mean(g * (x - m))
template <typename T>
inline void ln_backward_row_t(int64_t n, const T* dy, const T* x, T m, T r, const T* w, T* dx,
                              T* dwp, T* dbp) {
  using S = LnVec<T>;
  using V = typename S::V;
  constexpr int64_t L = S::L;
  const V mv = S::set1(m), rv = S::set1(r);
  int64_t i = 0;
  if (!dx) {  // parameter gradients only: one pass
    for (; i + L <= n; i += L) {
      const V d = S::loadu(dy + i);
      const V xm = S::sub(S::loadu(x + i), mv);
      if (dwp) S::storeu(dwp + i, S::fmadd(d, S::mul(xm, rv), S::loadu(dwp + i)));
      if (dbp) S::storeu(dbp + i, S::add(S::loadu(dbp + i), d));
    }
    for (; i < n; ++i) {
      if (dwp) dwp[i] += dy[i] * ((x[i] - m) * r);
      if (dbp) dbp[i] += dy[i];
    }
    return;
  }
  double s1 = 0, s2 = 0;
  const bool acc = dwp || dbp;
  if (w) {
    if (acc) ln_backward_sums<T, true, true>(n, dy, x, m, r, w, dwp, dbp, &s1, &s2);
    else ln_backward_sums<T, true, false>(n, dy, x, m, r, w, dwp, dbp, &s1, &s2);
  } else {
    if (acc) ln_backward_sums<T, false, true>(n, dy, x, m, r, w, dwp, dbp, &s1, &s2);
    else ln_backward_sums<T, false, false>(n, dy, x, m, r, w, dwp, dbp, &s1, &s2);
  }
  const double nd = static_cast<double>(n), rd = static_cast<double>(r);
  const T k1 = static_cast<T>(-rd * s1 / nd), k2 = static_cast<T>(rd * rd * rd * s2 / nd);
  const V k1v = S::set1(k1), k2v = S::set1(k2);
  if (w) {
    for (; i + L <= n; i += L) {
      const V g = S::mul(S::loadu(dy + i), S::loadu(w + i));
      const V xm = S::sub(S::loadu(x + i), mv);
      S::storeu(dx + i, S::fnmadd(k2v, xm, S::fmadd(g, rv, k1v)));
    }
  } else {
    for (; i + L <= n; i += L) {
      const V xm = S::sub(S::loadu(x + i), mv);
      S::storeu(dx + i, S::fnmadd(k2v, xm, S::fmadd(S::loadu(dy + i), rv, k1v)));
    }
  }
  for (; i < n; ++i) dx[i] = (w ? dy[i] * w[i] : dy[i]) * r + k1 - k2 * (x[i] - m);
}

void ln_forward_row(int64_t n, const float* x, const float* w, const float* b, double eps,
                    float* y, float* mean, float* rstd) {
  ln_forward_row_t(n, x, w, b, eps, y, mean, rstd);
}
void ln_forward_row(int64_t n, const double* x, const double* w, const double* b, double eps,
                    double* y, double* mean, double* rstd) {
  ln_forward_row_t(n, x, w, b, eps, y, mean, rstd);
}
void ln_backward_row(int64_t n, const float* dy, const float* x, float m, float r,
                     const float* w, float* dx, float* dwp, float* dbp) {
  ln_backward_row_t(n, dy, x, m, r, w, dx, dwp, dbp);
}
void ln_backward_row(int64_t n, const double* dy, const double* x, double m, double r,
                     const double* w, double* dx, double* dwp, double* dbp) {
  ln_backward_row_t(n, dy, x, m, r, w, dx, dwp, dbp);
}

}  // namespace lamina::cpu::LAMINA_CPU_NS
