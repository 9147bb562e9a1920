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
    launch_geometry<1>(g, FillF<scalar_t>{typed<scalar_t>(out),
                                          static_cast<scalar_t>(value)});
  });
}

void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in) {
  LAMINA_DISPATCH_ALL(out_dt, "cast", [&] {
    using out_t = scalar_t;
    LAMINA_DISPATCH_ALL(in_dt, "cast", [&] {
      launch_geometry<2>(g, CastF<out_t, scalar_t>{static_cast<out_t*>(out),
                                                   typed<scalar_t>(in)});
    });
  });
}

#define LAMINA_UNARY_CASE(NAME, ...)                                     \
  case UnaryOp::NAME:                                                     \
    launch_geometry<2>(g, UnaryF<UnaryOp::NAME, scalar_t>{o, x, p0, p1}); \
    break;

void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1) {
  LAMINA_DISPATCH_ALL(dt, "unary", [&] {
    auto* o = typed<scalar_t>(out);
    auto* x = typed<scalar_t>(in);
    switch (op) {
      LAMINA_UNARY_OPS(LAMINA_UNARY_CASE)
      default: throw std::runtime_error("[unary] unknown op");
    }
  });
}
#undef LAMINA_UNARY_CASE

#define LAMINA_BINARY_CASE(NAME, name, KIND)                                        \
  case BinaryOp::NAME: {                                                             \
    using R = binary_result_t<BinaryKind::KIND, scalar_t>;                           \
    launch_geometry<3>(g, BinaryF<BinaryOp::NAME, scalar_t, R>{static_cast<R*>(out), x, y}); \
    break;                                                                           \
  }

void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b) {
  LAMINA_DISPATCH_ALL(dt, "binary", [&] {
    auto* x = typed<scalar_t>(a);
    auto* y = typed<scalar_t>(b);
    switch (op) {
      LAMINA_BINARY_OPS(LAMINA_BINARY_CASE)
      default: throw std::runtime_error("[binary] unknown op");
    }
  });
}
#undef LAMINA_BINARY_CASE

void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b) {
  LAMINA_DISPATCH_ALL(dt, "where", [&] {
    launch_geometry<4>(g, WhereF<scalar_t>{typed<scalar_t>(out), cond,
                                           typed<scalar_t>(a),
                                           typed<scalar_t>(b)});
  });
}

void arange(DType dt, int64_t n, void* out, double start, double step) {
  LAMINA_DISPATCH_NUMERIC(dt, "arange", [&] {
    if (n <= 0) return;
    LAMINA_LAUNCH(arange_kernel<scalar_t>, grid_for(n), kBlock, 0, n, typed<scalar_t>(out), start, step);
  });
}

}  // namespace lamina::cuda
