// The LayerNorm row kernels of layernorm_impl.h compiled for AVX512 (flags set by CMake).
#include "layernorm_impl.h"
