#pragma once
// Scans along the middle axis of a contiguous (O, R, I) block (ops/scan.cpp moves the scanned
// dim there): cumsum, cumprod, and cumprod's gradient.
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

namespace lamina {
enum class ScanOp : int8_t { Sum, Prod };
}  // namespace lamina

#define LAMINA_SCAN_KERNELS(X)                                                             \
  /* x, y (O, R, I) contiguous, float32, float64 or int64 (op decides + or *):              \
       y[o, r, i] = x[o, 0, i] op ... op x[o, r, i]                                         \
       reverse: y[o, r, i] = x[o, r, i] op ... op x[o, R - 1, i]                            \
     Floating scans accumulate in double. */                                                \
  X(scan, (ScanOp op, DType dt, int64_t O, int64_t R, int64_t I, bool reverse,             \
           const void* x, void* y))                                                         \
  /* The gradient of y = cumprod(x) along R, exact when x holds zeros; x, y, dy, dx         \
     (O, R, I) contiguous, float32 or float64:                                              \
       dx[k] = sum_{j >= k} dy[j] prod_{i <= j, i != k} x[i]                                \
     Before a column's first zero z this is revcumsum(dy y)[k] / x[k]; at z it is           \
     y[z - 1] sum_{j >= z} dy[j] prod_{z < i <= j} x[i]; after z it is 0. */                \
  X(cumprod_backward, (DType dt, int64_t O, int64_t R, int64_t I, const void* x,           \
                       const void* y, const void* dy, void* dx))

LAMINA_DECLARE_KERNELS(LAMINA_SCAN_KERNELS)
