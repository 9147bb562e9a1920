#pragma once
// Sorting along the middle axis of a contiguous (O, R, I) block (ops/sort.cpp moves the sorted
// dim there): sort, argsort and topk are one kernel that writes the first k of each column's
// order.
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_SORT_KERNELS(X)                                                             \
  /* x (O, R, I) contiguous, float32, float64 or int64; values (O, k, I) (same dtype) and   \
     indices (O, k, I) int64, contiguous, 0 < k <= R: for every column (o, i), the k first  \
     (r, x[o, r, i]) in the order                                                           \
       ascending:  smaller values first; NaN after every number                             \
       descending: larger values first; NaN before every number                             \
     equal values (and NaNs) in ascending r, so the order is total and a full sort is the   \
     stable sort. values may be null (indices only). */                                     \
  X(sort, (DType dt, int64_t O, int64_t R, int64_t I, int64_t k, bool descending,          \
           const void* x, void* values, int64_t* indices))

LAMINA_DECLARE_KERNELS(LAMINA_SORT_KERNELS)
