#pragma once
// The geometry of one 2-D convolution (NCHW input, (K, C / groups, R, S) weight, NCHW output),
// shared by the CPU kernels (cpu/conv.h) and their CUDA twins (cuda/conv.cu). Plain data.
#include <cstdint>

namespace lamina {

// Output (oh, ow) reads input rows ih = oh * sh - ph + r * dh and columns iw = ow * sw - pw +
// s * dw (r < R, s < S); positions outside [0, H) x [0, W) read zero. ph / pw are the top / left
// padding; the bottom / right padding only shows in OH / OW (asymmetric "same" padding), and any
// (even negative) ph / pw is handled by the bounds checks, which the backward-data path uses.
struct ConvGeom {
  int64_t N, C, H, W;   // input
  int64_t K, OH, OW;    // output channels and size
  int64_t R, S;         // kernel rows, columns
  int64_t sh, sw, ph, pw, dh, dw;
  int64_t groups;
};

}  // namespace lamina
