#pragma once
// The elementwise and reduction operations the kernels know, shared by cpu/ and cuda/.
#include <cstdint>

namespace lamina {

enum class UnaryOp : int {
  Neg, Exp, Log, Sqrt, Rsqrt, Abs, Relu, Sigmoid, Tanh, Gelu, Sign, Clamp, Reciprocal,
  Sin, Cos, Log1p, Expm1, LogicalNot, Floor, Ceil, Round,
  kCount
};

enum class BinaryOp : int {
  Add, Sub, Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge, LogicalAnd, LogicalOr,
  // backward helpers: (forward input or output, upstream grad)
  ReluGrad, SigmoidGrad, TanhGrad, GeluGrad, Fmod, Atan2,
  kCount
};

enum class ReduceOp : int { Sum, Max, Min, LogSumExp, kCount };

// True when the op's result is bool whatever the input dtype.
inline bool binary_is_comparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
         op == BinaryOp::Gt || op == BinaryOp::Ge || op == BinaryOp::LogicalAnd ||
         op == BinaryOp::LogicalOr;
}

// True when the op is only defined on floating inputs (ints are promoted to float32).
inline bool unary_needs_float(UnaryOp op) {
  switch (op) {
    case UnaryOp::Neg: case UnaryOp::Abs: case UnaryOp::Relu: case UnaryOp::Sign:
    case UnaryOp::Clamp: case UnaryOp::LogicalNot: case UnaryOp::Floor: case UnaryOp::Ceil:
    case UnaryOp::Round:
      return false;
    default:
      return true;
  }
}

}  // namespace lamina
