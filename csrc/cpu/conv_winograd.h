#pragma once
// 3x3 stride-1 convolutions by Winograd's minimal filtering F(2x2, 3x3) (conv_winograd.cpp):
// 2.25x fewer multiplies than the implicit GEMM, the rest of the work in the same packed GEMM
// kernels. Called by conv.cpp when use_winograd(g) (the forward, and the backward-data of a
// stride-1 conv, which is the forward of the flipped weight, and the weight gradient);
// contiguous NCHW operands.
#include "../kernels/conv.h"
#include "gemm.h"

namespace lamina::cpu::conv_detail {

// Channels per group from which the 16 small GEMMs (depth C) are used instead of the implicit
// GEMM's one (depth 9C). Not tuned: measured only that C = 32..256 gains (1.3-2x on Zen 5) and
// that the 3-channel first layers must stay on the implicit GEMM; 16 lies between, untested.
constexpr int64_t kWinogradMinChannels = 16;

// 3x3, stride 1, no dilation, enough input and output channels per group.
inline bool use_winograd(const ConvGeom& g) {
  return g.R == 3 && g.S == 3 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 &&
         g.C / g.groups >= kWinogradMinChannels && g.K / g.groups >= kWinogradMinChannels;
}

template <class T>
void winograd_forward(const gemm_kernels::Kernel& kern, const ConvGeom& g, const T* x,
                      const T* w, const T* bias, T* y);
// dw = the weight gradient for input x and output gradient dy, by the same transforms:
//   dw[k, c] = G^T [ sum over tiles t of (A dy_t A^T) .* (B^T x_t B) ] G
template <class T>
void winograd_backward_weight(const gemm_kernels::Kernel& kern, const ConvGeom& g, const T* x,
                              const T* dy, T* dw);

}  // namespace lamina::cpu::conv_detail
