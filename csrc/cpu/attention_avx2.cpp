// AVX2 + FMA row helpers of the attention kernels (attention_rows_impl.h over simd_avx2.h).
#include <cmath>
#include <cstdint>

#include "simd/vec_math_avx2.h"

namespace lamina::cpu::avx2::attn_rows {
namespace simd = avx2::simd;
namespace vm = avx2::vm;
#include "attention_rows_impl.h"
}  // namespace lamina::cpu::avx2::attn_rows
