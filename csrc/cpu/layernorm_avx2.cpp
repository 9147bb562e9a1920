// The LayerNorm row kernels compiled with -mavx2 -mfma (set on this file by CMake); chosen at
// run time by cpu/layernorm.cpp when cpu::isa() is AVX2. Code in layernorm_impl.h.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "simd_avx2.h"

namespace lamina::cpu::avx2 {
#include "layernorm_impl.h"
}  // namespace lamina::cpu::avx2
