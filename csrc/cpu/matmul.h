#pragma once
// The CPU side of the GEMM (contract: kernels/matmul.h): the packed GEMM kernels for callers
// that drive them directly (conv, LSTM).
#include <cstdint>
#include <memory>

#include "../core/dtype.h"
#include "../kernels/matmul.h"
#include "gemm.h"

namespace lamina::cpu {

// The packed GEMM kernel cpu::gemm uses for dt on this CPU (gemm.h), for implicit-GEMM callers
// (conv.cpp) that drive its pack / run entry points themselves. float32 and float64 only.
gemm_kernels::Kernel gemm_kernel(DType dt);

// B (K, N) strides (sbk, sbn) packed once (its panels, in parallel) for many products with
// different A: the recurrent GEMM of an RNN reuses it every step. run() is serial, to be
// called from the caller's own parallel_for (any thread):
//   C[0:M, n0:n1] (row stride ldc, C points at column 0) = A (M, K) strides (sam, sak) @
//   B[:, n0:n1]; n0 a multiple of nr() (n1 anything up to N).
class PackedB {
 public:
  PackedB(DType dt, int64_t K, int64_t N, const void* B, int64_t sbk, int64_t sbn);
  PackedB(const PackedB&) = delete;
  PackedB& operator=(const PackedB&) = delete;
  int64_t nr() const { return nr_; }
  static int64_t panel_width(DType dt);  // nr() of a PackedB of this dtype
  void run(int64_t M, const void* A, int64_t sam, int64_t sak, void* C, int64_t ldc, int64_t n0,
           int64_t n1) const;

 private:
  DType dt_;
  int64_t K_, N_, nr_;
  std::shared_ptr<void> buf_;  // the packed panels
};

}  // namespace lamina::cpu
