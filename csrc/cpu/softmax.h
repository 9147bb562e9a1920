#pragma once
// Fused softmax / log_softmax CPU kernels over the middle axis of a contiguous (O, R, I) block
// (ops/softmax.cpp moves the softmax dim there). Twins in cuda/softmax.cu.
#include <cstdint>

#include "../core/dtype.h"

namespace lamina::cpu {

// x (O, R, I) contiguous; y (O, R, I) contiguous.
//   softmax:     y = exp(x - m) / sum_r exp(x - m),  m = max_r x
//   log_softmax: y = x - m - log sum_r exp(x - m)
void softmax_forward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y, bool log);

// y, dy, dx (O, R, I) contiguous; y is the forward output.
//   softmax:     dx = y * (dy - sum_r dy * y)
//   log_softmax: dx = dy - exp(y) * sum_r dy
void softmax_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* y, const void* dy,
                      void* dx, bool log);

// Row helpers shared with loss.cpp, AVX2 (softmax_avx2.cpp) when cpu::path() allows:
//   row_max: max of x (n,);  exp_shift_sum: y = exp(x - m) (y may be null), returns the sum
//   in double;  scaled_exp: y = a * exp((x - l) - lo)  (l + lo: a max or lse split in two)
float row_max(const float* x, int64_t n);
double row_max(const double* x, int64_t n);
double exp_shift_sum(const float* x, float* y, int64_t n, float m);
double exp_shift_sum(const double* x, double* y, int64_t n, double m);
void scaled_exp(const float* x, float* y, int64_t n, float l, float lo, float a);
void scaled_exp(const double* x, double* y, int64_t n, double l, double lo, double a);

}  // namespace lamina::cpu
