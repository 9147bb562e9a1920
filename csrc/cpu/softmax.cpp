// Fused softmax / log_softmax: one read for the max, one for exp + sum (writing exp), one to
// scale. A row holding +inf, or only -inf, gives NaN, as in torch. Rows (I == 1) run one per
// task with contiguous inner loops; strided softmax dims (I > 1) run a block of columns per
// task, the inner loops over those contiguous columns.
#include "softmax.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "../core/parallel.h"
#include "isa.h"

namespace lamina::cpu {

namespace avx2 {
float row_max(const float*, int64_t);
double row_max(const double*, int64_t);
double exp_shift_sum(const float*, float*, int64_t, float);
double exp_shift_sum(const double*, double*, int64_t, double);
void scaled_exp(const float*, float*, int64_t, float, float, float);
void scaled_exp(const double*, double*, int64_t, double, double, double);
}  // namespace avx2

namespace {

constexpr int64_t kCols = 256;  // columns per task when I > 1

bool use_avx2() {
  static const bool v = isa() != Isa::Generic;
  return v;
}

template <typename T>
T row_max_t(const T* x, int64_t n) {
  if (use_avx2()) return avx2::row_max(x, n);
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t r = 0; r < n; ++r) m = x[r] > m ? x[r] : m;
  return m;
}

template <typename T>
double exp_shift_sum_t(const T* x, T* y, int64_t n, T m) {
  if (use_avx2()) return avx2::exp_shift_sum(x, y, n, m);
  double s = 0;
  for (int64_t r = 0; r < n; ++r) {
    const T e = std::exp(x[r] - m);
    if (y) y[r] = e;
    s += static_cast<double>(e);
  }
  return s;
}

template <typename T>
void scaled_exp_t(const T* x, T* y, int64_t n, T l, T lo, T a) {
  if (use_avx2()) return avx2::scaled_exp(x, y, n, l, lo, a);
  for (int64_t r = 0; r < n; ++r) y[r] = a * std::exp((x[r] - l) - lo);
}

// x, y (R,) contiguous: one row.
template <typename T>
void forward_row(int64_t R, const T* x, T* y, bool log) {
  const T m = row_max_t(x, R);
  const double s = exp_shift_sum_t(x, log ? nullptr : y, R, m);
  if (log) {
    const T ls = static_cast<T>(std::log(s));
    for (int64_t r = 0; r < R; ++r) y[r] = (x[r] - m) - ls;  // x - m first: exact for big x
  } else {
    const T inv = static_cast<T>(1.0 / s);
    for (int64_t r = 0; r < R; ++r) y[r] *= inv;
  }
}

// x, y (R, I) with row stride I, columns [0, n) of it; m, s scratch (n,).
template <typename T>
void forward_cols(int64_t R, int64_t I, int64_t n, const T* x, T* y, bool log, T* m, double* s) {
  for (int64_t i = 0; i < n; ++i) m[i] = -std::numeric_limits<T>::infinity(), s[i] = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) m[i] = x[r * I + i] > m[i] ? x[r * I + i] : m[i];
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      T e = std::exp(x[r * I + i] - m[i]);
      if (!log) y[r * I + i] = e;
      s[i] += static_cast<double>(e);
    }
  for (int64_t i = 0; i < n; ++i) s[i] = log ? std::log(s[i]) : 1.0 / s[i];
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      if (log) y[r * I + i] = (x[r * I + i] - m[i]) - static_cast<T>(s[i]);
      else y[r * I + i] *= static_cast<T>(s[i]);
    }
}

// y, dy, dx (R,) contiguous.
template <typename T>
void backward_row(int64_t R, const T* y, const T* dy, T* dx, bool log) {
  double s = 0;
  if (log) {
    for (int64_t r = 0; r < R; ++r) s += static_cast<double>(dy[r]);
    scaled_exp_t(y, dx, R, T(0), T(0), static_cast<T>(-s));  // dx = -s exp(y), then + dy
    for (int64_t r = 0; r < R; ++r) dx[r] += dy[r];
  } else {
    for (int64_t r = 0; r < R; ++r) s += static_cast<double>(dy[r]) * static_cast<double>(y[r]);
    const T st = static_cast<T>(s);
    for (int64_t r = 0; r < R; ++r) dx[r] = y[r] * (dy[r] - st);
  }
}

// y, dy, dx (R, I) with row stride I, columns [0, n); s scratch (n,).
template <typename T>
void backward_cols(int64_t R, int64_t I, int64_t n, const T* y, const T* dy, T* dx, bool log,
                   double* s) {
  for (int64_t i = 0; i < n; ++i) s[i] = 0;
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const double g = static_cast<double>(dy[r * I + i]);
      s[i] += log ? g : g * static_cast<double>(y[r * I + i]);
    }
  for (int64_t r = 0; r < R; ++r)
    for (int64_t i = 0; i < n; ++i) {
      const int64_t k = r * I + i;
      if (log) dx[k] = dy[k] - std::exp(y[k]) * static_cast<T>(s[i]);
      else dx[k] = y[k] * (dy[k] - static_cast<T>(s[i]));
    }
}

// Run body(o, i0, n) over every (row block o, column block [i0, i0 + n)) in parallel.
template <typename F>
void for_blocks(int64_t O, int64_t R, int64_t I, const F& body) {
  const int64_t nb = (I + kCols - 1) / kCols;
  const int64_t work = std::max<int64_t>(1, R * std::min(I, kCols));
  parallel_for(0, O * nb, std::max<int64_t>(1, 16384 / work), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const int64_t o = k / nb, i0 = (k % nb) * kCols;
      body(o, i0, std::min(kCols, I - i0));
    }
  });
}

template <typename T>
void forward_t(int64_t O, int64_t R, int64_t I, const T* x, T* y, bool log) {
  if (I == 1) {
    parallel_for(0, O, std::max<int64_t>(1, 16384 / std::max<int64_t>(R, 1)),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) forward_row(R, x + o * R, y + o * R, log);
    });
    return;
  }
  for_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t n) {
    T m[kCols];
    double s[kCols];
    const int64_t off = o * R * I + i0;
    forward_cols(R, I, n, x + off, y + off, log, m, s);
  });
}

template <typename T>
void backward_t(int64_t O, int64_t R, int64_t I, const T* y, const T* dy, T* dx, bool log) {
  if (I == 1) {
    parallel_for(0, O, std::max<int64_t>(1, 16384 / std::max<int64_t>(R, 1)),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) backward_row(R, y + o * R, dy + o * R, dx + o * R, log);
    });
    return;
  }
  for_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t n) {
    double s[kCols];
    const int64_t off = o * R * I + i0;
    backward_cols(R, I, n, y + off, dy + off, dx + off, log, s);
  });
}

}  // namespace

void softmax_forward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y,
                     bool log) {
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax" : "softmax", [&] {
    forward_t<scalar_t>(O, R, I, static_cast<const scalar_t*>(x), static_cast<scalar_t*>(y), log);
  });
}

void softmax_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* y, const void* dy,
                      void* dx, bool log) {
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax_backward" : "softmax_backward", [&] {
    backward_t<scalar_t>(O, R, I, static_cast<const scalar_t*>(y),
                         static_cast<const scalar_t*>(dy), static_cast<scalar_t*>(dx), log);
  });
}

float row_max(const float* x, int64_t n) { return row_max_t(x, n); }
double row_max(const double* x, int64_t n) { return row_max_t(x, n); }
double exp_shift_sum(const float* x, float* y, int64_t n, float m) {
  return exp_shift_sum_t(x, y, n, m);
}
double exp_shift_sum(const double* x, double* y, int64_t n, double m) {
  return exp_shift_sum_t(x, y, n, m);
}
void scaled_exp(const float* x, float* y, int64_t n, float l, float lo, float a) {
  scaled_exp_t(x, y, n, l, lo, a);
}
void scaled_exp(const double* x, double* y, int64_t n, double l, double lo, double a) {
  scaled_exp_t(x, y, n, l, lo, a);
}

}  // namespace lamina::cpu
