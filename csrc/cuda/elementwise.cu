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
  double p0, p1;
  __device__ void operator()(const int64_t (&off)[3]) const {
    out[off[0]] = apply_binary<T, R>(OP, a[off[1]], b[off[2]], p0, p1);
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

// The templates of kernels/elementwise_entries.h: one launch over g each.
template <typename T>
void fill_t(const Geometry& g, T* out, T v) {
  launch_geometry<1>(g, FillF<T>{out, v});
}
template <typename O, typename I>
void cast_t(const Geometry& g, O* out, const I* in) {
  launch_geometry<2>(g, CastF<O, I>{out, in});
}
template <UnaryOp OP, typename T>
void unary_t(const Geometry& g, T* out, const T* in, double p0, double p1) {
  launch_geometry<2>(g, UnaryF<OP, T>{out, in, p0, p1});
}
template <BinaryOp OP, typename T, typename R>
void binary_t(const Geometry& g, R* out, const T* a, const T* b, double p0, double p1) {
  launch_geometry<3>(g, BinaryF<OP, T, R>{out, a, b, p0, p1});
}
template <typename T>
void where_t(const Geometry& g, T* out, const bool* c, const T* a, const T* b) {
  launch_geometry<4>(g, WhereF<T>{out, c, a, b});
}

}  // namespace

#include "../kernels/elementwise_entries.h"

void arange(DType dt, int64_t n, void* out, double start, double step) {
  LAMINA_DISPATCH_NUMERIC(dt, "arange", [&] {
    if (n <= 0) return;
    LAMINA_LAUNCH(arange_kernel<scalar_t>, grid_for(n), kBlock, 0, n, typed<scalar_t>(out), start, step);
  });
}

}  // namespace lamina::cuda
