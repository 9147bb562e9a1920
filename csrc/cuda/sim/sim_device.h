#pragma once
// Device-side language of CUDA for the host compiler: qualifiers, shared memory, barriers,
// intrinsics, atomics and the min/max overloads nvcc's headers put in the global namespace.
// __CUDA_ARCH__ is deliberately NOT defined: code guarded by it takes its host branch, and
// policies that need device instructions (matmul_tc.cu) branch on LAMINA_CUDA_SIM instead.
#include <math.h>  // libstdc++'s math.h also puts std::exp(float), std::isfinite... in ::

#include <cmath>
#include <cstdint>
#include <cstring>
#include <type_traits>

#include "sim_core.h"

// --- qualifiers ---------------------------------------------------------------------------
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __align__(n) __attribute__((aligned(n)))
#define __constant__  // a plain global: the host and every block see one copy
// Shared memory: one copy per block. A block-scope thread_local is implicitly static, so
// every fiber of a block (all on one worker OS thread) sees the same object, and blocks on
// other workers have their own. Blocks that run one after another on a worker reuse it, as
// a new block on an SM finds the previous block's bytes. `extern __shared__ T a[]` (dynamic
// shared memory) cannot be expressed this way: kernels get it from
// lamina::sim::dynamic_smem() (see README.md, "Source changes").
#define __shared__ thread_local

// --- barriers, fences, traps ---------------------------------------------------------------
// __syncthreads is a real barrier (fibers of the block wait for each other); the asm statements
// keep the compiler from moving memory accesses across it even when it can see the callee.
inline void __syncthreads() {
  asm volatile("" ::: "memory");
  ::lamina::sim::sync_threads();
  asm volatile("" ::: "memory");
}
inline void __syncwarp(unsigned mask = 0xffffffffu) {
  asm volatile("" ::: "memory");
  ::lamina::sim::warp_collective(::lamina::sim::WarpOp::SyncWarp, mask, 0, 0, 32);
  asm volatile("" ::: "memory");
}
inline void __threadfence() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
inline void __threadfence_block() { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
[[noreturn]] inline void __trap() { ::lamina::sim::device_fault("__trap() executed"); }

// --- warp shuffles and votes ---------------------------------------------------------------
namespace lamina::sim {
template <typename T>
inline T shfl(WarpOp op, unsigned mask, T v, int arg, int width) {
  static_assert(sizeof(T) <= 8 && std::is_trivially_copyable_v<T>, "shuffle of a register");
  uint64_t bits = 0;
  std::memcpy(&bits, &v, sizeof(T));
  bits = warp_collective(op, mask, bits, arg, width);
  std::memcpy(&v, &bits, sizeof(T));
  return v;
}
}  // namespace lamina::sim

template <typename T>
inline T __shfl_sync(unsigned mask, T v, int src_lane, int width = 32) {
  return ::lamina::sim::shfl(::lamina::sim::WarpOp::ShflIdx, mask, v, src_lane, width);
}
template <typename T>
inline T __shfl_up_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  return ::lamina::sim::shfl(::lamina::sim::WarpOp::ShflUp, mask, v, static_cast<int>(delta),
                             width);
}
template <typename T>
inline T __shfl_down_sync(unsigned mask, T v, unsigned delta, int width = 32) {
  return ::lamina::sim::shfl(::lamina::sim::WarpOp::ShflDown, mask, v, static_cast<int>(delta),
                             width);
}
template <typename T>
inline T __shfl_xor_sync(unsigned mask, T v, int lane_mask, int width = 32) {
  return ::lamina::sim::shfl(::lamina::sim::WarpOp::ShflXor, mask, v, lane_mask, width);
}
inline unsigned __ballot_sync(unsigned mask, int pred) {
  return static_cast<unsigned>(::lamina::sim::warp_collective(
      ::lamina::sim::WarpOp::Ballot, mask, pred != 0, 0, 32));
}
inline int __any_sync(unsigned mask, int pred) {
  return static_cast<int>(
      ::lamina::sim::warp_collective(::lamina::sim::WarpOp::Any, mask, pred != 0, 0, 32));
}
inline int __all_sync(unsigned mask, int pred) {
  return static_cast<int>(
      ::lamina::sim::warp_collective(::lamina::sim::WarpOp::All, mask, pred != 0, 0, 32));
}
// --- loads, bit casts, rounding-exact arithmetic ---------------------------------------------
template <typename T>
inline T __ldg(const T* p) { return *p; }

inline unsigned __float_as_uint(float x) { unsigned u; std::memcpy(&u, &x, 4); return u; }
inline float __uint_as_float(unsigned u) { float x; std::memcpy(&x, &u, 4); return x; }
inline int __float_as_int(float x) { int u; std::memcpy(&u, &x, 4); return u; }
inline float __int_as_float(int u) { float x; std::memcpy(&x, &u, 4); return x; }
inline long long __double_as_longlong(double x) { long long u; std::memcpy(&u, &x, 8); return u; }
inline double __longlong_as_double(long long u) { double x; std::memcpy(&x, &u, 8); return x; }

// The _rn intrinsics round each operation on its own: the empty asm hides the value from the
// optimiser so that a + b * c is never contracted into an FMA (GCC contracts by default).
namespace lamina::sim {
template <typename T>
inline T rounded(T v) {
  asm volatile("" : "+m"(v));
  return v;
}
}  // namespace lamina::sim
inline double __dadd_rn(double a, double b) { return ::lamina::sim::rounded(a + b); }
inline double __dsub_rn(double a, double b) { return ::lamina::sim::rounded(a - b); }
inline double __dmul_rn(double a, double b) { return ::lamina::sim::rounded(a * b); }
inline float __fadd_rn(float a, float b) { return ::lamina::sim::rounded(a + b); }
inline float __fsub_rn(float a, float b) { return ::lamina::sim::rounded(a - b); }
inline float __fmul_rn(float a, float b) { return ::lamina::sim::rounded(a * b); }
inline float __fmaf_rn(float a, float b, float c) { return std::fma(a, b, c); }
inline double __fma_rn(double a, double b, double c) { return std::fma(a, b, c); }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return std::exp(x); }
inline float __logf(float x) { return std::log(x); }
inline float rsqrtf(float x) { return 1.0f / std::sqrt(x); }
inline double rsqrt(double x) { return 1.0 / std::sqrt(x); }
inline float __saturatef(float x) { return x < 0.f ? 0.f : (x > 1.f ? 1.f : (x == x ? x : 0.f)); }

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) {
  return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x));
}
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }

// --- min / max: nvcc's overloads in the global namespace. Same types: plain overloads (so they
// win over std::min where both are visible); mixed types: the usual arithmetic conversions,
// as CUDA's math_functions.hpp. Floating point as fminf / fmaxf (a NaN loses). -------------
#define LAMINA_SIM_MINMAX(T)                                                       \
  inline T min(T a, T b) {                                                         \
    if constexpr (std::is_floating_point_v<T>) return std::fmin(a, b);             \
    else return b < a ? b : a;                                                      \
  }                                                                                \
  inline T max(T a, T b) {                                                         \
    if constexpr (std::is_floating_point_v<T>) return std::fmax(a, b);             \
    else return a < b ? b : a;                                                      \
  }
LAMINA_SIM_MINMAX(int)
LAMINA_SIM_MINMAX(unsigned int)
LAMINA_SIM_MINMAX(long)
LAMINA_SIM_MINMAX(unsigned long)
LAMINA_SIM_MINMAX(long long)
LAMINA_SIM_MINMAX(unsigned long long)
LAMINA_SIM_MINMAX(float)
LAMINA_SIM_MINMAX(double)
#undef LAMINA_SIM_MINMAX
template <typename A, typename B,
          typename = std::enable_if_t<std::is_arithmetic_v<A> && std::is_arithmetic_v<B> &&
                                      !std::is_same_v<A, B>>>
inline std::common_type_t<A, B> min(A a, B b) {
  using C = std::common_type_t<A, B>;
  return min(static_cast<C>(a), static_cast<C>(b));
}
template <typename A, typename B,
          typename = std::enable_if_t<std::is_arithmetic_v<A> && std::is_arithmetic_v<B> &&
                                      !std::is_same_v<A, B>>>
inline std::common_type_t<A, B> max(A a, B b) {
  using C = std::common_type_t<A, B>;
  return max(static_cast<C>(a), static_cast<C>(b));
}

// --- atomics: relaxed read-modify-writes, as CUDA's (real atomics: blocks run in parallel
// on several workers, and ThreadSanitizer sees them as atomic accesses) ------------------------
namespace lamina::sim {
template <typename T, typename F>
inline T atomic_update(T* p, F f) {  // CAS loop over the bits, for float / double
  using U = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
  U* q = reinterpret_cast<U*>(p);
  U old = __atomic_load_n(q, __ATOMIC_RELAXED), next;
  T ov;
  do {
    std::memcpy(&ov, &old, sizeof(T));
    const T nv = f(ov);
    std::memcpy(&next, &nv, sizeof(T));
  } while (!__atomic_compare_exchange_n(q, &old, next, true, __ATOMIC_RELAXED, __ATOMIC_RELAXED));
  return ov;
}
}  // namespace lamina::sim

#define LAMINA_SIM_INT_ATOMICS(T)                                                              \
  inline T atomicAdd(T* p, T v) { return __atomic_fetch_add(p, v, __ATOMIC_RELAXED); }          \
  inline T atomicSub(T* p, T v) { return __atomic_fetch_sub(p, v, __ATOMIC_RELAXED); }          \
  inline T atomicExch(T* p, T v) { return __atomic_exchange_n(p, v, __ATOMIC_RELAXED); }        \
  inline T atomicAnd(T* p, T v) { return __atomic_fetch_and(p, v, __ATOMIC_RELAXED); }          \
  inline T atomicOr(T* p, T v) { return __atomic_fetch_or(p, v, __ATOMIC_RELAXED); }            \
  inline T atomicXor(T* p, T v) { return __atomic_fetch_xor(p, v, __ATOMIC_RELAXED); }          \
  inline T atomicMin(T* p, T v) {                                                              \
    return ::lamina::sim::atomic_update(p, [v](T o) { return v < o ? v : o; });               \
  }                                                                                            \
  inline T atomicMax(T* p, T v) {                                                              \
    return ::lamina::sim::atomic_update(p, [v](T o) { return v > o ? v : o; });               \
  }                                                                                            \
  inline T atomicCAS(T* p, T cmp, T v) {                                                       \
    __atomic_compare_exchange_n(p, &cmp, v, false, __ATOMIC_RELAXED, __ATOMIC_RELAXED);        \
    return cmp;                                                                                \
  }
LAMINA_SIM_INT_ATOMICS(int)
LAMINA_SIM_INT_ATOMICS(unsigned int)
LAMINA_SIM_INT_ATOMICS(unsigned long long)
#undef LAMINA_SIM_INT_ATOMICS
inline long long atomicMin(long long* p, long long v) {
  return ::lamina::sim::atomic_update(p, [v](long long o) { return v < o ? v : o; });
}
inline long long atomicMax(long long* p, long long v) {
  return ::lamina::sim::atomic_update(p, [v](long long o) { return v > o ? v : o; });
}
inline float atomicAdd(float* p, float v) {
  return ::lamina::sim::atomic_update(p, [v](float o) { return o + v; });
}
inline double atomicAdd(double* p, double v) {
  return ::lamina::sim::atomic_update(p, [v](double o) { return o + v; });
}
inline float atomicExch(float* p, float v) {
  uint32_t u = __float_as_uint(v);
  return __uint_as_float(__atomic_exchange_n(reinterpret_cast<uint32_t*>(p), u, __ATOMIC_RELAXED));
}
