// The direct convolution rows of conv_direct_impl.h compiled with -mavx2 -mfma (set by CMake);
// chosen at run time by cpu/conv_direct.cpp.
#include "conv_direct_impl.h"
