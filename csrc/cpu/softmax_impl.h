// The softmax row kernels, written once over a vector pair simd::F (float) / simd::D (double)
// and compiled once per ISA (simd/target.h): softmax.cpp (generic: the scalar loops only),
// softmax_avx2.cpp, softmax_avx512.cpp. cpu::isa() picks the copy (softmax.cpp).
//
// The row helpers (shared with the cross-entropy kernels in loss.cpp):
//   row_max        max of x (n,); NaN lanes may be dropped, the callers' sums turn them into NaN
//   exp_shift_sum  y = exp(x - m) (y may be null), returns the sum in double
//   scaled_exp     y = a * exp((x - l) - lo)   (l + lo: a max or an lse split in two)
// exp is vec_math_impl.h's 1-ulp exp (the same bits per lane on AVX2 and AVX-512).
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

template <typename T>
using SmVec = std::conditional_t<std::is_same_v<T, float>, simd::F, simd::D>;

#if LAMINA_CPU_VECTOR
template <typename S>
inline typename S::V sm_exp(typename S::V x) {
  if constexpr (std::is_same_v<S, simd::F>) return vm::exp_f(x);
  else return vm::exp_d(x);
}

// acc += the lanes of e, widened to double
template <typename S>
inline simd::D::V sm_widen_add(simd::D::V acc, typename S::V e) {
  using D = simd::D;
  if constexpr (std::is_same_v<S, simd::F>) return D::add(acc, D::add(D::lo(e), D::hi(e)));
  else return D::add(acc, e);
}
#endif

template <typename T>
inline T sm_row_max_t(const T* x, int64_t n) {
  T r = -std::numeric_limits<T>::infinity();
  int64_t i = 0;
#if LAMINA_CPU_VECTOR
  using S = SmVec<T>;
  constexpr int64_t L = S::L;
  if (n >= L) {
    // four chains: max's latency, not its throughput, would bound one
    typename S::V m0 = S::set1(r), m1 = m0, m2 = m0, m3 = m0;
    for (; i + 4 * L <= n; i += 4 * L) {
      m0 = S::max(m0, S::loadu(x + i));
      m1 = S::max(m1, S::loadu(x + i + L));
      m2 = S::max(m2, S::loadu(x + i + 2 * L));
      m3 = S::max(m3, S::loadu(x + i + 3 * L));
    }
    m0 = S::max(S::max(m0, m1), S::max(m2, m3));
    for (; i + L <= n; i += L) m0 = S::max(m0, S::loadu(x + i));
    alignas(64) T lanes[L];
    S::storeu(lanes, m0);
    for (int64_t k = 0; k < L; ++k) r = lanes[k] > r ? lanes[k] : r;
  }
#endif
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

template <typename T>
inline double sm_exp_shift_sum_t(const T* x, T* y, int64_t n, T m) {
  double s = 0;
  int64_t i = 0;
#if LAMINA_CPU_VECTOR
  using S = SmVec<T>;
  using D = simd::D;
  constexpr int64_t L = S::L;
  const typename S::V mv = S::set1(m);
  D::V acc = D::zero();
  for (; i + L <= n; i += L) {
    const typename S::V e = sm_exp<S>(S::sub(S::loadu(x + i), mv));
    if (y) S::storeu(y + i, e);
    acc = sm_widen_add<S>(acc, e);
  }
  s = D::hsum(acc);
#endif
  for (; i < n; ++i) {
    const T e = std::exp(x[i] - m);
    if (y) y[i] = e;
    s += static_cast<double>(e);
  }
  return s;
}

template <typename T>
inline void sm_scaled_exp_t(const T* x, T* y, int64_t n, T l, T lo, T a) {
  int64_t i = 0;
#if LAMINA_CPU_VECTOR
  using S = SmVec<T>;
  constexpr int64_t L = S::L;
  const typename S::V lv = S::set1(l), lov = S::set1(lo), av = S::set1(a);
  for (; i + L <= n; i += L) {
    const typename S::V t = S::sub(S::sub(S::loadu(x + i), lv), lov);
    S::storeu(y + i, S::mul(av, sm_exp<S>(t)));
  }
#endif
  for (; i < n; ++i) y[i] = a * std::exp((x[i] - l) - lo);
}

// x, y (R,) contiguous: one row of softmax (log: log_softmax).
template <typename T>
inline void sm_forward_row_t(int64_t R, const T* x, T* y, bool log) {
  const T m = sm_row_max_t(x, R);
  const double s = sm_exp_shift_sum_t(x, log ? nullptr : y, R, m);
  if (log) {
    const T ls = static_cast<T>(std::log(s));
    for (int64_t r = 0; r < R; ++r) y[r] = (x[r] - m) - ls;  // x - m first: exact for big x
  } else {
    const T inv = static_cast<T>(1.0 / s);
    for (int64_t r = 0; r < R; ++r) y[r] *= inv;
  }
}

// y, dy, dx (R,) contiguous: dx = y (dy - sum dy y), or for log: dy - exp(y) sum dy.
template <typename T>
inline void sm_backward_row_t(int64_t R, const T* y, const T* dy, T* dx, bool log) {
  double s = 0;
  if (log) {
    for (int64_t r = 0; r < R; ++r) s += static_cast<double>(dy[r]);
    sm_scaled_exp_t(y, dx, R, T(0), T(0), static_cast<T>(-s));  // dx = -s exp(y), then + dy
    for (int64_t r = 0; r < R; ++r) dx[r] += dy[r];
  } else {
    for (int64_t r = 0; r < R; ++r) s += static_cast<double>(dy[r]) * static_cast<double>(y[r]);
    const T st = static_cast<T>(s);
    for (int64_t r = 0; r < R; ++r) dx[r] = y[r] * (dy[r] - st);
  }
}

// s (L lanes, in double) += e
template <typename S>
inline void sm_acc(double* s, typename S::V e) {
  using D = simd::D;
  if constexpr (std::is_same_v<S, simd::F>) {
    D::storeu(s, D::add(D::loadu(s), D::lo(e)));
    D::storeu(s + D::L, D::add(D::loadu(s + D::L), D::hi(e)));
  } else {
    D::storeu(s, D::add(D::loadu(s), e));
  }
}

// x, y (R, I) with row stride I, columns [0, n) of it, softmax down each column; m, s scratch
// (n,). The column loops are contiguous: the max and scale passes vectorise by themselves,
// the exp pass by hand.
template <typename T>
inline void sm_forward_cols_t(int64_t R, int64_t I, int64_t n, const T* x, T* y, bool log, T* m,
                              double* s) {
  for (int64_t i = 0; i < n; ++i) m[i] = -std::numeric_limits<T>::infinity(), s[i] = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) m[i] = x[r * I + i] > m[i] ? x[r * I + i] : m[i];
  for (int64_t r = 0; r < R; ++r) {
    const T* xr = x + r * I;
    T* yr = y + r * I;
    int64_t i = 0;
#if LAMINA_CPU_VECTOR
    using S = SmVec<T>;
    for (; i + S::L <= n; i += S::L) {
      const typename S::V e = sm_exp<S>(S::sub(S::loadu(xr + i), S::loadu(m + i)));
      if (!log) S::storeu(yr + i, e);
      sm_acc<S>(s + i, e);
    }
#endif
    for (; i < n; ++i) {
      const T e = std::exp(xr[i] - m[i]);
      if (!log) yr[i] = e;
      s[i] += static_cast<double>(e);
    }
  }
  for (int64_t i = 0; i < n; ++i) s[i] = log ? std::log(s[i]) : 1.0 / s[i];
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      if (log) y[r * I + i] = (x[r * I + i] - m[i]) - static_cast<T>(s[i]);
      else y[r * I + i] *= static_cast<T>(s[i]);
    }
}

// y, dy, dx (R, I) with row stride I, columns [0, n); s scratch (n,).
template <typename T>
inline void sm_backward_cols_t(int64_t R, int64_t I, int64_t n, const T* y, const T* dy, T* dx,
                               bool log, double* s) {
  for (int64_t i = 0; i < n; ++i) s[i] = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const double g = static_cast<double>(dy[r * I + i]);
      s[i] += log ? g : g * static_cast<double>(y[r * I + i]);
    }
  if (!log) {
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < n; ++i)
        dx[r * I + i] = y[r * I + i] * (dy[r * I + i] - static_cast<T>(s[i]));
    return;
  }
  for (int64_t r = 0; r < R; ++r) {
    const T *yr = y + r * I, *dyr = dy + r * I;
    T* dxr = dx + r * I;
    int64_t i = 0;
#if LAMINA_CPU_VECTOR
    using S = SmVec<T>;
    alignas(64) T st[S::L];
    for (; i + S::L <= n; i += S::L) {
      for (int64_t k = 0; k < S::L; ++k) st[k] = static_cast<T>(s[i + k]);
      S::storeu(dxr + i, S::fnmadd(sm_exp<S>(S::loadu(yr + i)), S::loadu(st), S::loadu(dyr + i)));
    }
#endif
    for (; i < n; ++i) dxr[i] = dyr[i] - std::exp(yr[i]) * static_cast<T>(s[i]);
  }
}

// The entry points of this ISA's copy (declared for every copy by LAMINA_SOFTMAX_ROWS).
#define LAMINA_SM_DEFINE(T)                                                                   \
  T row_max(const T* x, int64_t n) { return sm_row_max_t(x, n); }                           \
  double exp_shift_sum(const T* x, T* y, int64_t n, T m) {                                  \
    return sm_exp_shift_sum_t(x, y, n, m);                                                  \
  }                                                                                         \
  void scaled_exp(const T* x, T* y, int64_t n, T l, T lo, T a) {                            \
    sm_scaled_exp_t(x, y, n, l, lo, a);                                                     \
  }                                                                                         \
  void softmax_row(int64_t R, const T* x, T* y, bool log) { sm_forward_row_t(R, x, y, log); } \
  void softmax_row_backward(int64_t R, const T* y, const T* dy, T* dx, bool log) {          \
    sm_backward_row_t(R, y, dy, dx, log);                                                   \
  }                                                                                         \
  void softmax_cols(int64_t R, int64_t I, int64_t n, const T* x, T* y, bool log, T* m,      \
                    double* s) {                                                            \
    sm_forward_cols_t(R, I, n, x, y, log, m, s);                                            \
  }                                                                                         \
  void softmax_cols_backward(int64_t R, int64_t I, int64_t n, const T* y, const T* dy,      \
                             T* dx, bool log, double* s) {                                  \
    sm_backward_cols_t(R, I, n, y, dy, dx, log, s);                                         \
  }
LAMINA_SM_DEFINE(float)
LAMINA_SM_DEFINE(double)
#undef LAMINA_SM_DEFINE

}  // namespace lamina::cpu::LAMINA_CPU_NS
