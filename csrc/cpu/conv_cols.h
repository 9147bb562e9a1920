#pragma once
// The columns of the implicit-GEMM convolution (conv.cpp), one block of output positions at a
// time, and the copies behind them, compiled once per ISA (conv_cols_impl.h) so the stride-2
// gathers and scatters vectorize at each ISA's width:
// - im2col and its adding transpose col2im: conv_cols.cpp walks the block once into runs
//   along output rows and the valid columns of each run for every tap column (the bounds and
//   their divisions, hoisted out of the copy loops);
// - the forward's columns packed straight into the GEMM's B panels (pack_b's layout, gemm.h)
//   from phase planes: the input of an image split once by stride phase and zero padded, so
//   every tap of a run of positions is one unit-stride copy, with no bounds and no column
//   matrix in between.
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

// The phase planes of one (image, group): for every input channel ci and stride phase
// (qh < sh, qw < sw) a plane of hq x wq values, plane (ci, qh, qw) at
// ((ci * sh + qh) * sw + qw) * hq * wq, value (i, j) = x[ci, i * sh + qh - ph, j * sw + qw - pw]
// (zero outside the image). Tap (r, s) of output (oh, ow) is value (oh + r * dh / sh,
// ow + s * dw / sw) of plane (ci, r * dh % sh, s * dw % sw). Phases no tap reads stay unset.
struct Phases {
  int64_t hq, wq;
  const bool* row_read;  // [qh < sh]: whether a tap reads row phase qh; col_read: [qw < sw]
  const bool* col_read;
  const int64_t* cols;   // [lo, hi) = cols[2 * qw], cols[2 * qw + 1]: the values of a row of
                         // column phase qw inside the image
  int64_t elems(int64_t cg, const ConvGeom& g) const { return cg * g.sh * g.sw * hq * wq; }
};
// The tables point into the calling thread's scratch until its next call.
Phases phases(const ConvGeom& g);

// Planes of channels [c0, c1) (x points at the group's first channel of the image).
template <class T>
void split_phases(const ConvGeom& g, const Phases& ph, const T* x, int64_t c0, int64_t c1,
                  T* planes);

// off[k] for k = (ci, r, s) < cg * R * S: where tap k of output (0, 0) lies in the planes.
void tap_offsets(const ConvGeom& g, const Phases& ph, int64_t cg, int64_t* off);

// Columns of positions [p0, p0 + pb) over k < Kd (off from tap_offsets) packed as the GEMM's
// B operand: nr-wide panels in blocks of kc rows (gemm.h pack_b): row k of panel j (a multiple
// of nr) at dst + (k / kc * kc) * npad + j * kcb + (k % kc) * nr, kcb = min(kc, Kd - k / kc * kc),
// npad = pb rounded up to nr, columns past pb zero.
template <class T>
void pack_cols(const ConvGeom& g, const Phases& ph, const T* planes, const int64_t* off,
               int64_t Kd, int64_t p0, int64_t pb, int64_t kc, int64_t nr, T* dst);

}  // namespace lamina::cpu::conv_detail
