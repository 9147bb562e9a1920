// The reduction kernels compiled with -mavx2 -mfma (set on this file by CMake); chosen at run
// time by cpu/reduce.cpp when cpu::isa() is AVX2. Row sums, max/min and logsumexp's
// exponentials take the vector code of reduce_vec.h; the rest is the shared body of
// reduce_impl.h, auto-vectorised with these flags.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "vec_math_avx2.h"

namespace lamina::cpu::avx2 {
#include "reduce_vec.h"
}  // namespace lamina::cpu::avx2

#define LAMINA_CPU_VEC_HOOKS
#define LAMINA_CPU_NS avx2
#include "reduce_impl.h"
