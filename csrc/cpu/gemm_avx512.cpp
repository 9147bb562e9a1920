// GEMM micro-kernels with AVX-512 (compiled with -mavx512f -mavx512dq -mavx512vl -mfma by
// CMake); matmul.cpp takes them at run time when cpu::isa() is AVX512.
// GCC 12 flags its own _mm512_undefined_* helpers as uninitialized (GCC bug 105593).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <utility>

#include "gemm_impl.h"

namespace lamina::cpu::gemm_kernels::avx512 {
namespace {

// simd::F / simd::D (simd/avx512.h: zero, load, loadu, storeu, add, fmadd) with the GEMM's
// broadcast, masked loads and stores and transpose
struct F32 : cpu::avx512::simd::F {
  using Mask = __mmask16;
  static V bcast(const T* p) { return _mm512_set1_ps(*p); }
  static Mask mask(int64_t n) { return n <= 0 ? 0 : n >= L ? Mask(0xffff) : Mask((1u << n) - 1); }
  static V maskz_loadu(Mask m, const T* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void mask_storeu(T* p, Mask m, V v) { _mm512_mask_storeu_ps(p, m, v); }

  // rows r[0..15] -> columns: r[c][i] = old r[i][c]
  static void transpose(V r[16]) {
    V t[16];
    for (int i = 0; i < 8; ++i) {
      t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
      t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    for (int i = 0; i < 4; ++i) {  // r[4i + m], 128-bit lane q: column 4q + m of rows 4i..4i+3
      __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
      __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
      r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
      r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
      r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
      r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
    }
    for (int m = 0; m < 4; ++m) {
      V x0 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88);  // 128-bit lanes q0, q2
      V x1 = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xdd);  // lanes q1, q3
      V y0 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88);
      V y1 = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xdd);
      t[m] = _mm512_shuffle_f32x4(x0, y0, 0x88);
      t[8 + m] = _mm512_shuffle_f32x4(x0, y0, 0xdd);
      t[4 + m] = _mm512_shuffle_f32x4(x1, y1, 0x88);
      t[12 + m] = _mm512_shuffle_f32x4(x1, y1, 0xdd);
    }
    for (int i = 0; i < 16; ++i) r[i] = t[i];
  }
};

struct F64 : cpu::avx512::simd::D {
  using Mask = __mmask8;
  static V bcast(const T* p) { return _mm512_set1_pd(*p); }
  static Mask mask(int64_t n) { return n <= 0 ? 0 : n >= L ? Mask(0xff) : Mask((1u << n) - 1); }
  static V maskz_loadu(Mask m, const T* p) { return _mm512_maskz_loadu_pd(m, p); }
  static void mask_storeu(T* p, Mask m, V v) { _mm512_mask_storeu_pd(p, m, v); }

  // rows r[0..7] -> columns
  static void transpose(V r[8]) {
    V t[8];
    for (int i = 0; i < 4; ++i) {
      t[2 * i] = _mm512_unpacklo_pd(r[2 * i], r[2 * i + 1]);      // lane q: column 2q
      t[2 * i + 1] = _mm512_unpackhi_pd(r[2 * i], r[2 * i + 1]);  // column 2q + 1
    }
    for (int h = 0; h < 2; ++h) {
      V u0 = _mm512_shuffle_f64x2(t[h], t[2 + h], 0x88);
      V u1 = _mm512_shuffle_f64x2(t[h], t[2 + h], 0xdd);
      V v0 = _mm512_shuffle_f64x2(t[4 + h], t[6 + h], 0x88);
      V v1 = _mm512_shuffle_f64x2(t[4 + h], t[6 + h], 0xdd);
      r[h] = _mm512_shuffle_f64x2(u0, v0, 0x88);
      r[4 + h] = _mm512_shuffle_f64x2(u0, v0, 0xdd);
      r[2 + h] = _mm512_shuffle_f64x2(u1, v1, 0x88);
      r[6 + h] = _mm512_shuffle_f64x2(u1, v1, 0xdd);
    }
  }
};

#include "gemm_simd.h"

// 12 x 32 floats (12 x 16 doubles): 24 accumulators + 2 B vectors of the 32 zmm registers,
// A broadcast from memory. Measured single-thread on Zen 5 (GFLOP/s, medians of 5, peak 255):
//   1024^3: 12x32 221, 14x32 218, 8x48 223;  256^3: 232, 228, 222;  64^3: 190, 188, 170;
//   768^3 NT: 228, 229, 230. 12x32 has no bad case; float64 12x16 = 14x16 within noise.
using KF32 = SimdKernel<F32, 12, 2>;
using KF64 = SimdKernel<F64, 12, 2>;

}  // namespace

// serial_flops: about 8 us of this kernel's work on one core (gemm.h)
Kernel f32() { return make_kernel<KF32>(1.8e6); }
Kernel f64() { return make_kernel<KF64>(0.9e6); }

}  // namespace lamina::cpu::gemm_kernels::avx512
