#pragma once
// Batched matrix product on the host. A simple correct kernel: the fast packed GEMM replaces
// its body behind the same signature.
#include <cstdint>

#include "../core/dtype.h"
#include "gemm.h"

namespace lamina::cpu {

// A (batch, M, K) strides (sab, sam, sak); B (batch, K, N) strides (sbb, sbk, sbn);
// C (batch, M, N) contiguous = A @ B
void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C);

// The packed GEMM kernel cpu::gemm uses for dt on this CPU (gemm.h), for implicit-GEMM callers
// (conv.cpp) that drive its pack / run entry points themselves. float32 and float64 only.
gemm_kernels::Kernel gemm_kernel(DType dt);

}  // namespace lamina::cpu
