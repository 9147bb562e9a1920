#pragma once
// 2-D convolution: NCHW input, (K, C / groups, R, S) weight, NCHW output, all contiguous,
// float32 or float64. Implicit GEMMs on the packed GEMM on the CPU (cpu/conv.cpp), tiled
// implicit GEMMs on CUDA (cuda/conv.cu).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

namespace lamina {

// The geometry of one convolution, plain data. Output (oh, ow) reads input rows
// ih = oh * sh - ph + r * dh and columns iw = ow * sw - pw + s * dw (r < R, s < S); positions
// outside [0, H) x [0, W) read zero. ph / pw are the top / left padding; the bottom / right
// padding only shows in OH / OW (asymmetric "same" padding), and any (even negative) ph / pw
// is handled by the bounds checks, which the backward-data path uses.
struct ConvGeom {
  int64_t N, C, H, W;   // input
  int64_t K, OH, OW;    // output channels and size
  int64_t R, S;         // kernel rows, columns
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t groups;
};

}  // namespace lamina

#define LAMINA_CONV_KERNELS(X)                                                             \
  /* y (N, K, OH, OW) = conv(x (N, C, H, W), w) (+ bias (K,) when not null) */              \
  X(conv2d_forward, (DType dt, const ConvGeom& g, const void* x, const void* w,             \
                     const void* bias, void* y))                                            \
  /* dx (N, C, H, W) = the gradient of the input for dy (N, K, OH, OW) */                   \
  X(conv2d_backward_data, (DType dt, const ConvGeom& g, const void* dy, const void* w,      \
                           void* dx))                                                       \
  /* dw (K, C / groups, R, S) = the gradient of the weight for input x and dy */            \
  X(conv2d_backward_weight, (DType dt, const ConvGeom& g, const void* x, const void* dy,    \
                             void* dw))                                                     \
  /* db (K,) = dy summed over N, OH, OW */                                                  \
  X(conv2d_backward_bias, (DType dt, const ConvGeom& g, const void* dy, void* db))

LAMINA_DECLARE_KERNELS(LAMINA_CONV_KERNELS)
