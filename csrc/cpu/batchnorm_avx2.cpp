// The batch-norm kernels of batchnorm_impl.h compiled with -mavx2 -mfma (set by CMake); chosen
// at run time by cpu/batchnorm.cpp when cpu::isa() is AVX2.
#include "batchnorm_impl.h"
