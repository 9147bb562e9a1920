// Indexing CUDA kernels: twins of cpu/index.cpp. Indices are int64 and already range-checked
// by ops/index.cpp. The accumulating kernels use atomics, since indices may repeat: with
// floats the order of the additions (and so the last bits) is not fixed.
#include "../kernels/index.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }
// Two's complement: an unsigned 64-bit add gives the same bits as the signed one.
__device__ __forceinline__ void atomic_add(int64_t* p, int64_t v) {
  static_assert(sizeof(int64_t) == sizeof(unsigned long long), "64-bit atomics");
  atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
}

// in (O, S, I) contiguous; index (n); out (O, n, I) contiguous:
//   out[o, j, i] = in[o, index[j], i]
template <typename T>
__global__ void __launch_bounds__(kBlock)
index_select_kernel(int64_t total, int64_t S, int64_t I, int64_t n, const T* in,
                    const int64_t* index, T* out) {
  for (int64_t t = flat_begin(); t < total; t += flat_step()) {
    const int64_t i = t % I, r = t / I, j = r % n, o = r / n;
    out[t] = in[(o * S + index[j]) * I + i];
  }
}

// out (O, S, I) contiguous; index (n); src (O, n, I) contiguous:
//   out[o, index[j], i] += src[o, j, i]
template <typename T>
__global__ void __launch_bounds__(kBlock)
index_add_kernel(int64_t total, int64_t S, int64_t I, int64_t n, T* out, const int64_t* index,
                 const T* src) {
  for (int64_t t = flat_begin(); t < total; t += flat_step()) {
    const int64_t i = t % I, r = t / I, j = r % n, o = r / n;
    atomic_add(out + (o * S + index[j]) * I + i, src[t]);
  }
}

// g: (out, index, in) with in's stride along dim 0: out[p] = in[q + index[p] * dim_stride]
template <typename T> struct GatherF {
  T* out;
  const int64_t* index;
  const T* in;
  int64_t dim_stride;
  __device__ void operator()(const int64_t (&off)[3]) const {
    out[off[0]] = in[off[2] + index[off[1]] * dim_stride];
  }
};

// g: (src, index, out) with out's stride along dim 0: out[q + index[p] * dim_stride] += src[p]
template <typename T> struct ScatterF {
  const T* src;
  const int64_t* index;
  T* out;
  int64_t dim_stride;
  bool accumulate;
  __device__ void operator()(const int64_t (&off)[3]) const {
    T* dst = out + off[2] + index[off[1]] * dim_stride;
    if (accumulate) atomic_add(dst, src[off[0]]);
    else *dst = src[off[0]];
  }
};

}  // namespace

void index_select(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, const void* in,
                  const int64_t* index, void* out) {
  const int64_t total = O * n * I;
  LAMINA_DISPATCH_ALL(dt, "index_select", [&] {
    if (total <= 0) return;
    LAMINA_LAUNCH(index_select_kernel<scalar_t>, grid_for(total), kBlock, 0,
        total, S, I, n, typed<scalar_t>(in), index, typed<scalar_t>(out));
  });
}

void index_add(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, void* out,
               const int64_t* index, const void* src) {
  const int64_t total = O * n * I;
  LAMINA_DISPATCH_NUMERIC(dt, "index_add", [&] {
    if (total <= 0) return;
    LAMINA_LAUNCH(index_add_kernel<scalar_t>, grid_for(total), kBlock, 0,
        total, S, I, n, typed<scalar_t>(out), index, typed<scalar_t>(src));
  });
}

void gather(DType dt, const Geometry& g, int64_t dim_stride, void* out, const int64_t* index,
            const void* in) {
  LAMINA_DISPATCH_ALL(dt, "gather", [&] {
    launch_geometry<3>(g, GatherF<scalar_t>{typed<scalar_t>(out), index,
                                            typed<scalar_t>(in), dim_stride});
  });
}

void scatter(DType dt, const Geometry& g, int64_t dim_stride, void* out, const int64_t* index,
             const void* src, bool accumulate) {
  LAMINA_DISPATCH_NUMERIC(dt, accumulate ? "scatter_add" : "scatter", [&] {
    launch_geometry<3>(g, ScatterF<scalar_t>{typed<scalar_t>(src), index, typed<scalar_t>(out),
                                             dim_stride, accumulate});
  });
}

}  // namespace lamina::cuda
