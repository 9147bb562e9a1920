// GEMM micro-kernels with AVX2 + FMA (compiled with -mavx2 -mfma by CMake); matmul.cpp takes
// them at run time when cpu::isa() is AVX2 (no AVX-512, or LAMINA_CPU_PATH=avx2).
#include <immintrin.h>

#include <utility>

#include "gemm_impl.h"

namespace lamina::cpu::gemm_kernels::avx2 {
namespace {

// simd::F / simd::D (simd/avx2.h: zero, load, loadu, storeu, add, fmadd) with the GEMM's
// broadcast, masked loads and stores (lanes whose int sign bit is set) and transpose
struct F32 : cpu::avx2::simd::F {
  using Mask = __m256i;
  static V bcast(const T* p) { return _mm256_broadcast_ss(p); }
  static Mask mask(int64_t n) {
    n = n < 0 ? 0 : n > L ? L : n;
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(int(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static V maskz_loadu(Mask m, const T* p) { return _mm256_maskload_ps(p, m); }
  static void mask_storeu(T* p, Mask m, V v) { _mm256_maskstore_ps(p, m, v); }

  // rows r[0..7] -> columns
  static void transpose(V r[8]) {
    V t[8], u[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int h = 0; h < 2; ++h) {  // u[4h + c]: column c (low half), c + 4 (high) of rows 4h..
      u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
      u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xee);
      u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
      u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xee);
    }
    for (int i = 0; i < 4; ++i) {
      r[i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x20);
      r[4 + i] = _mm256_permute2f128_ps(u[i], u[4 + i], 0x31);
    }
  }
};

struct F64 : cpu::avx2::simd::D {
  using Mask = __m256i;
  static V bcast(const T* p) { return _mm256_broadcast_sd(p); }
  static Mask mask(int64_t n) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n < 0 ? 0 : n), _mm256_setr_epi64x(0, 1, 2, 3));
  }
  static V maskz_loadu(Mask m, const T* p) { return _mm256_maskload_pd(p, m); }
  static void mask_storeu(T* p, Mask m, V v) { _mm256_maskstore_pd(p, m, v); }

  // rows r[0..3] -> columns
  static void transpose(V r[4]) {
    V t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    V t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    r[0] = _mm256_permute2f128_pd(t0, t2, 0x20);
    r[1] = _mm256_permute2f128_pd(t1, t3, 0x20);
    r[2] = _mm256_permute2f128_pd(t0, t2, 0x31);
    r[3] = _mm256_permute2f128_pd(t1, t3, 0x31);
  }
};

#include "gemm_simd.h"

// 6 x 16 floats (6 x 8 doubles): 12 accumulators, 2 B vectors and a broadcast of 16 ymm.
using KF32 = SimdKernel<F32, 6, 2>;
using KF64 = SimdKernel<F64, 6, 2>;

}  // namespace

// serial_flops: about 8 us of this kernel's work on one core (gemm.h)
Kernel f32() { return make_kernel<KF32>(0.9e6); }
Kernel f64() { return make_kernel<KF64>(0.45e6); }

}  // namespace lamina::cpu::gemm_kernels::avx2
