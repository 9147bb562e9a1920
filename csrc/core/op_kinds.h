#pragma once
// The elementwise and reduction operations the kernels know, listed once. Each list is an
// X-macro: expanding it with an X(...) of your own gives one line per op, in this order. Here it
// generates the enums and the tables below (names, promotion rules); the op layer
// (ops/elementwise.cpp) reads the tables for its messages and dtype rules, the bindings
// (bindings/elementwise.cpp) bind every op of the list under its name, and a kernel switch can
// be written as `switch (op) { LAMINA_UNARY_OPS(MY_CASE) }`.
//
// Adding a unary op: one X(...) line here, its math in functors.h (apply_unary), and its case in
// the kernel switches unless they expand the list; autograd and the Tensor method are one
// registration in python/lamina/autograd/functions/elementwise.py.
#include <cstdint>
#include <iterator>
#include <type_traits>

// X(Enum, name, domain, params)
//   name    the op's name in error messages and in lamina._C: name(x) and in place name_(x)
//   domain  Any: every dtype but bool; Float: integer inputs are computed in float32
//   params  scalar parameters (p0, p1) the op reads; ops with params are bound by hand
//           as name(x, p0, p1=0): clamp(x, lo, hi), elu(x, alpha, scale) (selu is
//           elu with torch's constants), leaky_relu(x, negative_slope),
//           softplus(x, beta, threshold)
#define LAMINA_UNARY_OPS(X)           \
  X(Neg, neg, Any, 0)                 \
  X(Exp, exp, Float, 0)               \
  X(Log, log, Float, 0)               \
  X(Sqrt, sqrt, Float, 0)             \
  X(Rsqrt, rsqrt, Float, 0)           \
  X(Abs, abs, Any, 0)                 \
  X(Relu, relu, Any, 0)               \
  X(Sigmoid, sigmoid, Float, 0)       \
  X(Tanh, tanh, Float, 0)             \
  X(Gelu, gelu, Float, 0)             \
  X(Sign, sign, Any, 0)               \
  X(Clamp, clamp, Any, 2)             \
  X(Reciprocal, reciprocal, Float, 0) \
  X(Sin, sin, Float, 0)               \
  X(Cos, cos, Float, 0)               \
  X(Log1p, log1p, Float, 0)           \
  X(Expm1, expm1, Float, 0)           \
  X(LogicalNot, logical_not, Any, 0)  \
  X(Floor, floor, Any, 0)             \
  X(Ceil, ceil, Any, 0)               \
  X(Round, round, Any, 0)             \
  X(Tan, tan, Float, 0)               \
  X(Sinh, sinh, Float, 0)             \
  X(Cosh, cosh, Float, 0)             \
  X(Erf, erf, Float, 0)               \
  X(Log2, log2, Float, 0)             \
  X(Log10, log10, Float, 0)           \
  X(Exp2, exp2, Float, 0)             \
  X(GeluTanh, gelu_tanh, Float, 0)    \
  X(Silu, silu, Float, 0)             \
  X(Mish, mish, Float, 0)             \
  X(Elu, elu, Float, 2)               \
  X(LeakyRelu, leaky_relu, Float, 1)  \
  X(Softplus, softplus, Float, 2)     \
  X(LogSigmoid, logsigmoid, Float, 0)

// X(Enum, name, kind, params)
//   name    the op's name in error messages and in lamina._C: name(a, b), r<name>(a, s) with
//           the scalar first, and in place name_(a, b); an op with params is bound by hand as
//           name(a, b, p0, p1=0) only
//   kind    Same: computed in the promoted dtype of the inputs, which is the result's;
//           NoBool: likewise, but bool inputs are computed in int64;
//           Float: likewise, but integer and bool inputs are computed in float32;
//           Compare: computed in the promoted dtype, the result is bool
//   params  scalar parameters (p0, p1) the op reads, as for the unary ops
// The *Grad ops are backward helpers: (forward input or output, upstream grad); those with
// params take the forward op's: leaky_relu_backward(x, g, negative_slope),
// clamp_backward(x, g, lo, hi), elu_backward(x, g, alpha, scale),
// softplus_backward(x, g, beta, threshold).
#define LAMINA_BINARY_OPS(X)                       \
  X(Add, add, Same, 0)                             \
  X(Sub, sub, NoBool, 0)                           \
  X(Mul, mul, Same, 0)                             \
  X(Div, div, Float, 0)                            \
  X(Pow, pow, NoBool, 0)                           \
  X(Maximum, maximum, Same, 0)                     \
  X(Minimum, minimum, Same, 0)                     \
  X(Eq, eq, Compare, 0)                            \
  X(Ne, ne, Compare, 0)                            \
  X(Lt, lt, Compare, 0)                            \
  X(Le, le, Compare, 0)                            \
  X(Gt, gt, Compare, 0)                            \
  X(Ge, ge, Compare, 0)                            \
  X(LogicalAnd, logical_and, Compare, 0)           \
  X(LogicalOr, logical_or, Compare, 0)             \
  X(ReluGrad, relu_backward, NoBool, 0)            \
  X(SigmoidGrad, sigmoid_backward, Float, 0)       \
  X(TanhGrad, tanh_backward, Float, 0)             \
  X(GeluGrad, gelu_backward, Float, 0)             \
  X(Fmod, fmod, NoBool, 0)                         \
  X(Atan2, atan2, Float, 0)                        \
  X(SiluGrad, silu_backward, Float, 0)             \
  X(MishGrad, mish_backward, Float, 0)             \
  X(GeluTanhGrad, gelu_tanh_backward, Float, 0)    \
  X(LeakyReluGrad, leaky_relu_backward, Float, 1)  \
  X(ClampGrad, clamp_backward, Float, 2)           \
  X(EluGrad, elu_backward, Float, 2)               \
  X(SoftplusGrad, softplus_backward, Float, 2)     \
  X(LogSigmoidGrad, logsigmoid_backward, Float, 0)

// X(Enum, name): the reductions of the reduce kernel (name as in error messages)
#define LAMINA_REDUCE_OPS(X) \
  X(Sum, sum)                \
  X(Max, max)                \
  X(Min, min)                \
  X(LogSumExp, logsumexp)

namespace lamina {

#define LAMINA_OP_ENUM_ENTRY(E, ...) E,
enum class UnaryOp : int { LAMINA_UNARY_OPS(LAMINA_OP_ENUM_ENTRY) kCount };
enum class BinaryOp : int { LAMINA_BINARY_OPS(LAMINA_OP_ENUM_ENTRY) kCount };
enum class ReduceOp : int { LAMINA_REDUCE_OPS(LAMINA_OP_ENUM_ENTRY) kCount };
#undef LAMINA_OP_ENUM_ENTRY

enum class UnaryDomain : int { Any, Float };
enum class BinaryKind : int { Same, NoBool, Float, Compare };

// The element type a binary kernel of kind K writes, computing in T: bool for comparisons.
// A kernel switch case: binary_t<BinaryOp::E, T, binary_result_t<BinaryKind::K, T>>.
template <BinaryKind K, typename T>
using binary_result_t = std::conditional_t<K == BinaryKind::Compare, bool, T>;

struct UnaryInfo {
  UnaryOp op;
  const char* name;
  UnaryDomain domain;
  int params;
};
struct BinaryInfo {
  BinaryOp op;
  const char* name;
  BinaryKind kind;
  int params;
};
struct ReduceInfo {
  ReduceOp op;
  const char* name;
};

// One row per op, indexed by the enum.
inline constexpr UnaryInfo kUnaryOps[] = {
#define LAMINA_OP_ROW(E, N, D, P) {UnaryOp::E, #N, UnaryDomain::D, P},
    LAMINA_UNARY_OPS(LAMINA_OP_ROW)
#undef LAMINA_OP_ROW
};
inline constexpr BinaryInfo kBinaryOps[] = {
#define LAMINA_OP_ROW(E, N, K, P) {BinaryOp::E, #N, BinaryKind::K, P},
    LAMINA_BINARY_OPS(LAMINA_OP_ROW)
#undef LAMINA_OP_ROW
};
inline constexpr ReduceInfo kReduceOps[] = {
#define LAMINA_OP_ROW(E, N) {ReduceOp::E, #N},
    LAMINA_REDUCE_OPS(LAMINA_OP_ROW)
#undef LAMINA_OP_ROW
};
static_assert(std::size(kUnaryOps) == static_cast<size_t>(UnaryOp::kCount));
static_assert(std::size(kBinaryOps) == static_cast<size_t>(BinaryOp::kCount));
static_assert(std::size(kReduceOps) == static_cast<size_t>(ReduceOp::kCount));

constexpr const UnaryInfo& op_info(UnaryOp op) { return kUnaryOps[static_cast<int>(op)]; }
constexpr const BinaryInfo& op_info(BinaryOp op) { return kBinaryOps[static_cast<int>(op)]; }
constexpr const ReduceInfo& op_info(ReduceOp op) { return kReduceOps[static_cast<int>(op)]; }

constexpr const char* op_name(UnaryOp op) { return op_info(op).name; }
constexpr const char* op_name(BinaryOp op) { return op_info(op).name; }
constexpr const char* op_name(ReduceOp op) { return op_info(op).name; }

// True when the op's result is bool whatever the input dtype.
constexpr bool binary_is_comparison(BinaryOp op) {
  return op_info(op).kind == BinaryKind::Compare;
}

// True when the op is only defined on floating inputs (ints are promoted to float32).
constexpr bool unary_needs_float(UnaryOp op) { return op_info(op).domain == UnaryDomain::Float; }

}  // namespace lamina
