// The Winograd transforms of conv_winograd_impl.h compiled with AVX-512 flags (set by CMake);
// chosen at run time by cpu/conv_winograd.cpp when cpu::isa() is AVX512.
#include "conv_winograd_impl.h"
