#pragma once
// lane_sum<L>(x, n): the sum of x (n contiguous values) in double, kept in L independent lanes
// so the compiler vectorises it (L = 16 or 32: one or two AVX-512 registers of doubles per
// unrolled step), then the tail, then the lanes. Shared by the pooling and batch-norm bodies;
// like them it is compiled once per ISA namespace (LAMINA_CPU_NS), so the AVX-512 copy never
// stands in for the portable one.
#include <cstdint>

#include "target.h"

#ifndef LAMINA_CPU_NS
#error "define LAMINA_CPU_NS before including lane_sum.h"
#endif

namespace lamina::cpu::LAMINA_CPU_NS {

template <int64_t L, typename T>
inline double lane_sum(const T* x, int64_t n) {
  double a[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int64_t j = 0; j < L; ++j) a[j] += static_cast<double>(x[i + j]);
  double s = 0;
  for (; i < n; ++i) s += static_cast<double>(x[i]);
  for (int64_t j = 0; j < L; ++j) s += a[j];
  return s;
}

}  // namespace lamina::cpu::LAMINA_CPU_NS
