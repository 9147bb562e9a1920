#pragma once
// Reduction CPU kernels over the middle axis of a contiguous (O, R, I) block.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/op_kinds.h"

namespace lamina::cpu {

// in (O, R, I) contiguous; out (O, I) contiguous.
//   Sum: scale * sum_r in   Max/Min: values (NaN wins), idx (O, I) int64 of the first hit
//   (idx may be null)       LogSumExp: log sum_r exp(in)
void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale);
// in (O, R, I) contiguous; out (O, I) = sum_r (in - mean)^2 / (R - correction)
void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out);

}  // namespace lamina::cpu
