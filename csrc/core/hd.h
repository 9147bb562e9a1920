#pragma once
// LAMINA_HD marks code compiled for both the host and, under nvcc, the device.
#ifdef __CUDACC__
#define LAMINA_HD __host__ __device__ __forceinline__
#else
#define LAMINA_HD inline __attribute__((always_inline))
#endif
