#pragma once
// 2-D convolution CPU kernels (conv.cpp): implicit GEMMs on the packed GEMM of gemm.h. Twins in
// cuda/conv.cu. All tensors contiguous NCHW / (K, C / groups, R, S), float32 or float64.
#include <cstdint>

#include "../core/dtype.h"
#include "conv_geom.h"

namespace lamina::cpu {

// y (N, K, OH, OW) = conv(x (N, C, H, W), w) (+ bias (K,) when not null)
void conv2d_forward(DType dt, const ConvGeom& g, const void* x, const void* w, const void* bias,
                    void* y);
// dx (N, C, H, W) = the gradient of the input for dy (N, K, OH, OW)
void conv2d_backward_data(DType dt, const ConvGeom& g, const void* dy, const void* w, void* dx);
// dw (K, C / groups, R, S) = the gradient of the weight for input x and dy
void conv2d_backward_weight(DType dt, const ConvGeom& g, const void* x, const void* dy, void* dw);
// db (K,) = dy summed over N, OH, OW
void conv2d_backward_bias(DType dt, const ConvGeom& g, const void* dy, void* db);

}  // namespace lamina::cpu
