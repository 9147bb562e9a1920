#pragma once
// Shared helpers of the CUDA launchers: error checking, grid sizing for grid-stride loops, and
// per-operand offsets of a flat index through a Geometry, and the generic elementwise loop.
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>

#include "../core/device_runtime.h"
#include "../core/geometry.h"

namespace lamina::cuda {

[[noreturn]] inline void throw_cuda_error(cudaError_t err, const char* file, int line) {
  if (const char* rel = std::strstr(file, "csrc/")) file = rel;  // no build-machine paths
  throw std::runtime_error(std::string("[cuda] ") + file + ":" + std::to_string(line) + " " +
                           cudaGetErrorString(err));
}

}  // namespace lamina::cuda

// LAMINA_CUDA_CHECK(expr): throw std::runtime_error("[cuda] file:line message") when a CUDA
// runtime call fails.
#define LAMINA_CUDA_CHECK(expr)                                                   \
  do {                                                                            \
    cudaError_t lamina_err_ = (expr);                                             \
    if (lamina_err_ != cudaSuccess)                                               \
      ::lamina::cuda::throw_cuda_error(lamina_err_, __FILE__, __LINE__);          \
  } while (0)

namespace lamina::cuda {

// After every launch: the launch error, and with LAMINA_CUDA_SYNC=1 also the kernel's own
// (a synchronise per launch, so a fault is reported at the kernel that caused it).
void check_launch(const char* kernel);

// The one launch path: LAMINA_LAUNCH(kernel, grid, block, smem_bytes, args...) on the legacy
// stream. A kernel whose template arguments hold commas goes in parentheses. The simulator
// build (LAMINA_CUDA_SIM) runs the same kernel on the CPU (cuda/sim/).
template <class... P, class... A>
void launch(const char* name, void (*kernel)(P...), dim3 grid, dim3 block, size_t smem,
            A&&... args) {
#ifdef LAMINA_CUDA_SIM
  ::lamina::sim::launch(name, kernel, grid, block, smem, P(std::forward<A>(args))...);
#else
  kernel<<<grid, block, smem>>>(P(std::forward<A>(args))...);
#endif
  check_launch(name);
}

#define LAMINA_LAUNCH(KERNEL, GRID, BLOCK, SMEM, ...) \
  ::lamina::cuda::launch(#KERNEL, KERNEL, GRID, BLOCK, SMEM, __VA_ARGS__)

constexpr int kBlock = 256;               // threads per block of the 1-D kernels
constexpr int64_t kMaxBlocks = 1 << 16;   // grid-stride loops cover the rest

// Blocks for a grid-stride loop over n items (n > 0): enough to cover n, at most kMaxBlocks.
inline unsigned grid_for(int64_t n, int block = kBlock) {
  int64_t b = (n + block - 1) / block;
  return static_cast<unsigned>(std::min<int64_t>(std::max<int64_t>(b, 1), kMaxBlocks));
}

// First flat index of this thread and the grid-stride step, both int64.
__device__ __forceinline__ int64_t flat_begin() {
  return static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ __forceinline__ int64_t flat_step() {
  return static_cast<int64_t>(gridDim.x) * blockDim.x;
}

// Offsets (in elements) of flat index i of the loop for the first N operands of g: div/mod
// over g.shape from the last dim.
template <int N>
__device__ __forceinline__ void geometry_offsets(const Geometry& g, int64_t i, int64_t (&off)[N]) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = 0;
  for (int d = g.ndim - 1; d >= 0; --d) {
    int64_t s = g.shape[d];
    int64_t q = i / s;
    int64_t r = i - q * s;
#pragma unroll
    for (int k = 0; k < N; ++k) off[k] += r * g.strides[k][d];
    i = q;
  }
}

// Offsets when the loop has (at most) one dim, so no div/mod is needed; see linearize().
template <int N>
__device__ __forceinline__ void linear_offsets(const Geometry& g, int64_t i, int64_t (&off)[N]) {
#pragma unroll
  for (int k = 0; k < N; ++k) off[k] = i * g.strides[k][0];
}

// True when the loop can use linear_offsets (a 0-d geometry is made 1-d of size 1 in place).
inline bool linearize(Geometry& g) {
  if (g.ndim == 0) {
    g.ndim = 1;
    g.shape[0] = 1;
    for (int k = 0; k < kMaxOperands; ++k) g.strides[k][0] = 0;
  }
  return g.ndim == 1;
}

// g: (operand 0 = out, inputs...) with any strides; f(off) does one element given the offset
// of each of the first N operands. LINEAR: g.ndim == 1, offsets are i * stride (no div/mod),
// which covers the all-contiguous case and contiguous-with-scalar broadcasts.
template <int N, bool LINEAR, typename F>
__global__ void __launch_bounds__(kBlock) elementwise_kernel(Geometry g, F f) {
  for (int64_t i = flat_begin(); i < g.numel; i += flat_step()) {
    int64_t off[N];
    if constexpr (LINEAR) linear_offsets<N>(g, i, off);
    else geometry_offsets<N>(g, i, off);
    f(off);
  }
}

template <int N, typename F>
void launch_geometry(Geometry g, const F& f) {
  if (g.numel <= 0) return;
  const unsigned grid = grid_for(g.numel);
  if (linearize(g)) LAMINA_LAUNCH((elementwise_kernel<N, true, F>), grid, kBlock, 0, g, f);
  else LAMINA_LAUNCH((elementwise_kernel<N, false, F>), grid, kBlock, 0, g, f);
}

// Reduce v over the block with f (warp shuffles, then one warp over the per-warp results);
// every thread gets the result. blockDim.x must be a multiple of 32, at most 1024.
template <typename V, typename F>
__device__ V block_reduce(V v, V identity, F f) {
  __shared__ V sm[32];
  for (int o = 16; o > 0; o >>= 1) v = f(v, __shfl_xor_sync(0xffffffffu, v, o));
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // sm may still be read by a previous call
  if (lane == 0) sm[warp] = v;
  __syncthreads();
  v = lane < static_cast<int>(blockDim.x >> 5) ? sm[lane] : identity;
  for (int o = 16; o > 0; o >>= 1) v = f(v, __shfl_xor_sync(0xffffffffu, v, o));
  return v;
}

// The block's dynamic shared memory (the launch's smem bytes), 16-byte aligned, as T*.
#ifdef LAMINA_CUDA_SIM
template <typename T>
__device__ __forceinline__ T* dynamic_smem() {
  return static_cast<T*>(::lamina::sim::dynamic_smem());
}
#else
template <typename T>
__device__ __forceinline__ T* dynamic_smem() {
  extern __shared__ __align__(16) unsigned char lamina_dynamic_smem[];
  return reinterpret_cast<T*>(lamina_dynamic_smem);
}
#endif

struct Max {
  template <typename V> __device__ V operator()(V a, V b) const { return b > a ? b : a; }
};
struct Add {
  template <typename V> __device__ V operator()(V a, V b) const { return a + b; }
};

}  // namespace lamina::cuda
