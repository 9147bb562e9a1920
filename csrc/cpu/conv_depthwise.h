#pragma once
// Depthwise-style convolutions (one input channel per group, few outputs per group) as direct
// plane loops: the implicit GEMM of conv.cpp would run its 12 x 32 micro-kernel with one or two
// useful columns. Called by conv.cpp when use_depthwise(g); contiguous NCHW operands.
#include "../core/dtype.h"
#include "../kernels/conv.h"

namespace lamina::cpu::conv_detail {

// One input channel per group and fewer than 8 outputs per group.
inline bool use_depthwise(const ConvGeom& g) {
  return g.C == g.groups && g.K / g.groups < 8;
}

template <class T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);
template <class T>
void depthwise_backward_data(const ConvGeom& g, const T* dy, const T* w, T* dx);
template <class T>
void depthwise_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw);

}  // namespace lamina::cpu::conv_detail
