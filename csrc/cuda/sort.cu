// sort / argsort / topk: the CUDA twin of cpu/sort.cpp. One block per column: the column's
// (value, index) pairs, padded to a power of two P, are sorted by a bitonic network, in
// shared memory when they fit in 48 KiB (P <= 4096 float32, 2048 float64 / int64), else in a
// global scratch buffer per block. The comparison is the total order of kernels/sort.h
// (padding last), so the network gives the stable order.
#include <algorithm>

#include "../kernels/sort.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

constexpr size_t kSmemBytes = 48 * 1024;
constexpr int64_t kScratchBytes = int64_t(256) << 20;  // global scratch at most (all blocks)

// (av, ai) before (bv, bi): kernels/sort.h's order; indices >= R are padding, always last.
template <typename T>
__device__ __forceinline__ bool before(T av, int64_t ai, T bv, int64_t bi, int64_t R,
                                       bool desc) {
  if (ai >= R) return false;
  if (bi >= R) return true;
  const bool na = av != av, nb = bv != bv;  // NaN (never for int64)
  if (na || nb) {
    if (na && nb) return ai < bi;
    return desc ? na : nb;
  }
  if (av != bv) return desc ? av > bv : av < bv;
  return ai < bi;
}

// x (O, R, I); values, indices (O, k, I). scratch_idx / scratch_val: P entries per block in
// global memory, or null to use P entries of dynamic shared memory.
template <typename T>
__global__ void __launch_bounds__(kBlock)
sort_kernel(int64_t O, int64_t R, int64_t I, int64_t k, int64_t P, bool desc, const T* x,
            T* values, int64_t* indices, int64_t* scratch_idx, T* scratch_val) {
  int64_t* ki = scratch_idx ? scratch_idx + blockIdx.x * P : dynamic_smem<int64_t>();
  T* kv = scratch_idx ? scratch_val + blockIdx.x * P : reinterpret_cast<T*>(ki + P);
  for (int64_t c = blockIdx.x; c < O * I; c += gridDim.x) {
    const int64_t o = c / I, i = c % I;
    const T* xc = x + o * R * I + i;
    for (int64_t p = threadIdx.x; p < P; p += blockDim.x) {
      ki[p] = p;
      kv[p] = p < R ? xc[p * I] : T(0);
    }
    __syncthreads();
    for (int64_t size = 2; size <= P; size <<= 1) {
      for (int64_t stride = size >> 1; stride > 0; stride >>= 1) {
        for (int64_t t = threadIdx.x; t < P / 2; t += blockDim.x) {
          const int64_t a = 2 * stride * (t / stride) + t % stride, b = a + stride;
          const bool up = (a & size) == 0;
          const bool swap = up ? before(kv[b], ki[b], kv[a], ki[a], R, desc)
                               : before(kv[a], ki[a], kv[b], ki[b], R, desc);
          if (swap) {
            const T v = kv[a];
            kv[a] = kv[b];
            kv[b] = v;
            const int64_t j = ki[a];
            ki[a] = ki[b];
            ki[b] = j;
          }
        }
        __syncthreads();
      }
    }
    const int64_t out = o * k * I + i;
    for (int64_t r = threadIdx.x; r < k; r += blockDim.x) {
      if (values) values[out + r * I] = kv[r];
      indices[out + r * I] = ki[r];
    }
    __syncthreads();  // the buffer is refilled for the next column
  }
}

template <typename T>
void launch_sort(int64_t O, int64_t R, int64_t I, int64_t k, bool desc, const T* x, T* values,
                 int64_t* indices) {
  int64_t P = 1;
  while (P < R) P <<= 1;
  const int64_t cols = O * I;
  const size_t entry = sizeof(int64_t) + sizeof(T);
  const size_t smem = static_cast<size_t>(P) * entry;
  if (smem <= kSmemBytes) {
    const unsigned grid = static_cast<unsigned>(std::min<int64_t>(cols, kMaxBlocks));
    LAMINA_LAUNCH(sort_kernel<T>, grid, kBlock, smem, O, R, I, k, P, desc, x, values, indices,
                  static_cast<int64_t*>(nullptr), static_cast<T*>(nullptr));
    return;
  }
  const int64_t per_block = P * static_cast<int64_t>(entry);
  const int64_t blocks = std::max<int64_t>(1, std::min<int64_t>(cols, kScratchBytes / per_block));
  int device = 0;
  LAMINA_CUDA_CHECK(cudaGetDevice(&device));
  std::shared_ptr<void> scratch = allocate(blocks * per_block, device);
  auto* sidx = static_cast<int64_t*>(scratch.get());
  auto* sval = reinterpret_cast<T*>(sidx + blocks * P);
  LAMINA_LAUNCH(sort_kernel<T>, static_cast<unsigned>(blocks), kBlock, 0, O, R, I, k, P, desc,
                x, values, indices, sidx, sval);
}

}  // namespace

void sort(DType dt, int64_t O, int64_t R, int64_t I, int64_t k, bool descending, const void* x,
          void* values, int64_t* indices) {
  if (O * R * I <= 0 || k <= 0) return;
  LAMINA_DISPATCH_NUMERIC(dt, "sort", [&] {
    typed_call<scalar_t>(launch_sort<scalar_t>, O, R, I, k, descending, x, values, indices);
  });
}

}  // namespace lamina::cuda
