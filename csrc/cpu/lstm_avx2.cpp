// The fused LSTM cell on AVX2+FMA (8 floats / 4 doubles), compiled with this path's
// flags by CMake and chosen at run time by lstm.cpp (the code: lstm_cell_simd.h).
#include <cstdint>

#include "lstm_cell.h"
#include "simd/vec_math_avx2.h"

namespace lamina::cpu::lstm::avx2 {
namespace simd = ::lamina::cpu::avx2::simd;
namespace vm = ::lamina::cpu::avx2::vm;
#include "lstm_cell_simd.h"
}  // namespace lamina::cpu::lstm::avx2
