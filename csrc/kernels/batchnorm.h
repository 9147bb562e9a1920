#pragma once
// Batch normalisation over a contiguous (N, C, S) block (S = L or H * W; 1 for (N, C) inputs),
// statistics per channel over N * S = M values.
//   y = (x - mean) * invstd * weight + bias,  invstd = 1 / sqrt(var + eps)
// weight / bias may be null (1 / 0). mean and invstd (C,) are written for the backward.
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_BATCHNORM_KERNELS(X)                                                        \
  /* Training: batch mean and biased variance (two passes, double accumulation). When       \
     running_mean / running_var (C,) are given they are updated in place:                   \
       r = (1 - momentum) * r + momentum * stat, with the unbiased variance (M / (M - 1)) */ \
  X(batch_norm_train, (DType dt, int64_t N, int64_t C, int64_t S, const void* x,            \
                       const void* weight, const void* bias, double eps, double momentum,   \
                       void* running_mean, void* running_var, void* y, void* mean,          \
                       void* invstd))                                                       \
  /* Evaluation: normalise with running_mean / running_var; mean, invstd as in training. */ \
  X(batch_norm_eval, (DType dt, int64_t N, int64_t C, int64_t S, const void* x,             \
                      const void* weight, const void* bias, const void* running_mean,       \
                      const void* running_var, double eps, void* y, void* mean,             \
                      void* invstd))                                                        \
  /* Per-channel sums (sum dy, sum dy * (x - mean)), then                                   \
       training: dx = w invstd (dy - sum dy / M - (x - mean) invstd^2 sum dy (x - mean) / M) \
       eval:     dx = w * invstd * dy                                                       \
     dweight = invstd * sum dy (x - mean), dbias = sum dy. dx, dweight, dbias may be null. */ \
  X(batch_norm_backward, (DType dt, int64_t N, int64_t C, int64_t S, const void* x,         \
                          const void* dy, const void* weight, const void* mean,             \
                          const void* invstd, bool training, void* dx, void* dweight,       \
                          void* dbias))

LAMINA_DECLARE_KERNELS(LAMINA_BATCHNORM_KERNELS)
