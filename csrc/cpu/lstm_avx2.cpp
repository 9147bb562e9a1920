// The fused LSTM cell of lstm_impl.h compiled for AVX2 (flags set by CMake).
#include "lstm_impl.h"
