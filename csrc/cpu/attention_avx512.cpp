// The attention row helpers of attention_rows_impl.h compiled for AVX512 (flags set by CMake).
#include "attention_rows_impl.h"
