// Portable GEMM micro-kernels (plain C++ the compiler vectorises with the baseline ISA): the
// generic path (no AVX2, or LAMINA_CPU_PATH=generic) and int64 everywhere.
#include "gemm_impl.h"

namespace lamina::cpu::gemm_kernels::generic {
namespace {

// C (MR, NR) row stride ldc (+)= a (kc, MR) packed ^T @ b (kc, NR) packed; the accumulator
// tile is sized to stay in the 16 baseline vector registers.
template <class T_, int64_t MR_, int64_t NR_>
struct UKernel {
  using T = T_;
  static constexpr int64_t MR = MR_, NR = NR_;
  static constexpr bool kInPlace = false;  // packs every operand

  static void run(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                  int64_t ldc, bool acc) {
    T r[MR][NR] = {};
    for (int64_t k = 0; k < kc; ++k) {
#pragma GCC unroll 8
      for (int64_t i = 0; i < MR; ++i) {
        const T av = a[i];
#pragma GCC unroll 16
        for (int64_t j = 0; j < NR; ++j) r[i][j] += av * b[j];
      }
      a += MR;
      b += NR;
    }
    for (int64_t i = 0; i < MR; ++i) {
      T* p = c + i * ldc;
      if (acc) {
        for (int64_t j = 0; j < NR; ++j) p[j] += r[i][j];
      } else {
        for (int64_t j = 0; j < NR; ++j) p[j] = r[i][j];
      }
    }
  }

  static void run_edge(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                       int64_t mr, int64_t nr) {
    edge_via_buffer<UKernel>(kc, a, b, c, ldc, acc, mr, nr);
  }

  template <int64_t W>
  static bool pack_copy(T*, const T*, int64_t, int64_t, int64_t) {
    return false;  // pack_panel's loops
  }
  template <int64_t W>
  static bool pack_transposed(T*, const T*, int64_t, int64_t, int64_t) {
    return false;
  }
};

using KF32 = UKernel<float, 6, 8>;
using KF64 = UKernel<double, 6, 4>;
using KI64 = UKernel<int64_t, 4, 4>;

}  // namespace

// serial_flops: about 8 us of this kernel's work on one core (gemm.h)
Kernel f32() { return make_kernel<KF32>(0.25e6); }
Kernel f64() { return make_kernel<KF64>(0.12e6); }
Kernel i64() { return make_kernel<KI64>(0.12e6); }

}  // namespace lamina::cpu::gemm_kernels::generic
