#pragma once
// Scalar math of every elementwise op, compiled for the host and (under nvcc) the device,
// so CPU and CUDA kernels cannot drift apart. NaN propagates through max/min/clamp/relu.
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "hd.h"
#include "op_kinds.h"

namespace lamina {

template <typename T> LAMINA_HD bool is_nan(T x) {
  if constexpr (std::is_floating_point_v<T>) return x != x;
  else return false;
}

// softplus with beta 1, threshold 20 (mish's inner function, as torch computes it)
template <typename T> LAMINA_HD T softplus1(T x) {
  using std::exp; using std::log1p;
  return x > T(20) ? x : log1p(exp(x));
}

// gelu(approximate='tanh'): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))
template <typename T> LAMINA_HD T gelu_tanh(T x) {
  using std::tanh;
  T inner = T(0.79788456080286535588) * (x + T(0.044715) * x * x * x);
  return T(0.5) * x * (T(1) + tanh(inner));
}

// 1 / (1 + exp(-x)): the Sigmoid op, and the gates of the recurrent cells on both devices
template <typename T> LAMINA_HD T sigmoid(T x) {
  using std::exp;
  return T(1) / (T(1) + exp(-x));
}

template <typename T>
LAMINA_HD T apply_unary(UnaryOp op, T x, double p0, double p1) {
  using std::abs; using std::exp; using std::log; using std::sqrt; using std::tanh;
  using std::erf; using std::sin; using std::cos; using std::log1p; using std::expm1;
  using std::floor; using std::ceil; using std::nearbyint; using std::tan; using std::sinh;
  using std::cosh; using std::log2; using std::log10; using std::exp2;
  if constexpr (std::is_same_v<T, bool>) {
    switch (op) {
      case UnaryOp::LogicalNot: return !x;
      case UnaryOp::Abs: case UnaryOp::Relu: case UnaryOp::Sign: return x;
      default: return x;
    }
  } else if constexpr (std::is_integral_v<T>) {
    switch (op) {
      case UnaryOp::Neg: return -x;
      case UnaryOp::Abs: return x < 0 ? -x : x;
      case UnaryOp::Relu: return x > 0 ? x : T(0);
      case UnaryOp::Sign: return T((x > 0) - (x < 0));
      case UnaryOp::Clamp:  // compare in double: an absent bound is +-inf, not castable to T
        return static_cast<double>(x) < p0 ? static_cast<T>(p0)
                                           : (static_cast<double>(x) > p1 ? static_cast<T>(p1) : x);
      case UnaryOp::LogicalNot: return T(x == 0);
      default: return x;  // Floor/Ceil/Round are identities on integers
    }
  } else {
    switch (op) {
      case UnaryOp::Neg: return -x;
      case UnaryOp::Exp: return exp(x);
      case UnaryOp::Log: return log(x);
      case UnaryOp::Sqrt: return sqrt(x);
      case UnaryOp::Rsqrt: return T(1) / sqrt(x);
      case UnaryOp::Abs: return abs(x);
      case UnaryOp::Relu: return x > T(0) ? x : (is_nan(x) ? x : T(0));
      case UnaryOp::Sigmoid: return sigmoid(x);
      case UnaryOp::Tanh: return tanh(x);
      case UnaryOp::Gelu: return T(0.5) * x * (T(1) + erf(x * T(0.70710678118654752440)));
      case UnaryOp::Sign: return is_nan(x) ? x : T((x > T(0)) - (x < T(0)));
      case UnaryOp::Clamp: {
        if (is_nan(x)) return x;
        T lo = static_cast<T>(p0), hi = static_cast<T>(p1);
        return x < lo ? lo : (x > hi ? hi : x);
      }
      case UnaryOp::Reciprocal: return T(1) / x;
      case UnaryOp::Sin: return sin(x);
      case UnaryOp::Cos: return cos(x);
      case UnaryOp::Log1p: return log1p(x);
      case UnaryOp::Expm1: return expm1(x);
      case UnaryOp::LogicalNot: return T(x == T(0));
      case UnaryOp::Floor: return floor(x);
      case UnaryOp::Ceil: return ceil(x);
      case UnaryOp::Round: return nearbyint(x);  // half to even, like torch.round
      case UnaryOp::Tan: return tan(x);
      case UnaryOp::Sinh: return sinh(x);
      case UnaryOp::Cosh: return cosh(x);
      case UnaryOp::Erf: return erf(x);
      case UnaryOp::Log2: return log2(x);
      case UnaryOp::Log10: return log10(x);
      case UnaryOp::Exp2: return exp2(x);
      case UnaryOp::GeluTanh: return gelu_tanh(x);
      case UnaryOp::Silu: return x / (T(1) + exp(-x));
      case UnaryOp::Mish: return x * tanh(softplus1(x));
      case UnaryOp::Elu:  // p0 alpha, p1 scale: scale * (x > 0 ? x : alpha * (e^x - 1))
        return x > T(0) ? T(p1) * x : (is_nan(x) ? x : T(p1 * p0) * expm1(x));
      case UnaryOp::LeakyRelu: return x > T(0) ? x : x * T(p0);
      case UnaryOp::Softplus: {  // p0 beta, p1 threshold: linear where beta * x > threshold
        T z = x * T(p0);
        return z > T(p1) ? x : log1p(exp(z)) / T(p0);
      }
      case UnaryOp::LogSigmoid:  // log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), stable for any x
        return (x < T(0) ? x : T(0)) - log1p(exp(-abs(x)));
      default: return x;
    }
  }
}

// Result type R is bool for comparisons, T otherwise. p0, p1: the op's parameters (op list).
template <typename T, typename R>
LAMINA_HD R apply_binary(BinaryOp op, T a, T b, double p0 = 0, double p1 = 0) {
  using std::pow; using std::exp; using std::erf; using std::fmod; using std::atan2;
  using std::tanh;
  if constexpr (std::is_same_v<R, bool>) {
    switch (op) {
      case BinaryOp::Eq: return a == b;
      case BinaryOp::Ne: return a != b;
      case BinaryOp::Lt: return a < b;
      case BinaryOp::Le: return a <= b;
      case BinaryOp::Gt: return a > b;
      case BinaryOp::Ge: return a >= b;
      // & and |, not && and ||: both sides evaluated, so the loops vectorise (a short circuit
      // is a branch per element)
      case BinaryOp::LogicalAnd: return (a != T(0)) & (b != T(0));
      case BinaryOp::LogicalOr: return (a != T(0)) | (b != T(0));
      case BinaryOp::Maximum: return (a != T(0)) | (b != T(0));
      case BinaryOp::Minimum: return (a != T(0)) & (b != T(0));
      case BinaryOp::Mul: return (a != T(0)) & (b != T(0));
      default: return (a != T(0)) | (b != T(0));  // Add on bool behaves as logical or
    }
  } else {
    switch (op) {
      case BinaryOp::Add: return a + b;
      case BinaryOp::Sub: return a - b;
      case BinaryOp::Mul: return a * b;
      case BinaryOp::Div:
        if constexpr (std::is_integral_v<T>) {
          // floor division for integers (the ops layer sends true division to float)
          if (b == 0) return T(0);
          T q = a / b;
          return (q * b != a && ((a < 0) != (b < 0))) ? q - 1 : q;
        } else {
          return a / b;
        }
      case BinaryOp::Pow:
        if constexpr (std::is_integral_v<T>) {
          if (b < 0) return a == 1 ? T(1) : (a == -1 ? ((b & 1) ? T(-1) : T(1)) : T(0));
          T r = 1, base = a;
          for (T e = b; e > 0; e >>= 1) {
            if (e & 1) r *= base;
            base *= base;
          }
          return r;
        } else {
          return pow(a, b);
        }
      case BinaryOp::Maximum:
        if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
        return a > b ? a : b;
      case BinaryOp::Minimum:
        if (is_nan(a) || is_nan(b)) return is_nan(a) ? a : b;
        return a < b ? a : b;
      case BinaryOp::ReluGrad: return a > T(0) ? b : T(0);
      case BinaryOp::SigmoidGrad: return b * a * (T(1) - a);
      case BinaryOp::TanhGrad: return b * (T(1) - a * a);
      case BinaryOp::GeluGrad:
        if constexpr (std::is_integral_v<T>) {
          return b;
        } else {
          T cdf = T(0.5) * (T(1) + erf(a * T(0.70710678118654752440)));
          T pdf = exp(T(-0.5) * a * a) * T(0.39894228040143267794);
          return b * (cdf + a * pdf);
        }
      case BinaryOp::SiluGrad:  // (x, g): g s (1 + x (1 - s)), s = sigmoid(x)
        if constexpr (std::is_integral_v<T>) {
          return b;
        } else {
          T s = T(1) / (T(1) + exp(-a));
          return b * s * (T(1) + a * (T(1) - s));
        }
      case BinaryOp::MishGrad:  // (x, g): g (t + x s (1 - t^2)), t = tanh(softplus(x))
        if constexpr (std::is_integral_v<T>) {
          return b;
        } else {
          T t = tanh(softplus1(a));
          T s = T(1) / (T(1) + exp(-a));
          return b * (t + a * s * (T(1) - t * t));
        }
      case BinaryOp::GeluTanhGrad:  // (x, g)
        if constexpr (std::is_integral_v<T>) {
          return b;
        } else {
          const T k = T(0.79788456080286535588), c = T(0.044715);
          T t = tanh(k * (a + c * a * a * a));
          T d = T(0.5) * (T(1) + t) + T(0.5) * a * (T(1) - t * t) * k * (T(1) + T(3) * c * a * a);
          return b * d;
        }
      // (x, g) and the forward op's parameters; integer inputs never reach these (Float kind)
      case BinaryOp::LeakyReluGrad: return a > T(0) ? b : b * T(p0);  // p0 negative_slope
      case BinaryOp::ClampGrad:  // p0 lo, p1 hi (+-inf when absent); NaN x: 0
        return (a >= T(p0)) & (a <= T(p1)) ? b : T(0);
      case BinaryOp::EluGrad:  // p0 alpha, p1 scale: scale alpha e^x below 0 (not y + scale
        if constexpr (std::is_integral_v<T>) {  // alpha, which cancels once e^x < 1e-7)
          return b;
        } else {
          return a > T(0) ? b * T(p1) : b * (exp(a) * T(p0 * p1));
        }
      case BinaryOp::SoftplusGrad: {  // p0 beta, p1 threshold: sigmoid(beta x), 1 above it
        const T z = a * T(p0);
        return z > T(p1) ? b : b * sigmoid(z);
      }
      case BinaryOp::LogSigmoidGrad: return b * sigmoid(-a);  // (x, g)
      case BinaryOp::Fmod:
        if constexpr (std::is_integral_v<T>) return b == 0 ? T(0) : a % b;
        else return fmod(a, b);
      case BinaryOp::Atan2:
        if constexpr (std::is_integral_v<T>) return T(0);
        else return atan2(a, b);
      default: return T(0);
    }
  }
}

}  // namespace lamina
