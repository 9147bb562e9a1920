#pragma once
// The simulator's <cuda_runtime.h>: found instead of the toolkit's when csrc/cuda/sim is on
// the include path (g++ -x c++ -std=c++17 -I csrc/cuda/sim -DLAMINA_CUDA_SIM). With it the
// real csrc/cuda/*.cu sources compile as C++ and their kernels run on the CPU; see README.md.
#ifndef LAMINA_CUDA_SIM
#define LAMINA_CUDA_SIM 1
#endif

#ifdef __CUDACC__
#error "csrc/cuda/sim is for the host compiler; nvcc must use the toolkit's cuda_runtime.h"
#endif

// Kernels carry `#pragma unroll` for nvcc; the host compiler need not warn about each one
// (the pragma stays in force for the rest of the translation unit, as intended).
#pragma GCC diagnostic ignored "-Wunknown-pragmas"

#include "sim_types.h"
#include "sim_core.h"
#include "sim_api.h"
#include "sim_device.h"
#include "sim_tf32.h"
#include "sim_launch.h"
