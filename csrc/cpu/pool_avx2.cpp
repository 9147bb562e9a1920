// The pooling kernels of pool_impl.h compiled with -mavx2 -mfma (set by CMake); chosen at run
// time by cpu/pool.cpp when cpu::isa() is AVX2.
#include "pool_impl.h"
