#pragma once
// Elementwise CPU kernels. Geometry operand 0 is the output; inputs follow in order.
// Each has a CUDA twin of the same signature in cuda/cuda.h.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/geometry.h"
#include "../core/op_kinds.h"

namespace lamina::cpu {

// out[i] = value                                   g: (out)
void fill(DType dt, const Geometry& g, void* out, double value);
// out[i] = (out_dt) in[i]                          g: (out, in)
void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in);
// out[i] = op(in[i]; p0, p1)                       g: (out, in), both dtype dt
void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1);
// out[i] = op(a[i], b[i]); out is bool for comparisons, dt otherwise    g: (out, a, b)
void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b);
// out[i] = cond[i] ? a[i] : b[i]                   g: (out, cond, a, b)
void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b);
// out[i] = start + i * step, i < n (contiguous)
void arange(DType dt, int64_t n, void* out, double start, double step);

}  // namespace lamina::cpu
