// The elementwise hooks of elementwise_impl.h for a SIMD path, written once over simd::F and
// simd::D and the vector math in namespace vm. Included INSIDE the path's namespace
// (elementwise_avx2.cpp, elementwise_avx512.cpp) after vec_math_<isa>.h; no includes here.
//   kVecUnary<OP, T>, vec_unary<OP, T>(out, so, in, si, n, p0, p1) out (n) = op(in (n))
//   kVecBinary<OP, T>, vec_binary<OP, T>(out, so, a, sa, b, sb, n, p0, p1)
//                                                              out (n) = op(a (n), b (n))
// s* are element strides (1 contiguous, 0 broadcast). Float: exp, log, sigmoid, tanh, gelu,
// silu, gelu_tanh, elu, log1p, softplus, mish, logsigmoid and the Gelu, Silu, GeluTanh, Mish,
// Elu, Softplus and LogSigmoid grads (leaky_relu's and clamp's are selects, which the
// vectoriser takes); double: exp and sigmoid (the rest keeps libm, whose 1e-16 accuracy
// gradcheck needs).

template <UnaryOp OP, typename T>
constexpr bool kVecUnary =
    (std::is_same_v<T, float> && (OP == UnaryOp::Exp || OP == UnaryOp::Log ||
                                  OP == UnaryOp::Sigmoid || OP == UnaryOp::Tanh ||
                                  OP == UnaryOp::Gelu || OP == UnaryOp::Silu ||
                                  OP == UnaryOp::GeluTanh || OP == UnaryOp::Elu ||
                                  OP == UnaryOp::Log1p || OP == UnaryOp::Softplus ||
                                  OP == UnaryOp::Mish || OP == UnaryOp::LogSigmoid)) ||
    (std::is_same_v<T, double> && (OP == UnaryOp::Exp || OP == UnaryOp::Sigmoid));

template <BinaryOp OP, typename T>
constexpr bool kVecBinary =
    std::is_same_v<T, float> && (OP == BinaryOp::GeluGrad || OP == BinaryOp::SiluGrad ||
                                 OP == BinaryOp::GeluTanhGrad || OP == BinaryOp::MishGrad ||
                                 OP == BinaryOp::EluGrad || OP == BinaryOp::SoftplusGrad ||
                                 OP == BinaryOp::LogSigmoidGrad);

template <typename T>
using SimdOf = std::conditional_t<std::is_same_v<T, float>, simd::F, simd::D>;

template <UnaryOp OP, typename T>
inline typename SimdOf<T>::V unary_vec(typename SimdOf<T>::V x) {
  if constexpr (std::is_same_v<T, float>) {
    if constexpr (OP == UnaryOp::Exp) return vm::exp_f(x);
    else if constexpr (OP == UnaryOp::Log) return vm::log_f(x);
    else if constexpr (OP == UnaryOp::Sigmoid) return vm::sigmoid_f(x);
    else if constexpr (OP == UnaryOp::Tanh) return vm::tanh_f(x);
    else if constexpr (OP == UnaryOp::Silu) return vm::silu_f(x);
    else if constexpr (OP == UnaryOp::GeluTanh) return vm::gelu_tanh_f(x);
    else if constexpr (OP == UnaryOp::Log1p) return vm::log1p_f(x);
    else if constexpr (OP == UnaryOp::Mish) return vm::mish_f(x);
    else if constexpr (OP == UnaryOp::LogSigmoid) return vm::logsigmoid_f(x);
    else {
      static_assert(OP == UnaryOp::Gelu, "unary_vec: elu and softplus take their parameters");
      return vm::gelu_f(x);
    }
  } else {
    if constexpr (OP == UnaryOp::Exp) return vm::exp_d(x);
    else return vm::sigmoid_d(x);
  }
}

template <typename S>
inline typename S::V load_s(const typename S::T* p, int64_t s) {
  return s == 1 ? S::loadu(p) : S::gather(p, s);
}

template <typename S>
inline void store_s(typename S::T* p, int64_t s, typename S::V v) {
  if (s == 1) S::storeu(p, v);
  else S::scatter(p, s, v);
}

// out (n) = f(in (n)) at element strides so, si; the tail is a zero-padded vector, so that
// every element takes the same code whatever its position or layout.
template <typename T, typename Fn>
inline void map1(T* o, int64_t so, const T* x, int64_t si, int64_t n, Fn f) {
  using S = SimdOf<T>;
  constexpr int64_t L = S::L;
  int64_t i = 0;
  if (so == 1 && si == 1) {
    for (; i + L <= n; i += L) S::storeu(o + i, f(S::loadu(x + i)));
  } else {
    for (; i + L <= n; i += L) store_s<S>(o + i * so, so, f(load_s<S>(x + i * si, si)));
  }
  if (i < n) {
    T buf[L];
    S::storeu(buf, f(S::gather_n(x + i * si, si, n - i)));
    for (int64_t j = 0; i + j < n; ++j) o[(i + j) * so] = buf[j];
  }
}

// out (n) = f(a (n), b (n)) at element strides so, sa, sb
template <typename T, typename Fn>
inline void map2(T* o, int64_t so, const T* a, int64_t sa, const T* b, int64_t sb, int64_t n,
                 Fn f) {
  using S = SimdOf<T>;
  constexpr int64_t L = S::L;
  int64_t i = 0;
  for (; i + L <= n; i += L)
    store_s<S>(o + i * so, so, f(load_s<S>(a + i * sa, sa), load_s<S>(b + i * sb, sb)));
  if (i < n) {
    T buf[L];
    S::storeu(buf, f(S::gather_n(a + i * sa, sa, n - i), S::gather_n(b + i * sb, sb, n - i)));
    for (int64_t j = 0; i + j < n; ++j) o[(i + j) * so] = buf[j];
  }
}

// p0, p1: the op's parameters (Elu: alpha, scale; Softplus: beta, threshold)
template <UnaryOp OP, typename T>
inline void vec_unary(T* o, int64_t so, const T* x, int64_t si, int64_t n, double p0,
                      double p1) {
  if constexpr (std::is_same_v<T, float> && OP == UnaryOp::Elu) {
    const float alpha = float(p0), scale = float(p1);
    map1(o, so, x, si, n, [&](simd::F::V v) { return vm::elu_f(v, alpha, scale); });
  } else if constexpr (std::is_same_v<T, float> && OP == UnaryOp::Softplus) {
    const float beta = float(p0), threshold = float(p1);
    map1(o, so, x, si, n, [&](simd::F::V v) { return vm::softplus_f(v, beta, threshold); });
  } else if constexpr (kVecUnary<OP, T>) {
    map1(o, so, x, si, n, unary_vec<OP, T>);
  }
}

// the float gradient ops of kVecBinary without parameters: (x, dy)
template <BinaryOp OP>
inline simd::F::V binary_vec(simd::F::V x, simd::F::V dy) {
  if constexpr (OP == BinaryOp::SiluGrad) return vm::silu_grad_f(x, dy);
  else if constexpr (OP == BinaryOp::GeluTanhGrad) return vm::gelu_tanh_grad_f(x, dy);
  else if constexpr (OP == BinaryOp::MishGrad) return vm::mish_grad_f(x, dy);
  else if constexpr (OP == BinaryOp::LogSigmoidGrad) return vm::logsigmoid_grad_f(x, dy);
  else {
    static_assert(OP == BinaryOp::GeluGrad, "binary_vec: elu and softplus take parameters");
    return vm::gelu_grad_f(x, dy);
  }
}

// p0, p1: the op's parameters (EluGrad: alpha, scale; SoftplusGrad: beta, threshold)
template <BinaryOp OP, typename T>
inline void vec_binary(T* o, int64_t so, const T* a, int64_t sa, const T* b, int64_t sb,
                       int64_t n, double p0, double p1) {
  if constexpr (std::is_same_v<T, float> && OP == BinaryOp::EluGrad) {
    const float alpha = float(p0), scale = float(p1);
    map2(o, so, a, sa, b, sb, n,
         [&](simd::F::V x, simd::F::V dy) { return vm::elu_grad_f(x, dy, alpha, scale); });
  } else if constexpr (std::is_same_v<T, float> && OP == BinaryOp::SoftplusGrad) {
    const float beta = float(p0), threshold = float(p1);
    map2(o, so, a, sa, b, sb, n, [&](simd::F::V x, simd::F::V dy) {
      return vm::softplus_grad_f(x, dy, beta, threshold);
    });
  } else if constexpr (kVecBinary<OP, T>) {
    map2(o, so, a, sa, b, sb, n, binary_vec<OP>);
  }
}
