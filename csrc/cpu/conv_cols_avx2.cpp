// The im2col and col2im copies of conv_cols_impl.h compiled with -mavx2 -mfma (set by CMake);
// chosen at run time by cpu/conv_cols.cpp.
#include "conv_cols_impl.h"
