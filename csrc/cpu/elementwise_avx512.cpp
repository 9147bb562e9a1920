// The elementwise kernels compiled with -mavx512f -mavx512dq -mavx512vl -mfma (set on this file
// by CMake); chosen at run time by cpu/elementwise.cpp when cpu::isa() is AVX512. Same code as
// elementwise_avx2.cpp on 16-float / 8-double vectors (same bits per element).
#include <cstdint>
#include <type_traits>

#include "../core/op_kinds.h"
#include "vec_math_avx512.h"

namespace lamina::cpu::avx512 {
#include "elementwise_vec.h"
}  // namespace lamina::cpu::avx512

#define LAMINA_CPU_VEC_HOOKS
#define LAMINA_CPU_NS avx512
#include "elementwise_impl.h"
