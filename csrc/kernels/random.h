#pragma once
// Random fill (Philox, core/philox.h): both devices draw the same numbers for the same seed.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/philox.h"
#include "kernel.h"

#define LAMINA_RANDOM_KERNELS(X)                                                           \
  /* out (n) contiguous: out[i] = random_value(kind, seed, offset + i, a, b) */             \
  X(random, (RandomKind kind, DType dt, int64_t n, void* out, uint64_t seed,                \
             uint64_t offset, double a, double b))

LAMINA_DECLARE_KERNELS(LAMINA_RANDOM_KERNELS)
