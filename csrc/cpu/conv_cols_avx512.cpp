// The im2col and col2im copies of conv_cols_impl.h compiled with -mavx512f -mavx512dq
// -mavx512vl -mfma (set by CMake); chosen at run time by cpu/conv_cols.cpp.
#include "conv_cols_impl.h"
