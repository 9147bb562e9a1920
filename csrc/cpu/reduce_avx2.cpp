// The reduce kernels of reduce_impl.h compiled for AVX2 (flags set by CMake; the
// vector hooks of reduce_vec.h); chosen at run time by cpu/reduce.cpp (LAMINA_ISA).
#include "reduce_impl.h"
