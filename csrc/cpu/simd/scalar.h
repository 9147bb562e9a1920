#pragma once
// One-lane "vectors" with the names of avx2.h / avx512.h (the subset the portable copies use),
// so that code written once over simd::F / simd::D also compiles as the generic copy.
#include <cstdint>

namespace lamina::cpu::generic::simd {

template <typename TT>
struct Scalar {
  using T = TT;
  using V = TT;
  static constexpr int L = 1;
  static V set1(T v) { return v; }
  static V zero() { return 0; }
  static V loadu(const T* p) { return *p; }
  static void storeu(T* p, V v) { *p = v; }
  static V add(V a, V b) { return a + b; }
  static V sub(V a, V b) { return a - b; }
  static V mul(V a, V b) { return a * b; }
  static V fmadd(V a, V b, V c) { return a * b + c; }
  static V fnmadd(V a, V b, V c) { return c - a * b; }
};
using F = Scalar<float>;
struct D : Scalar<double> {
  static V lo(float f) { return f; }
  static V hi(float) { return 0; }
  static T hsum(V v) { return v; }
};

}  // namespace lamina::cpu::generic::simd
