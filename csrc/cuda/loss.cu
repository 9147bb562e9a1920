// Fused cross-entropy CUDA kernels: twins of cpu/loss.cpp. One block per row of logits (grid
// stride over rows): block reductions give the max, sum of exp (double) and the smoothing term;
// thread 0 writes the row's loss, lse and weight. Backward: p = exp(x - lse) per element.
#include <cmath>
#include <limits>

#include "../kernels/loss.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

// x (C,) one row: log sum exp in double (-inf / +inf / NaN max returned as is).
template <typename T>
__device__ double row_lse(int64_t C, const T* x) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) m = x[c] > m ? x[c] : m;
  m = block_reduce(m, -std::numeric_limits<T>::infinity(), Max());
  if (!isfinite(m)) return static_cast<double>(m);
  double s = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += static_cast<double>(exp(x[c] - m));
  return static_cast<double>(m) + ::log(block_reduce(s, 0.0, Add()));
}

// sum_c w_c (or C without weights), by every block.
template <typename T>
__device__ double weight_sum(int64_t C, const T* w) {
  if (!w) return static_cast<double>(C);
  double s = 0;
  for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += static_cast<double>(w[c]);
  return block_reduce(s, 0.0, Add());
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
index_forward(int64_t N, int64_t C, const T* x, const int64_t* t, const T* w, int64_t ignore,
              double eps, T* loss, double* lse, T* wrow) {
  for (int64_t n = blockIdx.x; n < N; n += gridDim.x) {
    const T* xr = x + n * C;
    const double l = row_lse(C, xr);
    double s = 0;  // sum_c w_c (lse - x_c), only with smoothing
    if (eps != 0)
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
        s += (w ? static_cast<double>(w[c]) : 1.0) * (l - static_cast<double>(xr[c]));
    if (eps != 0) s = block_reduce(s, 0.0, Add());
    if (threadIdx.x == 0) {
      lse[n] = l;
      const int64_t tn = t[n];
      if (tn == ignore) {
        loss[n] = 0;
        wrow[n] = 0;
      } else {
        const double wt = w ? static_cast<double>(w[tn]) : 1.0;
        loss[n] = static_cast<T>((1.0 - eps) * wt * (l - static_cast<double>(xr[tn])) +
                                 eps / static_cast<double>(C) * s);
        wrow[n] = static_cast<T>(wt);
      }
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
index_backward(int64_t N, int64_t C, const T* x, const int64_t* t, const T* w, int64_t ignore,
               double eps, const double* lse, const T* g, int64_t gs, T* dx) {
  const double sc = eps / static_cast<double>(C);
  const double W = eps != 0 ? weight_sum(C, w) : 0.0;
  for (int64_t n = blockIdx.x; n < N; n += gridDim.x) {
    const T* xr = x + n * C;
    T* dr = dx + n * C;
    const int64_t tn = t[n];
    if (tn == ignore) {
      for (int64_t c = threadIdx.x; c < C; c += blockDim.x) dr[c] = 0;
      continue;
    }
    const double gn = static_cast<double>(g[n * gs]);
    const double wt = w ? static_cast<double>(w[tn]) : 1.0;
    const T a = static_cast<T>(gn * ((1.0 - eps) * wt + sc * W));
    const T b = static_cast<T>(gn * sc), hit = static_cast<T>(gn * (1.0 - eps) * wt);
    const T l = static_cast<T>(lse[n]);
    const T lo = static_cast<T>(lse[n] - static_cast<double>(l));
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      T d = a * exp((xr[c] - l) - lo) - b * (w ? w[c] : T(1));
      if (c == tn) d -= hit;
      dr[c] = d;
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
prob_forward(int64_t N, int64_t C, const T* x, const T* tq, const T* w, double eps, T* loss,
             double* lse) {
  const double sc = eps / static_cast<double>(C);
  for (int64_t n = blockIdx.x; n < N; n += gridDim.x) {
    const T* xr = x + n * C;
    const T* tr = tq + n * C;
    const double l = row_lse(C, xr);
    double s = 0;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) {
      const double q = (1.0 - eps) * static_cast<double>(tr[c]) + sc;
      s += (w ? static_cast<double>(w[c]) : 1.0) * q * (l - static_cast<double>(xr[c]));
    }
    s = block_reduce(s, 0.0, Add());
    if (threadIdx.x == 0) {
      lse[n] = l;
      loss[n] = static_cast<T>(s);
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
prob_backward(int64_t N, int64_t C, const T* x, const T* tq, const T* w, double eps,
              const double* lse, const T* g, int64_t gs, T* dx) {
  const double sc = eps / static_cast<double>(C);
  for (int64_t n = blockIdx.x; n < N; n += gridDim.x) {
    const T* xr = x + n * C;
    const T* tr = tq + n * C;
    T* dr = dx + n * C;
    double sq = 0;  // sum_j w_j q_j
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
      sq += (w ? static_cast<double>(w[c]) : 1.0) *
            ((1.0 - eps) * static_cast<double>(tr[c]) + sc);
    sq = block_reduce(sq, 0.0, Add());
    const double gn = static_cast<double>(g[n * gs]);
    const T a = static_cast<T>(gn * sq), k1 = static_cast<T>(gn * (1.0 - eps)),
            k0 = static_cast<T>(gn * sc);
    const T l = static_cast<T>(lse[n]);
    const T lo = static_cast<T>(lse[n] - static_cast<double>(l));
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x)
      dr[c] = a * exp((xr[c] - l) - lo) - (w ? w[c] : T(1)) * (k1 * tr[c] + k0);
  }
}

unsigned row_grid(int64_t N) { return static_cast<unsigned>(std::min<int64_t>(N, kMaxBlocks)); }

}  // namespace

void cross_entropy_forward(DType dt, int64_t N, int64_t C, const void* logits,
                           const int64_t* target, const void* weight, int64_t ignore_index,
                           double eps, void* loss, double* lse, void* wrow) {
  if (N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy", [&] {
    LAMINA_LAUNCH(index_forward<scalar_t>, row_grid(N), kBlock, 0,
        N, C, typed<scalar_t>(logits), target, typed<scalar_t>(weight),
        ignore_index, eps, typed<scalar_t>(loss), lse, typed<scalar_t>(wrow));
  });
}

void cross_entropy_backward(DType dt, int64_t N, int64_t C, const void* logits,
                            const int64_t* target, const void* weight, int64_t ignore_index,
                            double eps, const double* lse, const void* grad, int64_t gstride,
                            void* dlogits) {
  if (N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy_backward", [&] {
    LAMINA_LAUNCH(index_backward<scalar_t>, row_grid(N), kBlock, 0,
        N, C, typed<scalar_t>(logits), target, typed<scalar_t>(weight),
        ignore_index, eps, lse, typed<scalar_t>(grad), gstride,
        typed<scalar_t>(dlogits));
  });
}

void cross_entropy_prob_forward(DType dt, int64_t N, int64_t C, const void* logits,
                                const void* target, const void* weight, double eps, void* loss,
                                double* lse) {
  if (N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy", [&] {
    LAMINA_LAUNCH(prob_forward<scalar_t>, row_grid(N), kBlock, 0,
        N, C, typed<scalar_t>(logits), typed<scalar_t>(target),
        typed<scalar_t>(weight), eps, typed<scalar_t>(loss), lse);
  });
}

void cross_entropy_prob_backward(DType dt, int64_t N, int64_t C, const void* logits,
                                 const void* target, const void* weight, double eps,
                                 const double* lse, const void* grad, int64_t gstride,
                                 void* dlogits) {
  if (N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "cross_entropy_backward", [&] {
    LAMINA_LAUNCH(prob_backward<scalar_t>, row_grid(N), kBlock, 0,
        N, C, typed<scalar_t>(logits), typed<scalar_t>(target),
        typed<scalar_t>(weight), eps, lse, typed<scalar_t>(grad),
        gstride, typed<scalar_t>(dlogits));
  });
}

}  // namespace lamina::cuda
