// Batch-norm kernel bodies, included once per instruction-set path with LAMINA_CPU_NS set
// (generic: batchnorm.cpp; avx2, avx512: batchnorm_avx2.cpp, batchnorm_avx512.cpp), written
// for the auto-vectoriser (independent lanes, double accumulators).
//
// Two layouts of x (N, C, S):
// - channels (S >= kRun): one task per channel; its N runs of S contiguous values are read
//   once from memory for the first sums; the later passes find them in cache (a channel of
//   the benchmark shapes is at most ~400 KB), so forward and backward each move x (and dy)
//   from memory about once although they make two or three passes.
// - columns (small S, e.g. (N, C)): a block of channels is a (N, width) strip of contiguous
//   rows; sums run along N with one double accumulator per column, reduced over S at the end.
#include <algorithm>
#include <cmath>
#include <vector>

#include "../core/dtype.h"
#include "../core/parallel.h"
#include "../kernels/batchnorm.h"
#include "simd/lane_sum.h"

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

namespace {

constexpr int64_t kRun = 32;     // S from which the channel layout is used
constexpr int64_t kWidth = 512;  // columns per task in the column layout
constexpr int64_t L = 16;        // lanes

template <typename T>
double sqdev_run(const T* x, int64_t n, double m) {
  double a[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int64_t j = 0; j < L; ++j) {
      const double d = static_cast<double>(x[i + j]) - m;
      a[j] += d * d;
    }
  double s = 0;
  for (; i < n; ++i) {
    const double d = static_cast<double>(x[i]) - m;
    s += d * d;
  }
  for (int64_t j = 0; j < L; ++j) s += a[j];
  return s;
}

// sdy += sum dy, sdyx += sum dy * (x - m)
template <typename T>
void dot_run(const T* x, const T* dy, int64_t n, double m, double* sdy, double* sdyx) {
  double a[L] = {}, b[L] = {};
  int64_t i = 0;
  for (; i + L <= n; i += L)
    for (int64_t j = 0; j < L; ++j) {
      const double g = static_cast<double>(dy[i + j]);
      a[j] += g;
      b[j] += g * (static_cast<double>(x[i + j]) - m);
    }
  double s = 0, t = 0;
  for (; i < n; ++i) {
    const double g = static_cast<double>(dy[i]);
    s += g;
    t += g * (static_cast<double>(x[i]) - m);
  }
  for (int64_t j = 0; j < L; ++j) s += a[j], t += b[j];
  *sdy += s;
  *sdyx += t;
}

template <typename T>
void norm_run(const T* x, T* y, int64_t n, T m, T a, T b) {
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * a + b;
}

template <typename T>
void grad_run(const T* x, const T* dy, T* dx, int64_t n, T m, T k1, T k2, T k3) {
  for (int64_t i = 0; i < n; ++i) dx[i] = dy[i] * k1 + (x[i] - m) * k2 + k3;
}

template <typename T>
struct Args {
  int64_t N, C, S;
  const T* x;
  const T* w;
  const T* b;
  T* y;
  T* mean;
  T* invstd;
  double eps, momentum;
  T* rm;
  T* rv;
  double M() const { return static_cast<double>(N * S); }
  T weight(int64_t c) const { return w ? w[c] : T(1); }
  T bias(int64_t c) const { return b ? b[c] : T(0); }
  // Saves channel c's statistics and updates its running ones.
  void finish(int64_t c, double mu, double var) const {
    const double is = 1.0 / std::sqrt(var + eps);
    mean[c] = static_cast<T>(mu);
    invstd[c] = static_cast<T>(is);
    if (rm) rm[c] = static_cast<T>((1 - momentum) * rm[c] + momentum * mu);
    if (rv) rv[c] = static_cast<T>((1 - momentum) * rv[c] + momentum * var * M() / (M() - 1));
  }
};

// Runs body(c0, c1) over blocks of channels: single channels in the channel layout, strips
// of about kWidth columns in the column layout.
template <typename F>
void for_channels(int64_t N, int64_t C, int64_t S, const F& body) {
  const int64_t cb = S >= kRun ? 1 : std::max<int64_t>(1, kWidth / S);
  const int64_t nb = (C + cb - 1) / cb;
  const int64_t grain = grain_for(16384, N * S * cb);
  parallel_for(0, nb, grain, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) body(k * cb, std::min(C, (k + 1) * cb));
  });
}

template <typename T>
void train_channel(const Args<T>& a, int64_t c) {
  const int64_t CS = a.C * a.S;
  const T* xc = a.x + c * a.S;
  double s = 0;
  for (int64_t n = 0; n < a.N; ++n) s += lane_sum<L>(xc + n * CS, a.S);
  const double mu = s / a.M();
  double v = 0;
  for (int64_t n = 0; n < a.N; ++n) v += sqdev_run(xc + n * CS, a.S, mu);
  a.finish(c, mu, v / a.M());
  const T sc = a.weight(c) * a.invstd[c];
  for (int64_t n = 0; n < a.N; ++n)
    norm_run(xc + n * CS, a.y + c * a.S + n * CS, a.S, a.mean[c], sc, a.bias(c));
}

template <typename T>
void train_columns(const Args<T>& a, int64_t c0, int64_t c1) {
  const int64_t CS = a.C * a.S, S = a.S, w = (c1 - c0) * S;
  std::vector<double> acc(w, 0.0), mj(w);
  const T* x = a.x + c0 * S;
  for (int64_t n = 0; n < a.N; ++n) {
    const T* r = x + n * CS;
    for (int64_t j = 0; j < w; ++j) acc[j] += static_cast<double>(r[j]);
  }
  for (int64_t c = c0; c < c1; ++c) {
    double s = 0;
    for (int64_t k = 0; k < S; ++k) s += acc[(c - c0) * S + k];
    for (int64_t k = 0; k < S; ++k) mj[(c - c0) * S + k] = s / a.M();
  }
  std::fill(acc.begin(), acc.end(), 0.0);
  for (int64_t n = 0; n < a.N; ++n) {
    const T* r = x + n * CS;
    for (int64_t j = 0; j < w; ++j) {
      const double d = static_cast<double>(r[j]) - mj[j];
      acc[j] += d * d;
    }
  }
  std::vector<T> tm(w), ta(w), tb(w);
  for (int64_t c = c0; c < c1; ++c) {
    double v = 0;
    for (int64_t k = 0; k < S; ++k) v += acc[(c - c0) * S + k];
    a.finish(c, mj[(c - c0) * S], v / a.M());
    for (int64_t k = 0; k < S; ++k) {
      tm[(c - c0) * S + k] = a.mean[c];
      ta[(c - c0) * S + k] = a.weight(c) * a.invstd[c];
      tb[(c - c0) * S + k] = a.bias(c);
    }
  }
  for (int64_t n = 0; n < a.N; ++n) {
    const T* r = x + n * CS;
    T* o = a.y + c0 * S + n * CS;
    for (int64_t j = 0; j < w; ++j) o[j] = (r[j] - tm[j]) * ta[j] + tb[j];
  }
}

template <typename T>
void train_t(const Args<T>& a) {
  for_channels(a.N, a.C, a.S, [&](int64_t c0, int64_t c1) {
    if (a.S >= kRun) {
      for (int64_t c = c0; c < c1; ++c) train_channel(a, c);
    } else {
      train_columns(a, c0, c1);
    }
  });
}

template <typename T>
void eval_t(const Args<T>& a, const T* rm, const T* rv) {
  const int64_t CS = a.C * a.S;
  for (int64_t c = 0; c < a.C; ++c) {
    a.mean[c] = rm[c];
    a.invstd[c] = static_cast<T>(1.0 / std::sqrt(static_cast<double>(rv[c]) + a.eps));
  }
  const int64_t grain = std::max<int64_t>(1, 32768 / CS);
  parallel_for(0, a.N, grain, [&](int64_t b, int64_t e) {
    for (int64_t n = b; n < e; ++n)
      for (int64_t c = 0; c < a.C; ++c) {
        const int64_t off = n * CS + c * a.S;
        norm_run(a.x + off, a.y + off, a.S, a.mean[c], a.weight(c) * a.invstd[c], a.bias(c));
      }
  });
}

template <typename T>
struct Grad {
  int64_t N, C, S;
  const T* x;
  const T* dy;
  const T* w;
  const T* mean;
  const T* invstd;
  bool training;
  T* dx;
  T* dw;
  T* db;
  bool sums() const { return training || dw || db; }
  double M() const { return static_cast<double>(N * S); }
  // dx = dy * k1 + (x - mean) * k2 + k3 for channel c given its sums; saves dw, db.
  void coeffs(int64_t c, double sdy, double sdyx, T* k) const {
    const double is = static_cast<double>(invstd[c]);
    if (dw) dw[c] = static_cast<T>(sdyx * is);
    if (db) db[c] = static_cast<T>(sdy);
    const double k1 = (w ? static_cast<double>(w[c]) : 1.0) * is;
    k[0] = static_cast<T>(k1);
    k[1] = training ? static_cast<T>(-k1 * is * is * sdyx / M()) : T(0);
    k[2] = training ? static_cast<T>(-k1 * sdy / M()) : T(0);
  }
};

template <typename T>
void grad_channel(const Grad<T>& a, int64_t c) {
  const int64_t CS = a.C * a.S;
  const int64_t off = c * a.S;
  double sdy = 0, sdyx = 0;
  if (a.sums())
    for (int64_t n = 0; n < a.N; ++n)
      dot_run(a.x + off + n * CS, a.dy + off + n * CS, a.S, static_cast<double>(a.mean[c]),
              &sdy, &sdyx);
  T k[3];
  a.coeffs(c, sdy, sdyx, k);
  if (a.dx)
    for (int64_t n = 0; n < a.N; ++n)
      grad_run(a.x + off + n * CS, a.dy + off + n * CS, a.dx + off + n * CS, a.S, a.mean[c],
               k[0], k[1], k[2]);
}

template <typename T>
void grad_columns(const Grad<T>& a, int64_t c0, int64_t c1) {
  const int64_t CS = a.C * a.S, S = a.S, w = (c1 - c0) * S;
  std::vector<double> s1(w, 0.0), s2(w, 0.0), mj(w);
  const int64_t off = c0 * S;
  for (int64_t j = 0; j < w; ++j) mj[j] = static_cast<double>(a.mean[c0 + j / S]);
  if (a.sums())
    for (int64_t n = 0; n < a.N; ++n) {
      const T* r = a.x + off + n * CS;
      const T* g = a.dy + off + n * CS;
      for (int64_t j = 0; j < w; ++j) {
        const double gj = static_cast<double>(g[j]);
        s1[j] += gj;
        s2[j] += gj * (static_cast<double>(r[j]) - mj[j]);
      }
    }
  std::vector<T> tm(w), k1(w), k2(w), k3(w);
  for (int64_t c = c0; c < c1; ++c) {
    double sdy = 0, sdyx = 0;
    for (int64_t q = 0; q < S; ++q) sdy += s1[(c - c0) * S + q], sdyx += s2[(c - c0) * S + q];
    T k[3];
    a.coeffs(c, sdy, sdyx, k);
    for (int64_t q = 0; q < S; ++q) {
      const int64_t j = (c - c0) * S + q;
      tm[j] = a.mean[c], k1[j] = k[0], k2[j] = k[1], k3[j] = k[2];
    }
  }
  if (!a.dx) return;
  for (int64_t n = 0; n < a.N; ++n) {
    const T* r = a.x + off + n * CS;
    const T* g = a.dy + off + n * CS;
    T* o = a.dx + off + n * CS;
    for (int64_t j = 0; j < w; ++j) o[j] = g[j] * k1[j] + (r[j] - tm[j]) * k2[j] + k3[j];
  }
}

}  // namespace

void batch_norm_train(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                      const void* weight, const void* bias, double eps, double momentum,
                      void* running_mean, void* running_var, void* y, void* mean, void* invstd) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm", [&] {
    using T = scalar_t;
    Args<T> a{N, C, S, typed<T>(x), typed<T>(weight),
              typed<T>(bias), typed<T>(y), typed<T>(mean),
              typed<T>(invstd), eps, momentum, typed<T>(running_mean),
              typed<T>(running_var)};
    train_t(a);
  });
}

void batch_norm_eval(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                     const void* weight, const void* bias, const void* running_mean,
                     const void* running_var, double eps, void* y, void* mean, void* invstd) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm", [&] {
    using T = scalar_t;
    Args<T> a{N, C, S, typed<T>(x), typed<T>(weight),
              typed<T>(bias), typed<T>(y), typed<T>(mean),
              typed<T>(invstd), eps, 0.0, nullptr, nullptr};
    eval_t(a, typed<T>(running_mean), typed<T>(running_var));
  });
}

void batch_norm_backward(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                         const void* dy, const void* weight, const void* mean,
                         const void* invstd, bool training, void* dx, void* dweight,
                         void* dbias) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm_backward", [&] {
    using T = scalar_t;
    Grad<T> a{N, C, S, typed<T>(x), typed<T>(dy),
              typed<T>(weight), typed<T>(mean),
              typed<T>(invstd), training, typed<T>(dx),
              typed<T>(dweight), typed<T>(dbias)};
    for_channels(N, C, S, [&](int64_t c0, int64_t c1) {
      if (S >= kRun) {
        for (int64_t c = c0; c < c1; ++c) grad_channel(a, c);
      } else {
        grad_columns(a, c0, c1);
      }
    });
  });
}

}  // namespace lamina::cpu::LAMINA_CPU_NS
