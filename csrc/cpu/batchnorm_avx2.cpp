// The batch-norm kernels of batchnorm_impl.h compiled with -mavx2 -mfma (set by CMake); chosen
// at run time by cpu/batchnorm.cpp when cpu::isa() is AVX2.
#define LAMINA_CPU_NS avx2
#include "batchnorm_impl.h"
