#pragma once
// Batched matrix product: the packed GEMM on the CPU (cpu/matmul.cpp), tiled SIMT or TF32
// tensor-core GEMMs on CUDA (cuda/matmul.cu, cuda/matmul_tc.cu).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_MATMUL_KERNELS(X)                                                           \
  /* A (batch, M, K) strides (sab, sam, sak); B (batch, K, N) strides (sbb, sbk, sbn);      \
     C (batch, M, N) contiguous = A @ B */                                                  \
  X(gemm, (DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A,         \
           int64_t sab, int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk,  \
           int64_t sbn, void* C))

LAMINA_DECLARE_KERNELS(LAMINA_MATMUL_KERNELS)

namespace lamina::cuda {
// float32 GEMMs may use TF32 tensor cores when allowed (lamina.backends.cuda.matmul.allow_tf32,
// off by default). The flag exists in CPU-only builds too (where nothing reads it).
void set_matmul_allow_tf32(bool allow);
bool matmul_allow_tf32();
}  // namespace lamina::cuda
