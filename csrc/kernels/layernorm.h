#pragma once
// Fused LayerNorm over the rows of a contiguous (M, N) block (ops/layernorm.cpp flattens the
// normalized dims into N).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_LAYERNORM_KERNELS(X)                                                        \
  /* x (M, N) contiguous; w, b (N,) or null; y (M, N); mean, rstd (M,) for the backward.    \
       mean = sum_j x / N,  rstd = 1 / sqrt(sum_j (x - mean)^2 / N + eps)                   \
       y = (x - mean) * rstd * w + b */                                                     \
  X(layer_norm_forward, (DType dt, int64_t M, int64_t N, const void* x, const void* w,      \
                         const void* b, double eps, void* y, void* mean, void* rstd))       \
  /* dy, x (M, N) contiguous; mean, rstd (M,) from the forward; w (N,) or null.             \
     Outputs, each null when not wanted: dx (M, N); dw, db (N,) reduced over the rows.      \
       xhat = (x - mean) * rstd,  g = dy * w                                                \
       dx = rstd * (g - mean_j(g) - xhat * mean_j(g * xhat))                                \
       dw = sum_rows dy * xhat,   db = sum_rows dy */                                       \
  X(layer_norm_backward, (DType dt, int64_t M, int64_t N, const void* dy, const void* x,    \
                          const void* mean, const void* rstd, const void* w, void* dx,      \
                          void* dw, void* db))

LAMINA_DECLARE_KERNELS(LAMINA_LAYERNORM_KERNELS)
