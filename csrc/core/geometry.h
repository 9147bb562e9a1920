#pragma once
// Geometry: the shared shape of an elementwise loop and each operand's strides (in elements,
// 0 for broadcast dims), with mergeable dims coalesced. Plain data: passed by value to CUDA
// kernels. Operand 0 is the output.
#include <cstdint>
#include <initializer_list>

#include "tensor.h"

namespace lamina {

constexpr int kMaxDims = 12;
constexpr int kMaxOperands = 4;

struct Geometry {
  int ndim = 0;
  int nops = 0;
  int64_t numel = 1;
  int64_t shape[kMaxDims];
  int64_t strides[kMaxOperands][kMaxDims];
};

// Strides of `t` seen through broadcasting to `shape` (right-aligned, 0 where t has size 1).
Shape broadcast_strides(const char* op, const Tensor& t, const Shape& shape);

// NumPy broadcasting of two shapes; throws "[op] shapes (..) and (..) cannot be broadcast".
Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b);

// Build the coalesced geometry of `shape` with per-operand strides (each of shape.size()).
Geometry make_geometry(const char* op, const Shape& shape,
                       std::initializer_list<const Shape*> strides);

}  // namespace lamina
