#pragma once
// Batch normalisation CPU kernels over a contiguous (N, C, S) block (S = L or H * W; 1 for
// (N, C) inputs), statistics per channel over N * S = M values. Twins in cuda/batchnorm.cu.
//   y = (x - mean) * invstd * weight + bias,  invstd = 1 / sqrt(var + eps)
// weight / bias may be null (1 / 0). mean and invstd (C,) are written for the backward.
#include <cstdint>

#include "../core/dtype.h"

namespace lamina::cpu {

// Training: batch mean and biased variance (two passes, double accumulation). When
// running_mean / running_var (C,) are given they are updated in place:
//   r = (1 - momentum) * r + momentum * stat, with the unbiased variance (M / (M - 1)).
void batch_norm_train(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                      const void* weight, const void* bias, double eps, double momentum,
                      void* running_mean, void* running_var, void* y, void* mean, void* invstd);

// Evaluation: normalise with running_mean / running_var; mean, invstd as in training.
void batch_norm_eval(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                     const void* weight, const void* bias, const void* running_mean,
                     const void* running_var, double eps, void* y, void* mean, void* invstd);

// One pass of per-channel sums (sum dy, sum dy * (x - mean)), then one writing
//   training: dx = w * invstd * (dy - sum dy / M - (x - mean) * invstd^2 * sum dy (x - mean) / M)
//   eval:     dx = w * invstd * dy
// dweight = invstd * sum dy (x - mean), dbias = sum dy. dx, dweight, dbias may each be null.
void batch_norm_backward(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                         const void* dy, const void* weight, const void* mean,
                         const void* invstd, bool training, void* dx, void* dweight,
                         void* dbias);

}  // namespace lamina::cpu
