// The batch-norm kernels of batchnorm_impl.h compiled with -mavx512f -mavx512dq -mavx512vl
// -mfma (set by CMake); chosen at run time by cpu/batchnorm.cpp when cpu::isa() is AVX512.
#include "batchnorm_impl.h"
