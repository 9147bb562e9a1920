// Fused cross-entropy: per row, the max and sum of exp(x - max) give lse in double (stable for
// logits of any size: x - max is exact before exp), the loss terms accumulate in double, and the
// backward recomputes p = exp(x - lse) from the saved float64 lse.
#include "../kernels/loss.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "../core/parallel.h"
#include "softmax.h"

namespace lamina::cpu {
namespace {

// x (C,) contiguous: log sum exp x in double (max first; a row of -inf gives -inf, NaN stays).
template <typename T>
double row_lse(int64_t C, const T* x) {
  const T m = row_max(x, C);
  if (!std::isfinite(m)) return static_cast<double>(m);
  return static_cast<double>(m) + std::log(exp_shift_sum(x, static_cast<T*>(nullptr), C, m));
}

template <typename T>
double weight_sum(int64_t C, const T* w) {
  if (!w) return static_cast<double>(C);
  double s = 0;
  for (int64_t c = 0; c < C; ++c) s += static_cast<double>(w[c]);
  return s;
}

template <typename T>
void index_forward(int64_t N, int64_t C, const T* x, const int64_t* t, const T* w, int64_t ignore,
                   double eps, T* loss, double* lse, T* wrow) {
  parallel_rows(N, C, 16384, [&](int64_t n) {
    const T* xr = x + n * C;
    const double l = row_lse(C, xr);
    lse[n] = l;
    if (t[n] == ignore) {
      loss[n] = 0;
      wrow[n] = 0;
      return;
    }
    const double wt = w ? static_cast<double>(w[t[n]]) : 1.0;
    double v = (1.0 - eps) * wt * (l - static_cast<double>(xr[t[n]]));
    if (eps != 0) {
      double s = 0;  // sum_c w_c (lse - x_c)
      for (int64_t c = 0; c < C; ++c)
        s += (w ? static_cast<double>(w[c]) : 1.0) * (l - static_cast<double>(xr[c]));
      v += eps / static_cast<double>(C) * s;
    }
    loss[n] = static_cast<T>(v);
    wrow[n] = static_cast<T>(wt);
  });
}

template <typename T>
void index_backward(int64_t N, int64_t C, const T* x, const int64_t* t, const T* w,
                    int64_t ignore, double eps, const double* lse, const T* g, int64_t gs,
                    T* dx) {
  const double W = weight_sum(C, w), sc = eps / static_cast<double>(C);
  parallel_rows(N, C, 16384, [&](int64_t n) {
    const T* xr = x + n * C;
    T* dr = dx + n * C;
    if (t[n] == ignore) {
      std::fill(dr, dr + C, T(0));
      return;
    }
    const double gn = static_cast<double>(g[n * gs]);
    const double wt = w ? static_cast<double>(w[t[n]]) : 1.0;
    const T a = static_cast<T>(gn * ((1.0 - eps) * wt + sc * W));
    const T l = static_cast<T>(lse[n]);
    const T lo = static_cast<T>(lse[n] - static_cast<double>(l));  // lse = l + lo exactly-ish
    scaled_exp(xr, dr, C, l, lo, a);
    if (eps != 0) {
      const T b = static_cast<T>(gn * sc);
      if (w) for (int64_t c = 0; c < C; ++c) dr[c] -= b * w[c];
      else for (int64_t c = 0; c < C; ++c) dr[c] -= b;
    }
    dr[t[n]] -= static_cast<T>(gn * (1.0 - eps) * wt);
  });
}

template <typename T>
void prob_forward(int64_t N, int64_t C, const T* x, const T* tq, const T* w, double eps, T* loss,
                  double* lse) {
  const double sc = eps / static_cast<double>(C);
  parallel_rows(N, C, 16384, [&](int64_t n) {
    const T* xr = x + n * C;
    const T* tr = tq + n * C;
    const double l = row_lse(C, xr);
    lse[n] = l;
    double s = 0;
    for (int64_t c = 0; c < C; ++c) {
      const double q = (1.0 - eps) * static_cast<double>(tr[c]) + sc;
      s += (w ? static_cast<double>(w[c]) : 1.0) * q * (l - static_cast<double>(xr[c]));
    }
    loss[n] = static_cast<T>(s);
  });
}

template <typename T>
void prob_backward(int64_t N, int64_t C, const T* x, const T* tq, const T* w, double eps,
                   const double* lse, const T* g, int64_t gs, T* dx) {
  const double sc = eps / static_cast<double>(C);
  parallel_rows(N, C, 16384, [&](int64_t n) {
    const T* xr = x + n * C;
    const T* tr = tq + n * C;
    T* dr = dx + n * C;
    const double gn = static_cast<double>(g[n * gs]);
    double sq = 0;  // sum_j w_j q_j
    for (int64_t c = 0; c < C; ++c)
      sq += (w ? static_cast<double>(w[c]) : 1.0) *
            ((1.0 - eps) * static_cast<double>(tr[c]) + sc);
    const T a = static_cast<T>(gn * sq), k1 = static_cast<T>(gn * (1.0 - eps)),
            k0 = static_cast<T>(gn * sc);
    const T l = static_cast<T>(lse[n]);
    const T lo = static_cast<T>(lse[n] - static_cast<double>(l));
    scaled_exp(xr, dr, C, l, lo, a);
    for (int64_t c = 0; c < C; ++c) dr[c] -= (w ? w[c] : T(1)) * (k1 * tr[c] + k0);
  });
}

}  // namespace

void cross_entropy_forward(DType dt, int64_t N, int64_t C, const void* logits,
                           const int64_t* target, const void* weight, int64_t ignore_index,
                           double eps, void* loss, double* lse, void* wrow) {
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy", [&] {
    index_forward<scalar_t>(N, C, typed<scalar_t>(logits), target,
                            typed<scalar_t>(weight), ignore_index, eps,
                            typed<scalar_t>(loss), lse, typed<scalar_t>(wrow));
  });
}

void cross_entropy_backward(DType dt, int64_t N, int64_t C, const void* logits,
                            const int64_t* target, const void* weight, int64_t ignore_index,
                            double eps, const double* lse, const void* grad, int64_t gstride,
                            void* dlogits) {
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy_backward", [&] {
    index_backward<scalar_t>(N, C, typed<scalar_t>(logits), target,
                             typed<scalar_t>(weight), ignore_index, eps, lse,
                             typed<scalar_t>(grad), gstride,
                             typed<scalar_t>(dlogits));
  });
}

void cross_entropy_prob_forward(DType dt, int64_t N, int64_t C, const void* logits,
                                const void* target, const void* weight, double eps, void* loss,
                                double* lse) {
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy", [&] {
    prob_forward<scalar_t>(N, C, typed<scalar_t>(logits),
                           typed<scalar_t>(target),
                           typed<scalar_t>(weight), eps,
                           typed<scalar_t>(loss), lse);
  });
}

void cross_entropy_prob_backward(DType dt, int64_t N, int64_t C, const void* logits,
                                 const void* target, const void* weight, double eps,
                                 const double* lse, const void* grad, int64_t gstride,
                                 void* dlogits) {
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy_backward", [&] {
    prob_backward<scalar_t>(N, C, typed<scalar_t>(logits),
                            typed<scalar_t>(target),
                            typed<scalar_t>(weight), eps, lse,
                            typed<scalar_t>(grad), gstride,
                            typed<scalar_t>(dlogits));
  });
}

}  // namespace lamina::cpu
