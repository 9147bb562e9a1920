#pragma once
// Fused softmax / log_softmax over the middle axis of a contiguous (O, R, I) block
// (ops/softmax.cpp moves the softmax dim there).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_SOFTMAX_KERNELS(X)                                                          \
  /* x (O, R, I) contiguous; y (O, R, I) contiguous.                                        \
       softmax:     y = exp(x - m) / sum_r exp(x - m),  m = max_r x                         \
       log_softmax: y = x - m - log sum_r exp(x - m) */                                     \
  X(softmax_forward, (DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y,    \
                      bool log))                                                            \
  /* y, dy, dx (O, R, I) contiguous; y is the forward output.                               \
       softmax:     dx = y * (dy - sum_r dy * y)                                            \
       log_softmax: dx = dy - exp(y) * sum_r dy */                                          \
  X(softmax_backward, (DType dt, int64_t O, int64_t R, int64_t I, const void* y,            \
                       const void* dy, void* dx, bool log))

LAMINA_DECLARE_KERNELS(LAMINA_SOFTMAX_KERNELS)
