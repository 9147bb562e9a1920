#pragma once
// Direct convolution for layers with few input channels per group (the first layer of an
// image network: 3 channels, 3x3 or the 7x7 stride-2 stem). The implicit GEMM's depth there
// is only C * R * S (27, 147), so its packing and column copies cost more than its multiplies;
// here the output columns are the vector lanes and the input is read in place from padded
// rows (conv_direct.cpp drives, conv_direct_impl.h holds the per-ISA rows). Forward only: the
// weight gradient of such a layer is a GEMM of ordinary depth, and its data gradient is the
// forward of the flipped weight, whose input channels are this layer's outputs.
#include <cstdint>

#include "../kernels/conv.h"

namespace lamina::cpu::conv_detail {

// At most this many input channels a group, at least kKB output channels a group.
constexpr int64_t kDirectMaxChannels = 4;
constexpr int64_t kKB = 8;  // output channels a register tile; the weight is packed per kKB

inline bool use_direct(const ConvGeom& g) {
  return g.C / g.groups <= kDirectMaxChannels && g.K / g.groups >= kKB;
}

// y = conv(x, w) + bias (bias may be null), contiguous NCHW.
template <class T>
void direct_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y);

// One band of output rows [oh0, oh1) of one (image, group), for the per-ISA rows().
template <class T>
struct DirectRows {
  const T* xb;          // padded input: phase row q of padded row rr of channel c at
                        // (c * nr + rr) * rs + q * wq; padded row rr is input row
                        // oh0 * sh - ph + rr, value j of phase q is column j * sw + q - pw
  int64_t nr, rs;       // padded rows per channel, elements per padded row (sw * wq)
  const int64_t* soff;  // tap column s reads from soff[s] = (s * dw) % sw * wq + (s * dw) / sw
  const T* wp;          // weight [ceil(Kg / kKB)][Cg][R][S][kKB], zero past Kg
  const T* bias;        // the group's bias, or null
  T* y;                 // the group's output planes of this image (Kg, OH, OW)
  int64_t Cg, Kg, R, S, sh, dh, OH, OW, oh0, oh1;
};

}  // namespace lamina::cpu::conv_detail
