// The attention row helpers (attention_rows.h), compiled once per ISA (simd/target.h):
// attention_rows.cpp (generic: plain loops), attention_avx2.cpp and attention_avx512.cpp (SIMD
// types with vm::exp_f / exp_d; tails run scalar with std::exp). cpu::isa() picks the copy.
#include <cmath>
#include <cstdint>
#include <limits>

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS::attn_rows {

namespace detail {

#if LAMINA_CPU_VECTOR

using simd::D;
using simd::F;

inline F::V vexp(F::V x) { return vm::exp_f(x); }
inline D::V vexp(D::V x) { return vm::exp_d(x); }

template <class S>
inline typename S::T hsum(typename S::V v) {
  alignas(64) typename S::T t[S::L];
  S::storeu(t, v);
  typename S::T s = 0;
  for (int i = 0; i < S::L; ++i) s += t[i];
  return s;
}

template <class S>
inline typename S::T hmax(typename S::V v) {
  alignas(64) typename S::T t[S::L];
  S::storeu(t, v);
  typename S::T m = t[0];
  for (int i = 1; i < S::L; ++i) m = t[i] > m ? t[i] : m;
  return m;
}

template <class S, class T = typename S::T>
void scale(T* x, int64_t n, T s) {
  const typename S::V sv = S::set1(s);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) S::storeu(x + i, S::mul(S::loadu(x + i), sv));
  for (; i < n; ++i) x[i] *= s;
}

template <class S, class T = typename S::T>
void scale_add(T* x, const T* m, int64_t n, T s) {
  const typename S::V sv = S::set1(s);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L)
    S::storeu(x + i, S::fmadd(S::loadu(x + i), sv, S::loadu(m + i)));
  for (; i < n; ++i) x[i] = x[i] * s + m[i];
}

template <class S, class T = typename S::T>
T max(const T* x, int64_t n) {
  typename S::V a = S::set1(-__builtin_inf()), b = a;
  int64_t i = 0;
  for (; i + 2 * S::L <= n; i += 2 * S::L) {
    a = S::max(a, S::loadu(x + i));
    b = S::max(b, S::loadu(x + i + S::L));
  }
  for (; i + S::L <= n; i += S::L) a = S::max(a, S::loadu(x + i));
  T m = hmax<S>(S::max(a, b));
  for (; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}

template <class S, class T = typename S::T>
T exp_sum(T* x, int64_t n, T m) {
  const typename S::V mv = S::set1(m);
  typename S::V a = S::zero(), b = S::zero();
  int64_t i = 0;
  for (; i + 2 * S::L <= n; i += 2 * S::L) {
    const typename S::V e0 = vexp(S::sub(S::loadu(x + i), mv));
    const typename S::V e1 = vexp(S::sub(S::loadu(x + i + S::L), mv));
    S::storeu(x + i, e0);
    S::storeu(x + i + S::L, e1);
    a = S::add(a, e0);
    b = S::add(b, e1);
  }
  for (; i + S::L <= n; i += S::L) {
    const typename S::V e = vexp(S::sub(S::loadu(x + i), mv));
    S::storeu(x + i, e);
    a = S::add(a, e);
  }
  T s = hsum<S>(S::add(a, b));
  for (; i < n; ++i) s += (x[i] = std::exp(x[i] - m));
  return s;
}

template <class S, class T = typename S::T>
T exp_sum_scaled(T* x, int64_t n, T s, T m) {
  const typename S::V mv = S::set1(-m), sv = S::set1(s);
  typename S::V a = S::zero(), b = S::zero();
  int64_t i = 0;
  for (; i + 2 * S::L <= n; i += 2 * S::L) {
    const typename S::V e0 = vexp(S::fmadd(S::loadu(x + i), sv, mv));
    const typename S::V e1 = vexp(S::fmadd(S::loadu(x + i + S::L), sv, mv));
    S::storeu(x + i, e0);
    S::storeu(x + i + S::L, e1);
    a = S::add(a, e0);
    b = S::add(b, e1);
  }
  for (; i + S::L <= n; i += S::L) {
    const typename S::V e = vexp(S::fmadd(S::loadu(x + i), sv, mv));
    S::storeu(x + i, e);
    a = S::add(a, e);
  }
  T r = hsum<S>(S::add(a, b));
  for (; i < n; ++i) r += (x[i] = std::exp(x[i] * s - m));
  return r;
}

template <class S, class T = typename S::T>
void exp_sub_scaled(T* x, int64_t n, T s, T m) {
  const typename S::V mv = S::set1(-m), sv = S::set1(s);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) S::storeu(x + i, vexp(S::fmadd(S::loadu(x + i), sv, mv)));
  for (; i < n; ++i) x[i] = std::exp(x[i] * s - m);
}

template <class S, class T = typename S::T>
void exp_sub(T* x, int64_t n, T m) {
  const typename S::V mv = S::set1(m);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) S::storeu(x + i, vexp(S::sub(S::loadu(x + i), mv)));
  for (; i < n; ++i) x[i] = std::exp(x[i] - m);
}

template <class S, class T = typename S::T>
void mul(T* x, const T* z, int64_t n) {
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) S::storeu(x + i, S::mul(S::loadu(x + i), S::loadu(z + i)));
  for (; i < n; ++i) x[i] *= z[i];
}

template <class S, class T = typename S::T>
void add(T* y, const T* x, int64_t n) {
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) S::storeu(y + i, S::add(S::loadu(y + i), S::loadu(x + i)));
  for (; i < n; ++i) y[i] += x[i];
}

template <class S, class T = typename S::T>
T dot(const T* x, const T* y, int64_t n) {
  typename S::V a = S::zero();
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) a = S::fmadd(S::loadu(x + i), S::loadu(y + i), a);
  T s = hsum<S>(a);
  for (; i < n; ++i) s += x[i] * y[i];
  return s;
}

template <class S, class T = typename S::T>
void ds(const T* p, T* dp, int64_t n, T d, T s) {
  const typename S::V dv = S::set1(d), sv = S::set1(s);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L)
    S::storeu(dp + i, S::mul(S::mul(S::loadu(p + i), S::sub(S::loadu(dp + i), dv)), sv));
  for (; i < n; ++i) dp[i] = p[i] * (dp[i] - d) * s;
}

template <class S, class T = typename S::T>
void dropout_ds(T* p, T* dp, const T* z, int64_t n, T d, T s) {
  const typename S::V dv = S::set1(d), sv = S::set1(s);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) {
    const typename S::V pv = S::loadu(p + i), zv = S::loadu(z + i);
    S::storeu(dp + i, S::mul(S::mul(pv, S::sub(S::mul(zv, S::loadu(dp + i)), dv)), sv));
    S::storeu(p + i, S::mul(pv, zv));
  }
  for (; i < n; ++i) {
    dp[i] = p[i] * (z[i] * dp[i] - d) * s;
    p[i] *= z[i];
  }
}

#else  // the portable loops

template <class S, class T = typename S::T>
void scale(T* x, int64_t n, T s) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}
template <class S, class T = typename S::T>
void scale_add(T* x, const T* m, int64_t n, T s) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] * s + m[i];
}
template <class S, class T = typename S::T>
T max(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
template <class S, class T = typename S::T>
T exp_sum(T* x, int64_t n, T m) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += (x[i] = std::exp(x[i] - m));
  return s;
}
template <class S, class T = typename S::T>
T exp_sum_scaled(T* x, int64_t n, T s, T m) {
  T r = 0;
  for (int64_t i = 0; i < n; ++i) r += (x[i] = std::exp(x[i] * s - m));
  return r;
}
template <class S, class T = typename S::T>
void exp_sub_scaled(T* x, int64_t n, T s, T m) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i] * s - m);
}
template <class S, class T = typename S::T>
void exp_sub(T* x, int64_t n, T m) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i] - m);
}
template <class S, class T = typename S::T>
void mul(T* x, const T* z, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= z[i];
}
template <class S, class T = typename S::T>
void add(T* y, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}
template <class S, class T = typename S::T>
T dot(const T* x, const T* y, int64_t n) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}
template <class S, class T = typename S::T>
void ds(const T* p, T* dp, int64_t n, T d, T s) {
  for (int64_t i = 0; i < n; ++i) dp[i] = p[i] * (dp[i] - d) * s;
}
template <class S, class T = typename S::T>
void dropout_ds(T* p, T* dp, const T* z, int64_t n, T d, T s) {
  for (int64_t i = 0; i < n; ++i) {
    dp[i] = p[i] * (z[i] * dp[i] - d) * s;
    p[i] *= z[i];
  }
}

#endif

}  // namespace detail

#define LAMINA_ATTN_ROWS(S, T)                                                                \
  void scale(T* x, int64_t n, T s) { detail::scale<S>(x, n, s); }                           \
  void scale_add(T* x, const T* m, int64_t n, T s) { detail::scale_add<S>(x, m, n, s); }   \
  T max(const T* x, int64_t n) { return detail::max<S>(x, n); }                             \
  T exp_sum(T* x, int64_t n, T m) { return detail::exp_sum<S>(x, n, m); }                   \
  void exp_sub(T* x, int64_t n, T m) { detail::exp_sub<S>(x, n, m); }                       \
  T exp_sum_scaled(T* x, int64_t n, T s, T m) { return detail::exp_sum_scaled<S>(x, n, s, m); } \
  void exp_sub_scaled(T* x, int64_t n, T s, T m) { detail::exp_sub_scaled<S>(x, n, s, m); }  \
  void mul(T* x, const T* z, int64_t n) { detail::mul<S>(x, z, n); }                        \
  void add(T* y, const T* x, int64_t n) { detail::add<S>(y, x, n); }                        \
  T dot(const T* x, const T* y, int64_t n) { return detail::dot<S>(x, y, n); }              \
  void ds(const T* p, T* dp, int64_t n, T d, T s) { detail::ds<S>(p, dp, n, d, s); }        \
  void dropout_ds(T* p, T* dp, const T* z, int64_t n, T d, T s) {                           \
    detail::dropout_ds<S>(p, dp, z, n, d, s);                                               \
  }

LAMINA_ATTN_ROWS(simd::F, float)
LAMINA_ATTN_ROWS(simd::D, double)
#undef LAMINA_ATTN_ROWS

}  // namespace lamina::cpu::LAMINA_CPU_NS::attn_rows
