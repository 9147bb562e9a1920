// The elementwise kernels of elementwise_impl.h compiled for AVX512 (flags set by CMake; the
// vector hooks of elementwise_vec.h); chosen at run time by cpu/elementwise.cpp (LAMINA_ISA).
#include "elementwise_impl.h"
