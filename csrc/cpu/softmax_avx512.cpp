// The softmax row kernels of softmax_impl.h compiled for AVX-512 (flags set by CMake).
#include "softmax_impl.h"
