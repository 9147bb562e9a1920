// AVX-512 row helpers of the attention kernels (attention_rows_impl.h over simd_avx512.h).
#include <cmath>
#include <cstdint>

#include "simd/vec_math_avx512.h"

namespace lamina::cpu::avx512::attn_rows {
namespace simd = avx512::simd;
namespace vm = avx512::vm;
#include "attention_rows_impl.h"
}  // namespace lamina::cpu::avx512::attn_rows
