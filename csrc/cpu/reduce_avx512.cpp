// The reduction kernels compiled with -mavx512f -mavx512dq -mavx512vl -mfma (set on this file
// by CMake); chosen at run time by cpu/reduce.cpp when cpu::isa() is AVX512. Same code as
// reduce_avx2.cpp on 16-float / 8-double vectors (sums add in a different order).
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "vec_math_avx512.h"

namespace lamina::cpu::avx512 {
#include "reduce_vec.h"
}  // namespace lamina::cpu::avx512

#define LAMINA_CPU_VEC_HOOKS
#define LAMINA_CPU_NS avx512
#include "reduce_impl.h"
