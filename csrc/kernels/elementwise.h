#pragma once
// Elementwise kernels. Geometry operand 0 is the output; inputs follow in order. The ops are
// the lists of core/op_kinds.h; their arithmetic is core/functors.h, shared by both devices.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/geometry.h"
#include "../core/op_kinds.h"
#include "kernel.h"

#define LAMINA_ELEMENTWISE_KERNELS(X)                                                      \
  /* out[i] = value                                   g: (out) */                           \
  X(fill, (DType dt, const Geometry& g, void* out, double value))                           \
  /* out[i] = (out_dt) in[i]                          g: (out, in) */                       \
  X(cast, (DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in))        \
  /* out[i] = op(in[i]; p0, p1)                       g: (out, in), both dtype dt */        \
  X(unary, (UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,  \
            double p1))                                                                     \
  /* out[i] = op(a[i], b[i]; p0, p1); out is bool for comparisons, dt otherwise            \
                                                      g: (out, a, b) */                     \
  X(binary, (BinaryOp op, DType dt, const Geometry& g, void* out, const void* a,            \
             const void* b, double p0, double p1))                                          \
  /* out[i] = cond[i] ? a[i] : b[i]                   g: (out, cond, a, b) */               \
  X(where, (DType dt, const Geometry& g, void* out, const bool* cond, const void* a,        \
            const void* b))                                                                 \
  /* out[i] = start + i * step, i < n (contiguous) */                                       \
  X(arange, (DType dt, int64_t n, void* out, double start, double step))

LAMINA_DECLARE_KERNELS(LAMINA_ELEMENTWISE_KERNELS)
