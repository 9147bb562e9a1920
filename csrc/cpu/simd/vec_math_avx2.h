#pragma once
// AVX2+FMA vector math for the CPU kernels (include only from *_avx2.cpp files): the shared
// algorithms of vec_math_impl.h over the 8-float / 4-double types of simd_avx2.h, plus the
// __m256 / __m256d names the kernels call. vec_math_avx512.h is the same on 16 / 8 lanes.
#include "avx2.h"

namespace lamina::cpu::avx2::vm {

#include "vec_math_impl.h"

inline __m256 exp_ps(__m256 x) { return exp_f(x); }
inline __m256 log_ps(__m256 x) { return log_f(x); }
inline __m256 sigmoid_ps(__m256 x) { return sigmoid_f(x); }
inline __m256 tanh_ps(__m256 x) { return tanh_f(x); }
inline __m256 gelu_ps(__m256 x) { return gelu_f(x); }
inline __m256 gelu_grad_ps(__m256 x, __m256 dy) { return gelu_grad_f(x, dy); }
inline __m256 abs_ps(__m256 x) { return simd::F::abs(x); }
inline __m256d exp_pd(__m256d x) { return exp_d(x); }
inline __m256d sigmoid_pd(__m256d x) { return sigmoid_d(x); }

}  // namespace lamina::cpu::avx2::vm
