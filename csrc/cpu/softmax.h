#pragma once
// CPU-internal row helpers of the softmax kernels (contract: kernels/softmax.h), shared with
// cpu/loss.cpp. Each ISA's copy lives in softmax_impl.h; the unqualified lamina::cpu names run
// the copy of the widest ISA allowed (softmax.cpp).
#include <cstdint>

#include "../core/dtype.h"
#include "../kernels/softmax.h"

// X(T) declares, for scalar type T:
//   row_max: max of x (n,);  exp_shift_sum: y = exp(x - m) (y may be null), returns the sum
//   in double;  scaled_exp: y = a * exp((x - l) - lo)  (l + lo: a max or lse split in two)
//   softmax_row / softmax_row_backward: one contiguous row of (log_)softmax and its gradient
//   softmax_cols / softmax_cols_backward: columns [0, n) of an (R, I) block with row stride I,
//   the softmax taken down each column; m (n,) and s (n,) scratch
#define LAMINA_SOFTMAX_ROWS(T)                                                 \
  T row_max(const T* x, int64_t n);                                            \
  double exp_shift_sum(const T* x, T* y, int64_t n, T m);                      \
  void scaled_exp(const T* x, T* y, int64_t n, T l, T lo, T a);                \
  void softmax_row(int64_t R, const T* x, T* y, bool log);                     \
  void softmax_row_backward(int64_t R, const T* y, const T* dy, T* dx, bool log);        \
  void softmax_cols(int64_t R, int64_t I, int64_t n, const T* x, T* y, bool log, T* m,  \
                    double* s);                                                         \
  void softmax_cols_backward(int64_t R, int64_t I, int64_t n, const T* y, const T* dy,  \
                             T* dx, bool log, double* s);

namespace lamina::cpu {
LAMINA_SOFTMAX_ROWS(float)
LAMINA_SOFTMAX_ROWS(double)
namespace generic { LAMINA_SOFTMAX_ROWS(float) LAMINA_SOFTMAX_ROWS(double) }
namespace avx2 { LAMINA_SOFTMAX_ROWS(float) LAMINA_SOFTMAX_ROWS(double) }
namespace avx512 { LAMINA_SOFTMAX_ROWS(float) LAMINA_SOFTMAX_ROWS(double) }
}  // namespace lamina::cpu
