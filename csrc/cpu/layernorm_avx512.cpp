// The LayerNorm row kernels compiled with -mavx512f -mavx512dq -mavx512vl -mfma (set on this
// file by CMake); chosen at run time by cpu/layernorm.cpp when cpu::isa() is AVX512. Code in
// layernorm_impl.h, on 16-float / 8-double vectors.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>

#include "simd_avx512.h"

namespace lamina::cpu::avx512 {
#include "layernorm_impl.h"
}  // namespace lamina::cpu::avx512
