// Elementwise CUDA kernels: twins of cpu/elementwise.cpp. The scalar math is the shared
// core/functors.h; the op is a template parameter, so the switch on it happens on the host.
#include <stdexcept>

#include "../core/functors.h"
#include "../kernels/elementwise.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

// g: (out)
template <typename T> struct FillF {
  T* out;
  T v;
  __device__ void operator()(const int64_t (&off)[1]) const { out[off[0]] = v; }
};

// g: (out, in)
template <typename O, typename I> struct CastF {
  O* out;
  const I* in;
  __device__ void operator()(const int64_t (&off)[2]) const {
    out[off[0]] = static_cast<O>(in[off[1]]);
  }
};

// g: (out, in), both T
template <UnaryOp OP, typename T> struct UnaryF {
  T* out;
  const T* in;
  double p0, p1;
  __device__ void operator()(const int64_t (&off)[2]) const {
    out[off[0]] = apply_unary<T>(OP, in[off[1]], p0, p1);
  }
};

// g: (out, a, b); a, b T; out R (bool for comparisons, T otherwise)
template <BinaryOp OP, typename T, typename R> struct BinaryF {
  R* out;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t (&off)[3]) const {
    out[off[0]] = apply_binary<T, R>(OP, a[off[1]], b[off[2]]);
  }
};

// g: (out, cond, a, b)
template <typename T> struct WhereF {
  T* out;
  const bool* cond;
  const T* a;
  const T* b;
  __device__ void operator()(const int64_t (&off)[4]) const {
    out[off[0]] = cond[off[1]] ? a[off[2]] : b[off[3]];
  }
};

// out (n) contiguous: out[i] = start + i * step. The product is rounded on its own (no FMA),
// as on the host, so both give the same bits.
template <typename T>
__global__ void __launch_bounds__(kBlock) arange_kernel(int64_t n, T* out, double start,
                                                        double step) {
  for (int64_t i = flat_begin(); i < n; i += flat_step())
    out[i] = static_cast<T>(__dadd_rn(start, __dmul_rn(static_cast<double>(i), step)));
}

}  // namespace

void fill(DType dt, const Geometry& g, void* out, double value) {
  LAMINA_DISPATCH_ALL(dt, "fill", [&] {
    launch_geometry<1>(g, FillF<scalar_t>{static_cast<scalar_t*>(out),
                                          static_cast<scalar_t>(value)});
  });
}

void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in) {
  LAMINA_DISPATCH_ALL(out_dt, "cast", [&] {
    using out_t = scalar_t;
    LAMINA_DISPATCH_ALL(in_dt, "cast", [&] {
      launch_geometry<2>(g, CastF<out_t, scalar_t>{static_cast<out_t*>(out),
                                                   static_cast<const scalar_t*>(in)});
    });
  });
}

#define LAMINA_UNARY_CASE(NAME)                                             \
  case UnaryOp::NAME:                                                       \
    launch_geometry<2>(g, UnaryF<UnaryOp::NAME, scalar_t>{o, x, p0, p1}); \
    break;

void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1) {
  LAMINA_DISPATCH_ALL(dt, "unary", [&] {
    auto* o = static_cast<scalar_t*>(out);
    auto* x = static_cast<const scalar_t*>(in);
    switch (op) {
      LAMINA_UNARY_CASE(Neg) LAMINA_UNARY_CASE(Exp) LAMINA_UNARY_CASE(Log)
      LAMINA_UNARY_CASE(Sqrt) LAMINA_UNARY_CASE(Rsqrt) LAMINA_UNARY_CASE(Abs)
      LAMINA_UNARY_CASE(Relu) LAMINA_UNARY_CASE(Sigmoid) LAMINA_UNARY_CASE(Tanh)
      LAMINA_UNARY_CASE(Gelu) LAMINA_UNARY_CASE(Sign) LAMINA_UNARY_CASE(Clamp)
      LAMINA_UNARY_CASE(Reciprocal) LAMINA_UNARY_CASE(Sin) LAMINA_UNARY_CASE(Cos)
      LAMINA_UNARY_CASE(Log1p) LAMINA_UNARY_CASE(Expm1) LAMINA_UNARY_CASE(LogicalNot)
      LAMINA_UNARY_CASE(Floor) LAMINA_UNARY_CASE(Ceil) LAMINA_UNARY_CASE(Round)
      default: throw std::runtime_error("[unary] unknown op");
    }
  });
}
#undef LAMINA_UNARY_CASE

#define LAMINA_BINARY_CASE(NAME, R)                                                   \
  case BinaryOp::NAME:                                                                \
    launch_geometry<3>(g, BinaryF<BinaryOp::NAME, scalar_t, R>{static_cast<R*>(out), x, y}); \
    break;

void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b) {
  LAMINA_DISPATCH_ALL(dt, "binary", [&] {
    auto* x = static_cast<const scalar_t*>(a);
    auto* y = static_cast<const scalar_t*>(b);
    switch (op) {
      LAMINA_BINARY_CASE(Add, scalar_t) LAMINA_BINARY_CASE(Sub, scalar_t)
      LAMINA_BINARY_CASE(Mul, scalar_t) LAMINA_BINARY_CASE(Div, scalar_t)
      LAMINA_BINARY_CASE(Pow, scalar_t) LAMINA_BINARY_CASE(Maximum, scalar_t)
      LAMINA_BINARY_CASE(Minimum, scalar_t) LAMINA_BINARY_CASE(ReluGrad, scalar_t)
      LAMINA_BINARY_CASE(SigmoidGrad, scalar_t) LAMINA_BINARY_CASE(TanhGrad, scalar_t)
      LAMINA_BINARY_CASE(GeluGrad, scalar_t) LAMINA_BINARY_CASE(Fmod, scalar_t)
      LAMINA_BINARY_CASE(Atan2, scalar_t)
      LAMINA_BINARY_CASE(Eq, bool) LAMINA_BINARY_CASE(Ne, bool) LAMINA_BINARY_CASE(Lt, bool)
      LAMINA_BINARY_CASE(Le, bool) LAMINA_BINARY_CASE(Gt, bool) LAMINA_BINARY_CASE(Ge, bool)
      LAMINA_BINARY_CASE(LogicalAnd, bool) LAMINA_BINARY_CASE(LogicalOr, bool)
      default: throw std::runtime_error("[binary] unknown op");
    }
  });
}
#undef LAMINA_BINARY_CASE

void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b) {
  LAMINA_DISPATCH_ALL(dt, "where", [&] {
    launch_geometry<4>(g, WhereF<scalar_t>{static_cast<scalar_t*>(out), cond,
                                           static_cast<const scalar_t*>(a),
                                           static_cast<const scalar_t*>(b)});
  });
}

void arange(DType dt, int64_t n, void* out, double start, double step) {
  LAMINA_DISPATCH_NUMERIC(dt, "arange", [&] {
    if (n <= 0) return;
    LAMINA_LAUNCH(arange_kernel<scalar_t>, grid_for(n), kBlock, 0, n, static_cast<scalar_t*>(out), start, step);
  });
}

}  // namespace lamina::cuda
