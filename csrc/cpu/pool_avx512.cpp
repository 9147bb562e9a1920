// The pooling kernels of pool_impl.h compiled with -mavx512f -mavx512dq -mavx512vl -mfma (set
// by CMake); chosen at run time by cpu/pool.cpp when cpu::isa() is AVX512.
#define LAMINA_CPU_NS avx512
#include "pool_impl.h"
