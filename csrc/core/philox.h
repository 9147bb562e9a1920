#pragma once
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3"): a counter-based
// generator, so element i of a draw depends only on (seed, offset + i) and the CPU and CUDA
// kernels produce the same numbers for the same seed.
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace lamina {

struct Philox4 {
  uint32_t v[4];
};

LAMINA_HD Philox4 philox4x32(uint64_t seed, uint64_t counter) {
  uint32_t c0 = static_cast<uint32_t>(counter), c1 = static_cast<uint32_t>(counter >> 32);
  uint32_t c2 = 0, c3 = 0;
  uint32_t k0 = static_cast<uint32_t>(seed), k1 = static_cast<uint32_t>(seed >> 32);
  for (int round = 0; round < 10; ++round) {
    uint64_t p0 = static_cast<uint64_t>(0xD2511F53u) * c0;
    uint64_t p1 = static_cast<uint64_t>(0xCD9E8D57u) * c2;
    uint32_t hi0 = static_cast<uint32_t>(p0 >> 32), lo0 = static_cast<uint32_t>(p0);
    uint32_t hi1 = static_cast<uint32_t>(p1 >> 32), lo1 = static_cast<uint32_t>(p1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0; c1 = n1; c2 = n2; c3 = n3;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return Philox4{{c0, c1, c2, c3}};
}

enum class RandomKind : int { Uniform, Normal, Integer };

// a + b * c with the product rounded on its own. nvcc would otherwise fuse it into an FMA on
// the device, and device draws would differ from the host's in the last bit.
LAMINA_HD double add_mul_rn(double a, double b, double c) {
#ifdef __CUDA_ARCH__
  return __dadd_rn(a, __dmul_rn(b, c));
#else
  return a + b * c;
#endif
}

// Element i of a draw: Uniform in [a, b); Normal with mean a, std b; Integer in [a, b).
LAMINA_HD double random_value(RandomKind kind, uint64_t seed, uint64_t counter, double a, double b) {
  using std::cos; using std::log; using std::sqrt;
  Philox4 r = philox4x32(seed, counter);
  // 53-bit uniform in [0, 1)
  uint64_t bits = (static_cast<uint64_t>(r.v[0]) << 21) ^ (r.v[1] >> 11);
  double u = static_cast<double>(bits & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
  switch (kind) {
    case RandomKind::Uniform: return add_mul_rn(a, b - a, u);
    case RandomKind::Normal: {
      uint64_t bits2 = (static_cast<uint64_t>(r.v[2]) << 21) ^ (r.v[3] >> 11);
      double u2 = static_cast<double>(bits2 & ((1ull << 53) - 1)) * (1.0 / 9007199254740992.0);
      double u1 = 1.0 - u;  // (0, 1]
      return add_mul_rn(a, b * sqrt(-2.0 * log(u1)), cos(6.283185307179586476925 * u2));
    }
    case RandomKind::Integer: {
      uint64_t span = static_cast<uint64_t>(b - a);
      uint64_t x = (static_cast<uint64_t>(r.v[2]) << 32) | r.v[3];
      return a + static_cast<double>(x % span);
    }
  }
  return 0.0;
}

}  // namespace lamina
