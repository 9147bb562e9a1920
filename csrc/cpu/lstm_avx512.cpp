// The fused LSTM cell on AVX-512 (16 floats / 8 doubles), compiled with this path's
// flags by CMake and chosen at run time by lstm.cpp (the code: lstm_cell_simd.h).
#include <cstdint>

#include "lstm_cell.h"
#include "simd/vec_math_avx512.h"

namespace lamina::cpu::lstm::avx512 {
namespace simd = ::lamina::cpu::avx512::simd;
namespace vm = ::lamina::cpu::avx512::vm;
#include "lstm_cell_simd.h"
}  // namespace lamina::cpu::lstm::avx512
