// The direct convolution rows of conv_direct_impl.h compiled with -mavx512f -mavx512dq
// -mavx512vl -mfma (set by CMake); chosen at run time by cpu/conv_direct.cpp.
#include "conv_direct_impl.h"
