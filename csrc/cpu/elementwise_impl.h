// Elementwise kernel bodies, compiled once per instruction set (simd/target.h: elementwise.cpp,
// elementwise_avx2.cpp, elementwise_avx512.cpp) so that each copy is compiled with its own flags and cannot be mixed up
// by the linker. The contiguous inner loops are written for the auto-vectoriser; ops that need
// hand-written vector math (exp, log, tanh, sigmoid, gelu, ...) go through the path's hooks:
//   kVecUnary<OP, T>, vec_unary<OP, T>(out, so, in, si, n, p0, p1) out (n) = op(in (n))
//   kVecBinary<OP, T>, vec_binary<OP, T>(out, so, a, sa, b, sb, n, p0, p1)
//                                                              out (n) = op(a (n), b (n))
// (s* are element strides, 0 broadcasts), from elementwise_vec.h on the vector paths; on the
// portable one every op takes the scalar functor of core/functors.h. A vector op gives an element the same result whatever its layout.
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "../core/functors.h"
#include "loops.h"

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

#if LAMINA_CPU_VECTOR
#include "elementwise_vec.h"
#else
template <UnaryOp OP, typename T> constexpr bool kVecUnary = false;
template <BinaryOp OP, typename T> constexpr bool kVecBinary = false;
template <UnaryOp OP, typename T>
inline void vec_unary(T*, int64_t, const T*, int64_t, int64_t, double, double) {}
template <BinaryOp OP, typename T>
inline void vec_binary(T*, int64_t, const T*, int64_t, const T*, int64_t, int64_t, double,
                       double) {}
#endif

// out (n) strided = v
template <typename T>
static void fill_t(const Geometry& g, T* out, T v) {
  parallel_runs<1>(g, [&](const std::array<int64_t, 1>& off, int64_t n, const int64_t* st) {
    T* o = out + off[0];
    if (st[0] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = v;
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = v;
    }
  });
}

// out (n) strided = (O) in (n) strided
template <typename O, typename I>
static void cast_t(const Geometry& g, O* out, const I* in) {
  parallel_runs<2>(g, [&](const std::array<int64_t, 2>& off, int64_t n, const int64_t* st) {
    O* o = out + off[0];
    const I* x = in + off[1];
    if (st[0] == 1 && st[1] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(x[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = static_cast<O>(x[i * st[1]]);
    }
  });
}

// out (n) strided = op(in (n) strided)
template <UnaryOp OP, typename T>
static void unary_t(const Geometry& g, T* out, const T* in, double p0, double p1) {
  parallel_runs<2>(g, [&](const std::array<int64_t, 2>& off, int64_t n, const int64_t* st) {
    T* o = out + off[0];
    const T* x = in + off[1];
    if constexpr (kVecUnary<OP, T>) {
      vec_unary<OP, T>(o, st[0], x, st[1], n, p0, p1);
    } else {
      if (st[0] == 1 && st[1] == 1) {
        for (int64_t i = 0; i < n; ++i) o[i] = apply_unary<T>(OP, x[i], p0, p1);
      } else {
        for (int64_t i = 0; i < n; ++i) o[i * st[0]] = apply_unary<T>(OP, x[i * st[1]], p0, p1);
      }
    }
  });
}

// out (n) strided = op(a (n), b (n); p0, p1), strided (a stride 0 broadcasts a scalar)
template <BinaryOp OP, typename T, typename R>
static void binary_t(const Geometry& g, R* out, const T* a, const T* b, double p0, double p1) {
  parallel_runs<3>(g, [&](const std::array<int64_t, 3>& off, int64_t n, const int64_t* st) {
    R* o = out + off[0];
    const T* x = a + off[1];
    const T* y = b + off[2];
    if constexpr (std::is_same_v<R, T> && kVecBinary<OP, T>) {
      vec_binary<OP, T>(o, st[0], x, st[1], y, st[2], n, p0, p1);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<T, R>(OP, x[i], y[i], p0, p1);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0) {
      const T yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<T, R>(OP, x[i], yv, p0, p1);
    } else if (st[0] == 1 && st[1] == 0 && st[2] == 1) {
      const T xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = apply_binary<T, R>(OP, xv, y[i], p0, p1);
    } else {
      for (int64_t i = 0; i < n; ++i)
        o[i * st[0]] = apply_binary<T, R>(OP, x[i * st[1]], y[i * st[2]], p0, p1);
    }
  });
}

// c ? a : b by the bits of a and b (both evaluated): exact for every value, NaN included
template <typename T>
inline T blend(bool c, T a, T b) {
  using U = std::conditional_t<sizeof(T) == 8, uint64_t,
                               std::conditional_t<sizeof(T) == 4, uint32_t, uint8_t>>;
  static_assert(sizeof(T) == sizeof(U), "blend: 1, 4 or 8-byte elements");
  U ua, ub;
  std::memcpy(&ua, &a, sizeof(T));
  std::memcpy(&ub, &b, sizeof(T));
  const U mk = U(0) - U(c);
  const U r = (ua & mk) | (ub & ~mk);
  T t;
  std::memcpy(&t, &r, sizeof(T));
  return t;
}

// out (n) strided = cond (n) ? a (n) : b (n), all strided
template <typename T>
static void where_t(const Geometry& g, T* out, const bool* c, const T* a, const T* b) {
  parallel_runs<4>(g, [&](const std::array<int64_t, 4>& off, int64_t n, const int64_t* st) {
    T* o = out + off[0];
    const bool* m = c + off[1];
    const T* x = a + off[2];
    const T* y = b + off[3];
    // unit-stride runs (either value may be a broadcast scalar): both values loaded and
    // blended by bits, which the vectoriser takes (it keeps `m ? x : y` a branch per element,
    // mispredicted on a random mask: Zen 1, 1M floats, 6.5 ms)
    if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 1) {
      for (int64_t i = 0; i < n; ++i) o[i] = blend(m[i], x[i], y[i]);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 1 && st[3] == 0) {
      const T yv = *y;
      for (int64_t i = 0; i < n; ++i) o[i] = blend(m[i], x[i], yv);
    } else if (st[0] == 1 && st[1] == 1 && st[2] == 0 && st[3] == 1) {
      const T xv = *x;
      for (int64_t i = 0; i < n; ++i) o[i] = blend(m[i], xv, y[i]);
    } else {
      for (int64_t i = 0; i < n; ++i) o[i * st[0]] = m[i * st[1]] ? x[i * st[2]] : y[i * st[3]];
    }
  });
}

// The entry points over these templates: the switch shared with cuda/elementwise.cu.
#include "../kernels/elementwise_entries.h"

}  // namespace lamina::cpu::LAMINA_CPU_NS
