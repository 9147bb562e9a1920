// The elementwise kernels compiled with -mavx2 -mfma (set on this file by CMake); chosen at
// run time by cpu/elementwise.cpp when the CPU supports them.
#define LAMINA_CPU_NS avx2
#include "elementwise_impl.h"
