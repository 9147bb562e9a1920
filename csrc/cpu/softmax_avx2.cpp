// The softmax row kernels of softmax_impl.h compiled for AVX2 (flags set by CMake).
#include "softmax_impl.h"
