// The pooling kernels of pool_impl.h compiled with -mavx512f -mavx512dq -mavx512vl -mfma (set
// by CMake); chosen at run time by cpu/pool.cpp when cpu::isa() is AVX512. Adds a hand-written
// float row for the common 2x2 stride-2 max pooling: 16 outputs from two 32-value loads per
// input row, split into even and odd columns by one permute each, then compared in torch's
// window order (row 0 left, right, row 1 left, right; strict >, so ties keep the first).
// Also float stride-2 average-pool rows (avg_row_s2 and its backward), same permute trick,
// any kernel width.
#include <cstdint>
#include <limits>

#include "simd/avx512.h"

namespace lamina::cpu::avx512 {

template <typename T>
inline int max_row_2x2(const T*, const T*, int64_t, T*, int64_t*, int64_t, int64_t) {
  return -1;
}

inline int max_row_2x2(const float* r0, const float* r1, int64_t n, float* y, int64_t* idx,
                       int64_t base, int64_t W) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                         28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512 ninf = _mm512_set1_ps(-std::numeric_limits<float>::infinity());
  __mmask16 nan = 0;
  for (int64_t j = 0; j < n; j += 16) {
    const int64_t m = n - j < 16 ? n - j : 16;  // outputs in this block
    const int64_t vals = 2 * m;                 // inputs per row
    const __mmask16 k0 = vals >= 16 ? 0xffff : static_cast<__mmask16>((1u << vals) - 1);
    const __mmask16 k1 = vals >= 32 ? 0xffff
                         : vals <= 16 ? 0 : static_cast<__mmask16>((1u << (vals - 16)) - 1);
    const float* p0 = r0 + 2 * j;
    const float* p1 = r1 + 2 * j;
    const __m512 a0 = _mm512_mask_loadu_ps(ninf, k0, p0);
    const __m512 a1 = _mm512_mask_loadu_ps(ninf, k1, p0 + 16);
    const __m512 b0 = _mm512_mask_loadu_ps(ninf, k0, p1);
    const __m512 b1 = _mm512_mask_loadu_ps(ninf, k1, p1 + 16);
    nan |= _mm512_cmp_ps_mask(a0, a1, _CMP_UNORD_Q) | _mm512_cmp_ps_mask(b0, b1, _CMP_UNORD_Q);
    const __m512 v0 = _mm512_permutex2var_ps(a0, even, a1);
    const __m512 v1 = _mm512_permutex2var_ps(a0, odd, a1);
    const __m512 v2 = _mm512_permutex2var_ps(b0, even, b1);
    const __m512 v3 = _mm512_permutex2var_ps(b0, odd, b1);
    const __mmask16 out = m >= 16 ? 0xffff : static_cast<__mmask16>((1u << m) - 1);
    if (!idx) {
      __m512 acc = _mm512_max_ps(v1, v0);  // max_ps(x, acc) keeps acc on ties
      acc = _mm512_max_ps(v2, acc);
      acc = _mm512_max_ps(v3, acc);
      _mm512_mask_storeu_ps(y + j, out, acc);
      continue;
    }
    // idx: two halves of 8 int64 lanes; candidate offsets base + 2 (j + lane) + {0, 1, W, W + 1}
    const __m512i lane = _mm512_setr_epi64(0, 2, 4, 6, 8, 10, 12, 14);
    __m512i i_lo = _mm512_add_epi64(_mm512_set1_epi64(base + 2 * j), lane);
    __m512i i_hi = _mm512_add_epi64(i_lo, _mm512_set1_epi64(16));
    __m512 acc = v0;
    __m512i c_lo = i_lo, c_hi = i_hi;
    const __m512 vs[3] = {v1, v2, v3};
    const int64_t offs[3] = {1, W, W + 1};
    for (int q = 0; q < 3; ++q) {
      const __mmask16 u = _mm512_cmp_ps_mask(vs[q], acc, _CMP_GT_OQ);
      acc = _mm512_mask_blend_ps(u, acc, vs[q]);
      const __m512i d = _mm512_set1_epi64(offs[q]);
      c_lo = _mm512_mask_blend_epi64(static_cast<__mmask8>(u), c_lo, _mm512_add_epi64(i_lo, d));
      c_hi = _mm512_mask_blend_epi64(static_cast<__mmask8>(u >> 8), c_hi,
                                     _mm512_add_epi64(i_hi, d));
    }
    _mm512_mask_storeu_ps(y + j, out, acc);
    _mm512_mask_storeu_epi64(idx + j, static_cast<__mmask8>(out), c_lo);
    _mm512_mask_storeu_epi64(idx + j + 8, static_cast<__mmask8>(out >> 8), c_hi);
  }
  return nan != 0;
}

template <typename T>
inline bool avg_row_s2(const T*, int64_t, int64_t, int64_t, int64_t, T, T*) {
  return false;
}

// Float stride-2 average row: for each block of 16 outputs and each (row, kw) tap, one or two
// masked loads of the 2 m - 1 inputs the tap reads, the even lanes picked by one permute;
// taps added in the portable code's order (row by row, kw inner), then times inv.
inline bool avg_row_s2(const float* p, int64_t rows, int64_t W, int64_t kW, int64_t n,
                       float inv, float* y) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                         28, 30);
  const __m512 vinv = _mm512_set1_ps(inv);
  for (int64_t j = 0; j < n; j += 16) {
    const int64_t m = n - j < 16 ? n - j : 16;
    const int64_t vals = 2 * m - 1;  // inputs a tap reads: offsets 0, 2, .., 2 (m - 1)
    const __mmask16 k0 = vals >= 16 ? 0xffff : static_cast<__mmask16>((1u << vals) - 1);
    const __mmask16 k1 = vals <= 16 ? 0 : static_cast<__mmask16>((1u << (vals - 16)) - 1);
    __m512 acc = _mm512_setzero_ps();
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t kw = 0; kw < kW; ++kw) {
        const float* q = p + r * W + 2 * j + kw;
        const __m512 a0 = _mm512_maskz_loadu_ps(k0, q);
        const __m512 a1 = _mm512_maskz_loadu_ps(k1, q + 16);
        acc = _mm512_add_ps(acc, _mm512_permutex2var_ps(a0, even, a1));
      }
    const __mmask16 out = m >= 16 ? 0xffff : static_cast<__mmask16>((1u << m) - 1);
    _mm512_mask_storeu_ps(y + j, out, _mm512_mul_ps(acc, vinv));
  }
  return true;
}

template <typename T>
inline bool avg_row_s2_backward(T*, int64_t, int64_t, int64_t, int64_t, T, const T*) {
  return false;
}

// Its backward on one block of n <= 64 outputs, loops r, kw, j: v = g * inv spread to the
// even lanes of two registers, added to each tap's inputs and stored back through the
// even-lane mask (each lane is one dx element's +=).
inline bool avg_row_s2_backward(float* p, int64_t rows, int64_t W, int64_t kW, int64_t n,
                                float inv, const float* g) {
  const __m512i dup_lo = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i dup_hi = _mm512_add_epi32(dup_lo, _mm512_set1_epi32(8));
  const __m512 vinv = _mm512_set1_ps(inv);
  if (n <= 16 && 2 * (n - 1) + kW <= 32) {
    // one block within 32 inputs: each row loaded once, every tap added in registers (no
    // store-to-load round trip between taps), stored once
    const __mmask16 out = n >= 16 ? 0xffff : static_cast<__mmask16>((1u << n) - 1);
    const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(out, g), vinv);
    const __m512i iota =
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    const int64_t span = 2 * (n - 1) + kW;  // inputs touched
    const __mmask16 s0 = span >= 16 ? 0xffff : static_cast<__mmask16>((1u << span) - 1);
    const __mmask16 s1 = span <= 16 ? 0 : static_cast<__mmask16>((1u << (span - 16)) - 1);
    for (int64_t r = 0; r < rows; ++r) {
      float* q = p + r * W;
      __m512 a0 = _mm512_maskz_loadu_ps(s0, q);
      __m512 a1 = _mm512_maskz_loadu_ps(s1, q + 16);
      for (int64_t kw = 0; kw < kW; ++kw) {
        // lane L takes v[(L - kw) / 2] where L - kw is even, in [0, 2 n - 2]
        const __m512i t0 = _mm512_sub_epi32(iota, _mm512_set1_epi32(static_cast<int>(kw)));
        const __m512i t1 = _mm512_add_epi32(t0, _mm512_set1_epi32(16));
        const __m512i one = _mm512_set1_epi32(1);
        const __m512i lim = _mm512_set1_epi32(static_cast<int>(2 * n - 2));
        const __mmask16 m0 = _mm512_cmpge_epi32_mask(t0, _mm512_setzero_si512()) &
                             _mm512_cmple_epi32_mask(t0, lim) &
                             _mm512_testn_epi32_mask(t0, one);
        const __mmask16 m1 = _mm512_cmpge_epi32_mask(t1, _mm512_setzero_si512()) &
                             _mm512_cmple_epi32_mask(t1, lim) &
                             _mm512_testn_epi32_mask(t1, one);
        const __m512 w0 = _mm512_permutexvar_ps(_mm512_srai_epi32(t0, 1), v);
        const __m512 w1 = _mm512_permutexvar_ps(_mm512_srai_epi32(t1, 1), v);
        a0 = _mm512_mask_add_ps(a0, m0, a0, w0);
        a1 = _mm512_mask_add_ps(a1, m1, a1, w1);
      }
      _mm512_mask_storeu_ps(q, s0, a0);
      _mm512_mask_storeu_ps(q + 16, s1, a1);
    }
    return true;
  }
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t kw = 0; kw < kW; ++kw)
      for (int64_t j = 0; j < n; j += 16) {
        const int64_t m = n - j < 16 ? n - j : 16;
        const int64_t vals = 2 * m - 1;
        const __mmask16 out = m >= 16 ? 0xffff : static_cast<__mmask16>((1u << m) - 1);
        const __mmask16 k0 = static_cast<__mmask16>(
            (vals >= 16 ? 0xffffu : (1u << vals) - 1) & 0x5555u);
        const __mmask16 k1 = static_cast<__mmask16>(
            (vals <= 16 ? 0u : (1u << (vals - 16)) - 1) & 0x5555u);
        const __m512 v = _mm512_mul_ps(_mm512_maskz_loadu_ps(out, g + j), vinv);
        const __m512 v0 = _mm512_permutexvar_ps(dup_lo, v);
        const __m512 v1 = _mm512_permutexvar_ps(dup_hi, v);
        float* q = p + r * W + 2 * j + kw;
        _mm512_mask_storeu_ps(q, k0, _mm512_add_ps(_mm512_maskz_loadu_ps(k0, q), v0));
        _mm512_mask_storeu_ps(q + 16, k1,
                              _mm512_add_ps(_mm512_maskz_loadu_ps(k1, q + 16), v1));
      }
  return true;
}

}  // namespace lamina::cpu::avx512

#define LAMINA_POOL_VEC_HOOKS
#include "pool_impl.h"
