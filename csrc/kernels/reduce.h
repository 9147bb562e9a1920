#pragma once
// Reductions over the middle axis of a contiguous (O, R, I) block.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/op_kinds.h"
#include "kernel.h"

#define LAMINA_REDUCE_KERNELS(X)                                                           \
  /* in (O, R, I) contiguous; out (O, I) contiguous.                                        \
       Sum: scale * sum_r in   Max/Min: values (NaN wins), idx (O, I) int64 of the first    \
       hit (idx may be null)   LogSumExp: log sum_r exp(in) */                              \
  X(reduce, (ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in,        \
             void* out, int64_t* idx, double scale))                                        \
  /* in (O, R, I) contiguous; out (O, I) = sum_r (in - mean)^2 / (R - correction) */        \
  X(var, (DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in,     \
          void* out))

LAMINA_DECLARE_KERNELS(LAMINA_REDUCE_KERNELS)
