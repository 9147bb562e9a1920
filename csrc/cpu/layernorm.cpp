// Fused LayerNorm: the row loops and the run-time switch (cpu::isa()) between the row kernels of
// layernorm_impl.h on AVX-512, AVX2 or one-lane scalar "vectors" (the portable path, here).
//
// Forward: rows in parallel; per row one read for the mean, one for the variance (two-pass,
// the row is in L1 by then) and one to write y. Backward: the rows split into one chunk per
// thread; each chunk writes dx and accumulates dw, db into its own partial rows (in the dtype,
// flushed into double every kFlush rows), summed over the chunks at the end.
#include "../kernels/layernorm.h"
#include "layernorm_impl.h"  // the generic copy of the row kernels

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "../core/parallel.h"
#include "isa.h"

namespace lamina::cpu {


#define LAMINA_LN_ROWS(NS)                                                                    \
  namespace NS {                                                                             \
  void ln_forward_row(int64_t, const float*, const float*, const float*, double, float*,     \
                      float*, float*);                                                       \
  void ln_forward_row(int64_t, const double*, const double*, const double*, double, double*, \
                      double*, double*);                                                     \
  void ln_backward_row(int64_t, const float*, const float*, float, float, const float*,      \
                       float*, float*, float*);                                              \
  void ln_backward_row(int64_t, const double*, const double*, double, double, const double*, \
                       double*, double*, double*);                                           \
  }
LAMINA_LN_ROWS(avx2)
LAMINA_LN_ROWS(avx512)
#undef LAMINA_LN_ROWS

namespace {

constexpr int64_t kFlush = 128;  // rows accumulated in the dtype before a flush into double

template <typename T>
using FwdRow = void (*)(int64_t, const T*, const T*, const T*, double, T*, T*, T*);
template <typename T>
using BwdRow = void (*)(int64_t, const T*, const T*, T, T, const T*, T*, T*, T*);

// The row kernels of the widest ISA allowed.
template <typename T>
void forward_row(int64_t n, const T* x, const T* w, const T* b, double eps, T* y, T* m, T* r) {
  LAMINA_ISA(ln_forward_row(n, x, w, b, eps, y, m, r));
}
template <typename T>
void backward_row(int64_t n, const T* dy, const T* x, T m, T r, const T* w, T* dx, T* dw,
                  T* db) {
  LAMINA_ISA(ln_backward_row(n, dy, x, m, r, w, dx, dw, db));
}

int64_t row_grain(int64_t N) { return grain_for(16384, N); }

template <typename T>
void forward_t(int64_t M, int64_t N, const T* x, const T* w, const T* b, double eps, T* y,
               T* mean, T* rstd) {
  const FwdRow<T> row = forward_row<T>;
  parallel_for(0, M, row_grain(N), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) row(N, x + r * N, w, b, eps, y + r * N, mean + r, rstd + r);
  });
}

template <typename T>
void backward_t(int64_t M, int64_t N, const T* dy, const T* x, const T* mean, const T* rstd,
                const T* w, T* dx, T* dw, T* db) {
  const BwdRow<T> row = backward_row<T>;
  if (!dw && !db) {
    parallel_for(0, M, row_grain(N), [&](int64_t r0, int64_t r1) {
      for (int64_t r = r0; r < r1; ++r)
        row(N, dy + r * N, x + r * N, mean[r], rstd[r], w, dx + r * N, nullptr, nullptr);
    });
    return;
  }
  // one chunk of rows per thread (fewer for small problems), each with its own partials
  const int64_t chunks = std::max<int64_t>(
      1, std::min<int64_t>({get_num_threads(), M, M * N / 32768}));
  std::vector<double> acc(static_cast<size_t>(2 * chunks * N), 0.0);  // [chunk][dw | db][N]
  parallel_for(0, chunks, 1, [&](int64_t c0, int64_t c1) {
    std::vector<T> part(static_cast<size_t>(2 * N));
    T* pw = dw ? part.data() : nullptr;
    T* pb = db ? part.data() + N : nullptr;
    for (int64_t c = c0; c < c1; ++c) {
      double* aw = acc.data() + 2 * c * N;
      double* ab = aw + N;
      const int64_t r0 = M * c / chunks, r1 = M * (c + 1) / chunks;
      for (int64_t rb = r0; rb < r1; rb += kFlush) {
        std::fill(part.begin(), part.end(), T(0));
        const int64_t re = std::min(r1, rb + kFlush);
        for (int64_t r = rb; r < re; ++r)
          row(N, dy + r * N, x + r * N, mean[r], rstd[r], w, dx ? dx + r * N : nullptr, pw, pb);
        if (pw)
          for (int64_t j = 0; j < N; ++j) aw[j] += static_cast<double>(pw[j]);
        if (pb)
          for (int64_t j = 0; j < N; ++j) ab[j] += static_cast<double>(pb[j]);
      }
    }
  });
  for (int64_t j = 0; j < N; ++j) {
    double sw = 0, sb = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      sw += acc[static_cast<size_t>(2 * c * N + j)];
      sb += acc[static_cast<size_t>((2 * c + 1) * N + j)];
    }
    if (dw) dw[j] = static_cast<T>(sw);
    if (db) db[j] = static_cast<T>(sb);
  }
}

}  // namespace

void layer_norm_forward(DType dt, int64_t M, int64_t N, const void* x, const void* w,
                        const void* b, double eps, void* y, void* mean, void* rstd) {
  LAMINA_DISPATCH_FLOAT(dt, "layer_norm", [&] {
    typed_call<scalar_t>(forward_t<scalar_t>, M, N, x, w, b, eps, y, mean, rstd);
  });
}

void layer_norm_backward(DType dt, int64_t M, int64_t N, const void* dy, const void* x,
                         const void* mean, const void* rstd, const void* w, void* dx, void* dw,
                         void* db) {
  LAMINA_DISPATCH_FLOAT(dt, "layer_norm_backward", [&] {
    typed_call<scalar_t>(backward_t<scalar_t>, M, N, dy, x, mean, rstd, w, dx, dw, db);
  });
}

}  // namespace lamina::cpu
