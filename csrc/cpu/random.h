#pragma once
// Random fill on the host (Philox, see core/philox.h).
#include <cstdint>

#include "../core/dtype.h"
#include "../core/philox.h"

namespace lamina::cpu {

// out (n) contiguous: out[i] = random_value(kind, seed, offset + i, a, b)
void random(RandomKind kind, DType dt, int64_t n, void* out, uint64_t seed, uint64_t offset,
            double a, double b);

}  // namespace lamina::cpu
