#pragma once
// Indexing kernels. Indices are int64 and already range-checked by ops/index.cpp.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/geometry.h"
#include "kernel.h"

#define LAMINA_INDEX_KERNELS(X)                                                            \
  /* in (O, S, I) contiguous; index (n); out (O, n, I) = in[:, index, :] */                 \
  X(index_select, (DType dt, int64_t O, int64_t S, int64_t I, int64_t n, const void* in,    \
                   const int64_t* index, void* out))                                        \
  /* out (O, S, I) contiguous; out[:, index[j], :] += src[:, j, :] for src (O, n, I) */     \
  X(index_add, (DType dt, int64_t O, int64_t S, int64_t I, int64_t n, void* out,            \
                const int64_t* index, const void* src))                                     \
  /* g over (out, index, in) with in's stride along `dim` set to 0:                         \
       out[p] = in[q + index[p] * dim_stride] */                                            \
  X(gather, (DType dt, const Geometry& g, int64_t dim_stride, void* out,                    \
             const int64_t* index, const void* in))                                         \
  /* g over (src, index, out) with out's stride along `dim` set to 0:                       \
       out[q + index[p] * dim_stride] += src[p]   (accumulate)                              \
       out[q + index[p] * dim_stride] = src[p]    (else; with repeated targets the CPU      \
       keeps the last source in index order, CUDA any one of them, as torch) */             \
  X(scatter, (DType dt, const Geometry& g, int64_t dim_stride, void* out,                   \
              const int64_t* index, const void* src, bool accumulate))

LAMINA_DECLARE_KERNELS(LAMINA_INDEX_KERNELS)
