#pragma once
// Row helpers of the attention kernels (attention.cpp): contiguous rows of n elements.
// AVX-512 copies in attention_avx512.cpp, chosen at run time; portable ones in
// attention_rows.cpp.
#include <cstdint>

namespace lamina::cpu::rows {
#include "attention_rows_decl.h"

}  // namespace lamina::cpu::rows
