// The reduction hooks of reduce_impl.h for a SIMD path, written once over simd::F and simd::D
// and the vector math in namespace vm. Included INSIDE the path's namespace (reduce_avx2.cpp,
// reduce_avx512.cpp) after vec_math_<isa>.h; no includes here. Overloads taking float / double
// win over the templates that answer "not handled" (int64 keeps the portable lane code).

// sum of x (n) contiguous. float: 4 vectors of float lanes add 16 terms each, are added pairwise
// and flushed into double lanes (at least as accurate as a float pairwise sum).
inline bool vec_sum_row(const float* x, int64_t n, double* out) {
  using F = simd::F;
  using D = simd::D;
  constexpr int64_t L = F::L;
  D::V d0 = D::zero(), d1 = D::zero();
  int64_t i = 0;
  while (i + 4 * L <= n) {
    F::V a0 = F::loadu(x + i), a1 = F::loadu(x + i + L);
    F::V a2 = F::loadu(x + i + 2 * L), a3 = F::loadu(x + i + 3 * L);
    const int64_t end = std::min(n - 4 * L, i + 15 * 4 * L);
    for (i += 4 * L; i <= end; i += 4 * L) {
      a0 = F::add(a0, F::loadu(x + i));
      a1 = F::add(a1, F::loadu(x + i + L));
      a2 = F::add(a2, F::loadu(x + i + 2 * L));
      a3 = F::add(a3, F::loadu(x + i + 3 * L));
    }
    const F::V a = F::add(F::add(a0, a1), F::add(a2, a3));
    d0 = D::add(d0, D::lo(a));
    d1 = D::add(d1, D::hi(a));
  }
  for (; i < n; i += L) {  // whole vectors, then a zero-padded one
    float buf[L] = {};
    for (int64_t j = 0; j < L && i + j < n; ++j) buf[j] = x[i + j];
    const F::V a = F::loadu(buf);
    d0 = D::add(d0, D::lo(a));
    d1 = D::add(d1, D::hi(a));
  }
  *out = D::hsum(D::add(d0, d1));
  return true;
}

inline bool vec_sum_row(const double* x, int64_t n, double* out) {
  using D = simd::D;
  constexpr int64_t L = D::L;
  D::V a0 = D::zero(), a1 = a0, a2 = a0, a3 = a0;
  int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    a0 = D::add(a0, D::loadu(x + i));
    a1 = D::add(a1, D::loadu(x + i + L));
    a2 = D::add(a2, D::loadu(x + i + 2 * L));
    a3 = D::add(a3, D::loadu(x + i + 3 * L));
  }
  for (; i + L <= n; i += L) a0 = D::add(a0, D::loadu(x + i));
  double s = D::hsum(D::add(D::add(a0, a1), D::add(a2, a3)));
  for (; i < n; ++i) s += x[i];
  *out = s;
  return true;
}

template <typename T, typename A>
inline bool vec_sum_row(const T*, int64_t, A*) { return false; }

template <typename T>
using SimdOf = std::conditional_t<std::is_same_v<T, float>, simd::F, simd::D>;

// max (IS_MAX) or min of x (n) contiguous, and whether a NaN is among them (then the value is
// meaningless): 4 vector accumulators plus an "any NaN" mask.
template <bool IS_MAX, typename T>
inline std::enable_if_t<std::is_floating_point_v<T>, bool> vec_extreme_row(const T* x, int64_t n,
                                                                           T* out, bool* nan) {
  using S = SimdOf<T>;
  constexpr int64_t L = S::L;
  if (n < 4 * L) return false;
  auto pick = [](typename S::V a, typename S::V b) { return IS_MAX ? S::max(a, b) : S::min(a, b); };
  typename S::V b0 = S::loadu(x), b1 = S::loadu(x + L), b2 = S::loadu(x + 2 * L),
                b3 = S::loadu(x + 3 * L);
  auto bad = S::mor(S::mor(S::unord(b0), S::unord(b1)), S::mor(S::unord(b2), S::unord(b3)));
  int64_t i = 4 * L;
  for (; i + 4 * L <= n; i += 4 * L) {
    const typename S::V v0 = S::loadu(x + i), v1 = S::loadu(x + i + L),
                        v2 = S::loadu(x + i + 2 * L), v3 = S::loadu(x + i + 3 * L);
    bad = S::mor(bad, S::mor(S::mor(S::unord(v0), S::unord(v1)),
                             S::mor(S::unord(v2), S::unord(v3))));
    b0 = pick(v0, b0);  // a NaN v leaves the lane alone; `bad` remembers it
    b1 = pick(v1, b1);
    b2 = pick(v2, b2);
    b3 = pick(v3, b3);
  }
  T lanes[L];
  S::storeu(lanes, pick(pick(b0, b1), pick(b2, b3)));
  T best = lanes[0];
  for (int k = 1; k < L; ++k) best = (IS_MAX ? lanes[k] > best : lanes[k] < best) ? lanes[k] : best;
  bool any = S::any(bad);
  for (; i < n; ++i) {
    any |= x[i] != x[i];
    best = (IS_MAX ? x[i] > best : x[i] < best) ? x[i] : best;
  }
  *out = best;
  *nan = any;
  return true;
}

template <bool IS_MAX, typename T>
inline std::enable_if_t<!std::is_floating_point_v<T>, bool> vec_extreme_row(const T*, int64_t, T*,
                                                                            bool*) {
  return false;
}

// j = first index with x[j] == v, for v (not NaN) present in x (n)
template <typename T>
inline std::enable_if_t<std::is_floating_point_v<T>, bool> vec_find(const T* x, int64_t n, T v,
                                                                    int64_t* j) {
  using S = SimdOf<T>;
  const typename S::V vv = S::set1(v);
  int64_t i = 0;
  for (; i + S::L <= n; i += S::L) {
    const int k = S::first(S::eq(S::loadu(x + i), vv));
    if (k >= 0) {
      *j = i + k;
      return true;
    }
  }
  while (i < n && x[i] != v) ++i;
  *j = i;
  return true;
}

template <typename T>
inline std::enable_if_t<!std::is_floating_point_v<T>, bool> vec_find(const T*, int64_t, T,
                                                                     int64_t*) {
  return false;
}

// x (n) contiguous, m finite: sum_i exp(x[i] - m). float: float lanes add 16 terms each (every
// term is <= 1) before they are flushed into double lanes. Tails are padded with -inf (exp 0).
template <typename T>
double exp_sum_row(const T* x, int64_t n, T m) {
  using S = SimdOf<T>;
  using D = simd::D;
  constexpr int64_t L = S::L;
  const typename S::V vm = S::set1(m);
  D::V d0 = D::zero(), d1 = D::zero();
  int64_t i = 0;
  while (i < n) {
    typename S::V a = S::zero();
    for (int g = 0; g < 16 && i < n; ++g, i += L) {
      typename S::V v;
      if (i + L <= n) {
        v = S::loadu(x + i);
      } else {
        T buf[L];
        for (int64_t j = 0; j < L; ++j)
          buf[j] = i + j < n ? x[i + j] : -std::numeric_limits<T>::infinity();
        v = S::loadu(buf);
      }
      if constexpr (std::is_same_v<T, float>) a = S::add(a, vm::exp_f(S::sub(v, vm)));
      else d0 = D::add(d0, vm::exp_d(S::sub(v, vm)));
    }
    if constexpr (std::is_same_v<T, float>) {
      d0 = D::add(d0, D::lo(a));
      d1 = D::add(d1, D::hi(a));
    }
  }
  return D::hsum(D::add(d0, d1));
}

// s (n) += exp(x (n) - m (n)), all contiguous; the tail is padded with exp(-inf - 0) = 0
template <typename T>
void exp_sum_cols(const T* x, const T* m, double* s, int64_t n) {
  using S = SimdOf<T>;
  using D = simd::D;
  constexpr int64_t L = S::L;
  for (int64_t i = 0; i < n; i += L) {
    typename S::V v, mv;
    const bool full = i + L <= n;
    if (full) {
      v = S::loadu(x + i);
      mv = S::loadu(m + i);
    } else {
      T bx[L], bm[L];
      for (int64_t j = 0; j < L; ++j) {
        bx[j] = i + j < n ? x[i + j] : -std::numeric_limits<T>::infinity();
        bm[j] = i + j < n ? m[i + j] : T(0);
      }
      v = S::loadu(bx);
      mv = S::loadu(bm);
    }
    double e[L];
    if constexpr (std::is_same_v<T, float>) {
      const typename S::V ef = vm::exp_f(S::sub(v, mv));
      D::storeu(e, D::lo(ef));
      D::storeu(e + D::L, D::hi(ef));
    } else {
      D::storeu(e, vm::exp_d(S::sub(v, mv)));
    }
    if (full) {
      for (int64_t j = 0; j < L; j += D::L)
        D::storeu(s + i + j, D::add(D::loadu(s + i + j), D::loadu(e + j)));
    } else {
      for (int64_t j = 0; i + j < n; ++j) s[i + j] += e[j];
    }
  }
}
