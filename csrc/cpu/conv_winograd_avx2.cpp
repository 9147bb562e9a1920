// The Winograd transforms of conv_winograd_impl.h compiled with -mavx2 -mfma (set by CMake);
// chosen at run time by cpu/conv_winograd.cpp when cpu::isa() is AVX2.
#include "conv_winograd_impl.h"
