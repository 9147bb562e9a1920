#pragma once
// CPU-internal helpers of the softmax kernels (contract: kernels/softmax.h), shared with
// cpu/loss.cpp.
#include <cstdint>

#include "../core/dtype.h"
#include "../kernels/softmax.h"

namespace lamina::cpu {

// Row helpers shared with loss.cpp, AVX2 (softmax_avx2.cpp) unless cpu::isa() is Generic:
//   row_max: max of x (n,);  exp_shift_sum: y = exp(x - m) (y may be null), returns the sum
//   in double;  scaled_exp: y = a * exp((x - l) - lo)  (l + lo: a max or lse split in two)
float row_max(const float* x, int64_t n);
double row_max(const double* x, int64_t n);
double exp_shift_sum(const float* x, float* y, int64_t n, float m);
double exp_shift_sum(const double* x, double* y, int64_t n, double m);
void scaled_exp(const float* x, float* y, int64_t n, float l, float lo, float a);
void scaled_exp(const double* x, double* y, int64_t n, double l, double lo, double a);

}  // namespace lamina::cpu
