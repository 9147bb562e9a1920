// The plan of one block of output positions for im2col / col2im (conv_cols.h): its runs along
// output rows and each run's valid columns per tap column; the phase planes' geometry and tap
// offsets; then the per-ISA copies of conv_cols_impl.h (the generic copy is included here).
#include "conv_cols.h"

#include <algorithm>
#include <stdexcept>

#include "conv_cols_impl.h"
#include "conv_threads.h"
#include "isa.h"
#include "scratch.h"

// The per-ISA copies (conv_cols_impl.h; the generic copy is included above).
#define LAMINA_CONV_COLS                                                              \
  template <class T>                                                                  \
  void im2col(const conv_detail::ColPlan& pl, const T* x, int64_t cg, T* col);        \
  template <class T>                                                                  \
  void col2im_add(const conv_detail::ColPlan& pl, const T* dcol, int64_t cg, T* dx);  \
  template <class T>                                                                  \
  void split_phases(const ConvGeom& g, const conv_detail::Phases& ph, const T* x,     \
                    int64_t c0, int64_t c1, T* planes);                               \
  template <class T>                                                                  \
  void pack_cols(const ConvGeom& g, const conv_detail::Phases& ph, const T* planes,   \
                 const int64_t* off, int64_t Kd, int64_t p0, int64_t pb, int64_t kc,  \
                 int64_t nr, T* dst);
namespace lamina::cpu::avx2::conv_cols {
LAMINA_CONV_COLS
}
namespace lamina::cpu::avx512::conv_cols {
LAMINA_CONV_COLS
}
#undef LAMINA_CONV_COLS

namespace lamina::cpu {
namespace conv_detail {

namespace {

thread_local Scratch t_runs;  // a block's runs
thread_local Scratch t_span;  // their valid ranges per tap column
thread_local Scratch t_read;  // the phases taps read (Phases)
thread_local Scratch t_cols;  // the valid values of a plane row per column phase (Phases)

// Positions [p0, p0 + pb) as runs along output rows, and their valid columns.
ColPlan plan(const ConvGeom& g, int64_t p0, int64_t pb) {
  const int64_t most = pb / g.OW + 2;  // a partial row at each end
  ColRun* runs = t_runs.get<ColRun>(most);
  int64_t* span = t_span.get<int64_t>(most * g.S * 2);
  int64_t n = 0;
  for (int64_t j = 0, oh = p0 / g.OW, ow = p0 % g.OW; j < pb; ow = 0, ++oh, ++n) {
    const int64_t len = std::min(g.OW - ow, pb - j);
    runs[n] = ColRun{j, len, oh * g.sh - g.ph, ow * g.sw - g.pw};
    for (int64_t s = 0; s < g.S; ++s)
      valid_range(runs[n].iw0 + s * g.dw, g.sw, g.W, len, span[(n * g.S + s) * 2],
                  span[(n * g.S + s) * 2 + 1]);
    j += len;
  }
  return ColPlan{&g, runs, n, span, pb};
}

}  // namespace

template <class T>
void im2col(const ConvGeom& g, const T* x, int64_t cg, int64_t p0, int64_t pb, T* col) {
  LAMINA_ISA(conv_cols::im2col<T>)(plan(g, p0, pb), x, cg, col);
}

template <class T>
void col2im_add(const ConvGeom& g, const T* dcol, int64_t cg, int64_t p0, int64_t pb, T* dx) {
  LAMINA_ISA(conv_cols::col2im_add<T>)(plan(g, p0, pb), dcol, cg, dx);
}

Phases phases(const ConvGeom& g) {
  const int64_t hq = g.OH + (g.R - 1) * g.dh / g.sh, wq = g.OW + (g.S - 1) * g.dw / g.sw;
  bool* read = t_read.get<bool>(g.sh + g.sw);
  int64_t* cols = t_cols.get<int64_t>(2 * g.sw);
  std::fill(read, read + g.sh + g.sw, false);
  for (int64_t r = 0; r < g.R; ++r) read[r * g.dh % g.sh] = true;
  for (int64_t s = 0; s < g.S; ++s) read[g.sh + s * g.dw % g.sw] = true;
  for (int64_t qw = 0; qw < g.sw; ++qw)  // value j of the row is column j * sw + qw - pw
    valid_range(qw - g.pw, g.sw, g.W, wq, cols[2 * qw], cols[2 * qw + 1]);
  return Phases{hq, wq, read, read + g.sh, cols};
}

void tap_offsets(const ConvGeom& g, const Phases& ph, int64_t cg, int64_t* off) {
  for (int64_t ci = 0, k = 0; ci < cg; ++ci)
    for (int64_t r = 0; r < g.R; ++r)
      for (int64_t s = 0; s < g.S; ++s, ++k) {
        const int64_t plane = (ci * g.sh + r * g.dh % g.sh) * g.sw + s * g.dw % g.sw;
        off[k] = plane * ph.hq * ph.wq + r * g.dh / g.sh * ph.wq + s * g.dw / g.sw;
      }
}

template <class T>
void split_phases(const ConvGeom& g, const Phases& ph, const T* x, int64_t c0, int64_t c1,
                  T* planes) {
  LAMINA_ISA(conv_cols::split_phases<T>)(g, ph, x, c0, c1, planes);
}

template <class T>
void pack_cols(const ConvGeom& g, const Phases& ph, const T* planes, const int64_t* off,
               int64_t Kd, int64_t p0, int64_t pb, int64_t kc, int64_t nr, T* dst) {
  if (nr != 4 && nr != 8 && nr != 16 && nr != 32) throw std::logic_error("conv2d: panel width");
  LAMINA_ISA(conv_cols::pack_cols<T>)(g, ph, planes, off, Kd, p0, pb, kc, nr, dst);
}

template void im2col<float>(const ConvGeom&, const float*, int64_t, int64_t, int64_t, float*);
template void im2col<double>(const ConvGeom&, const double*, int64_t, int64_t, int64_t,
                             double*);
template void col2im_add<float>(const ConvGeom&, const float*, int64_t, int64_t, int64_t,
                                float*);
template void col2im_add<double>(const ConvGeom&, const double*, int64_t, int64_t, int64_t,
                                 double*);
template void split_phases<float>(const ConvGeom&, const Phases&, const float*, int64_t, int64_t,
                                  float*);
template void split_phases<double>(const ConvGeom&, const Phases&, const double*, int64_t,
                                   int64_t, double*);
template void pack_cols<float>(const ConvGeom&, const Phases&, const float*, const int64_t*,
                               int64_t, int64_t, int64_t, int64_t, int64_t, float*);
template void pack_cols<double>(const ConvGeom&, const Phases&, const double*, const int64_t*,
                                int64_t, int64_t, int64_t, int64_t, int64_t, double*);

}  // namespace conv_detail
}  // namespace lamina::cpu
