// Fused softmax / log_softmax: one read for the max, one for exp + sum (writing exp), one to
// scale. A row holding +inf, or only -inf, gives NaN, as in torch. Rows (I == 1) run one per
// task with contiguous inner loops; strided softmax dims (I > 1) run a block of columns per
// task, the inner loops over those contiguous columns.
#include "softmax.h"
#include "softmax_impl.h"  // the generic copy of the row kernels

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../core/parallel.h"
#include "loops.h"
#include "isa.h"

namespace lamina::cpu {

namespace {

template <typename T>
void forward_t(int64_t O, int64_t R, int64_t I, const T* x, T* y, bool log) {
  if (I == 1) {
    parallel_for(0, O, grain_for(16384, R),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) LAMINA_ISA(softmax_row(R, x + o * R, y + o * R, log));
    });
    return;
  }
  for_column_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t n) {
    T m[kCols];
    double s[kCols];
    const int64_t off = o * R * I + i0;
    LAMINA_ISA(softmax_cols(R, I, n, x + off, y + off, log, m, s));
  });
}

template <typename T>
void backward_t(int64_t O, int64_t R, int64_t I, const T* y, const T* dy, T* dx, bool log) {
  if (I == 1) {
    parallel_for(0, O, grain_for(16384, R),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o)
        LAMINA_ISA(softmax_row_backward(R, y + o * R, dy + o * R, dx + o * R, log));
    });
    return;
  }
  for_column_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t n) {
    double s[kCols];
    const int64_t off = o * R * I + i0;
    LAMINA_ISA(softmax_cols_backward(R, I, n, y + off, dy + off, dx + off, log, s));
  });
}

}  // namespace

void softmax_forward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y,
                     bool log) {
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax" : "softmax", [&] {
    forward_t<scalar_t>(O, R, I, typed<scalar_t>(x), typed<scalar_t>(y), log);
  });
}

void softmax_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* y, const void* dy,
                      void* dx, bool log) {
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax_backward" : "softmax_backward", [&] {
    backward_t<scalar_t>(O, R, I, typed<scalar_t>(y),
                         typed<scalar_t>(dy), typed<scalar_t>(dx), log);
  });
}

// The row helpers of the widest ISA allowed (loss.cpp's cross-entropy uses them).
#define LAMINA_SM_DISPATCH(T)                                                              \
  T row_max(const T* x, int64_t n) { return LAMINA_ISA(row_max(x, n)); }                   \
  double exp_shift_sum(const T* x, T* y, int64_t n, T m) {                                 \
    return LAMINA_ISA(exp_shift_sum(x, y, n, m));                                          \
  }                                                                                        \
  void scaled_exp(const T* x, T* y, int64_t n, T l, T lo, T a) {                           \
    LAMINA_ISA(scaled_exp(x, y, n, l, lo, a));                                             \
  }                                                                                        \
  void softmax_row(int64_t R, const T* x, T* y, bool log) {                                \
    LAMINA_ISA(softmax_row(R, x, y, log));                                                 \
  }                                                                                        \
  void softmax_row_backward(int64_t R, const T* y, const T* dy, T* dx, bool log) {         \
    LAMINA_ISA(softmax_row_backward(R, y, dy, dx, log));                                   \
  }                                                                                        \
  void softmax_cols(int64_t R, int64_t I, int64_t n, const T* x, T* y, bool log, T* m,     \
                    double* s) {                                                           \
    LAMINA_ISA(softmax_cols(R, I, n, x, y, log, m, s));                                    \
  }                                                                                        \
  void softmax_cols_backward(int64_t R, int64_t I, int64_t n, const T* y, const T* dy,     \
                             T* dx, bool log, double* s) {                                 \
    LAMINA_ISA(softmax_cols_backward(R, I, n, y, dy, dx, log, s));                         \
  }
LAMINA_SM_DISPATCH(float)
LAMINA_SM_DISPATCH(double)
#undef LAMINA_SM_DISPATCH

}  // namespace lamina::cpu
