#pragma once
// AVX-512 vector math for the CPU kernels (include only from *_avx512.cpp files): the shared
// algorithms of vec_math_impl.h over the 16-float / 8-double types of simd_avx512.h, so that
// each lane gets the same bits as on the AVX2 path.
#include "avx512.h"

namespace lamina::cpu::avx512::vm {

#include "vec_math_impl.h"

}  // namespace lamina::cpu::avx512::vm
