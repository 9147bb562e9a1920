// The elementwise kernels compiled with -mavx2 -mfma (set on this file by CMake); chosen at
// run time by cpu/elementwise.cpp when cpu::isa() is AVX2. The transcendental ops of float (and
// exp/sigmoid of double) go through the vector math of vec_math_avx2.h (elementwise_vec.h);
// everything else is the shared body of elementwise_impl.h, auto-vectorised with these flags.
#include <cstdint>
#include <type_traits>

#include "../core/op_kinds.h"
#include "vec_math_avx2.h"

namespace lamina::cpu::avx2 {
#include "elementwise_vec.h"
}  // namespace lamina::cpu::avx2

#define LAMINA_CPU_VEC_HOOKS
#define LAMINA_CPU_NS avx2
#include "elementwise_impl.h"
