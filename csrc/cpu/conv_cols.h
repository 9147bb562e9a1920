#pragma once
// im2col and its adding transpose for the implicit-GEMM convolution (conv.cpp), one block of
// output positions at a time. conv_cols.cpp walks the block once into runs along output rows
// and the valid columns of each run for every tap column (the bounds and their divisions,
// hoisted out of the copy loops); the copies are compiled once per ISA (conv_cols_impl.h), so
// the stride-2 gathers and scatters vectorize at each ISA's width.
#include <cstdint>

#include "../kernels/conv.h"

namespace lamina::cpu::conv_detail {

// A run of a block: positions [j, j + len) of the block, along output row oh from column ow0;
// ih0 = oh * sh - ph and iw0 = ow0 * sw - pw are the input row and column under tap (0, 0).
struct ColRun {
  int64_t j, len, ih0, iw0;
};

// A block's runs, and span[(k * S + s) * 2 + {0, 1}] = [lo, hi): the positions of run k whose
// tap column s lies inside the input row (the others read zero padding).
struct ColPlan {
  const ConvGeom* g;
  const ColRun* runs;
  int64_t nruns;
  const int64_t* span;
  int64_t pb;  // positions in the block (the row length of the column matrix)
};

// col (Kd, pb) row-major, Kd = cg * R * S: col[(ci, r, s), j] = x[ci, ih, iw] under position
// p0 + j (zero outside the image). x points at the group's first channel of the image.
template <class T>
void im2col(const ConvGeom& g, const T* x, int64_t cg, int64_t p0, int64_t pb, T* col);

// The transpose, adding: dx[ci, ih, iw] += dcol[(ci, r, s), j] for position p0 + j.
template <class T>
void col2im_add(const ConvGeom& g, const T* dcol, int64_t cg, int64_t p0, int64_t pb, T* dx);

}  // namespace lamina::cpu::conv_detail
