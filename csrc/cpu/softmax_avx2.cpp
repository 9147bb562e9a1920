// AVX2+FMA row helpers of the softmax and cross-entropy kernels (compiled with -mavx2 -mfma,
// called unless cpu::isa() is Generic; the portable twins are in softmax.cpp). exp is
// vec_math_avx2.h's 1-ulp exp_ps / exp_pd; sums accumulate in double.
#include <cmath>
#include <cstdint>
#include <limits>

#include "simd/vec_math_avx2.h"

namespace lamina::cpu::avx2 {

namespace {

inline double hsum(__m256d v) {
  __m128d s = _mm_add_pd(_mm256_castpd256_pd128(v), _mm256_extractf128_pd(v, 1));
  return _mm_cvtsd_f64(_mm_add_sd(s, _mm_unpackhi_pd(s, s)));
}

inline __m256d widen_sum(__m256 e) {  // 8 floats -> 4 double lane sums
  return _mm256_add_pd(_mm256_cvtps_pd(_mm256_castps256_ps128(e)),
                       _mm256_cvtps_pd(_mm256_extractf128_ps(e, 1)));
}

}  // namespace

// x (n,): max (NaN lanes may be dropped; the callers' sums turn them into NaN anyway)
float row_max(const float* x, int64_t n) {
  __m256 m = _mm256_set1_ps(-std::numeric_limits<float>::infinity()), m2 = m, m3 = m, m4 = m;
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {  // four chains: max_ps latency, not throughput, would bound one
    m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
    m2 = _mm256_max_ps(m2, _mm256_loadu_ps(x + i + 8));
    m3 = _mm256_max_ps(m3, _mm256_loadu_ps(x + i + 16));
    m4 = _mm256_max_ps(m4, _mm256_loadu_ps(x + i + 24));
  }
  m = _mm256_max_ps(_mm256_max_ps(m, m2), _mm256_max_ps(m3, m4));
  for (; i + 8 <= n; i += 8) m = _mm256_max_ps(m, _mm256_loadu_ps(x + i));
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, m);
  float r = lanes[0];
  for (int k = 1; k < 8; ++k) r = lanes[k] > r ? lanes[k] : r;
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

double row_max(const double* x, int64_t n) {
  __m256d m = _mm256_set1_pd(-std::numeric_limits<double>::infinity()), m2 = m;
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    m = _mm256_max_pd(m, _mm256_loadu_pd(x + i));
    m2 = _mm256_max_pd(m2, _mm256_loadu_pd(x + i + 4));
  }
  m = _mm256_max_pd(m, m2);
  for (; i + 4 <= n; i += 4) m = _mm256_max_pd(m, _mm256_loadu_pd(x + i));
  alignas(32) double lanes[4];
  _mm256_store_pd(lanes, m);
  double r = lanes[0];
  for (int k = 1; k < 4; ++k) r = lanes[k] > r ? lanes[k] : r;
  for (; i < n; ++i) r = x[i] > r ? x[i] : r;
  return r;
}

// y = exp(x - m) (y may be null); returns sum exp(x - m)
double exp_shift_sum(const float* x, float* y, int64_t n, float m) {
  const __m256 mv = _mm256_set1_ps(m);
  __m256d acc = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 e = vm::exp_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), mv));
    if (y) _mm256_storeu_ps(y + i, e);
    acc = _mm256_add_pd(acc, widen_sum(e));
  }
  double s = hsum(acc);
  for (; i < n; ++i) {
    const float e = std::exp(x[i] - m);
    if (y) y[i] = e;
    s += e;
  }
  return s;
}

double exp_shift_sum(const double* x, double* y, int64_t n, double m) {
  const __m256d mv = _mm256_set1_pd(m);
  __m256d acc = _mm256_setzero_pd();
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d e = vm::exp_pd(_mm256_sub_pd(_mm256_loadu_pd(x + i), mv));
    if (y) _mm256_storeu_pd(y + i, e);
    acc = _mm256_add_pd(acc, e);
  }
  double s = hsum(acc);
  for (; i < n; ++i) {
    const double e = std::exp(x[i] - m);
    if (y) y[i] = e;
    s += e;
  }
  return s;
}

// y = a * exp((x - l) - lo)
void scaled_exp(const float* x, float* y, int64_t n, float l, float lo, float a) {
  const __m256 lv = _mm256_set1_ps(l), lov = _mm256_set1_ps(lo), av = _mm256_set1_ps(a);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    __m256 t = _mm256_sub_ps(_mm256_sub_ps(_mm256_loadu_ps(x + i), lv), lov);
    _mm256_storeu_ps(y + i, _mm256_mul_ps(av, vm::exp_ps(t)));
  }
  for (; i < n; ++i) y[i] = a * std::exp((x[i] - l) - lo);
}

void scaled_exp(const double* x, double* y, int64_t n, double l, double lo, double a) {
  const __m256d lv = _mm256_set1_pd(l), lov = _mm256_set1_pd(lo), av = _mm256_set1_pd(a);
  int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    __m256d t = _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(x + i), lv), lov);
    _mm256_storeu_pd(y + i, _mm256_mul_pd(av, vm::exp_pd(t)));
  }
  for (; i < n; ++i) y[i] = a * std::exp((x[i] - l) - lo);
}

}  // namespace lamina::cpu::avx2
