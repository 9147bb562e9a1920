// Batch-norm CUDA kernels: twins of cpu/batchnorm.h over a contiguous (N, C, S) block.
// Training forward and backward: one block per channel, fused. Forward: a block (warp
// shuffle) reduction of the sum, then of the squared deviations (two passes, in double), one
// thread saving the statistics and moving the running ones, then the normalising pass.
// Backward: one reduction pass for sum dy and sum dy (x - mean), then the dx pass. Eval
// forward: one thread per element.
#include <cmath>

#include "../kernels/batchnorm.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

constexpr int kBnBlock = 512;

__device__ __forceinline__ int64_t elem(int64_t k, int64_t c, int64_t C, int64_t S) {
  return (k / S) * C * S + c * S + k % S;
}

template <typename T>
__global__ void __launch_bounds__(kBnBlock)
train_kernel(int64_t N, int64_t C, int64_t S, const T* x, const T* w, const T* b, double eps,
             double momentum, T* rm, T* rv, T* y, T* mean, T* invstd) {
  const int64_t M = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x)
      s += static_cast<double>(x[elem(k, c, C, S)]);
    const double mu = block_reduce(s, 0.0, Add()) / static_cast<double>(M);
    double v = 0;
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
      const double d = static_cast<double>(x[elem(k, c, C, S)]) - mu;
      v += d * d;
    }
    const double var = block_reduce(v, 0.0, Add()) / static_cast<double>(M);
    const double is = 1.0 / sqrt(var + eps);
    if (threadIdx.x == 0) {
      mean[c] = static_cast<T>(mu);
      invstd[c] = static_cast<T>(is);
      if (rm) rm[c] = static_cast<T>((1 - momentum) * static_cast<double>(rm[c]) + momentum * mu);
      if (rv)
        rv[c] = static_cast<T>((1 - momentum) * static_cast<double>(rv[c]) +
                               momentum * var * M / (M - 1));
    }
    const T m = static_cast<T>(mu);
    const T a = static_cast<T>((w ? static_cast<double>(w[c]) : 1.0) * is);
    const T bb = b ? b[c] : T(0);
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
      const int64_t e = elem(k, c, C, S);
      y[e] = (x[e] - m) * a + bb;
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
eval_kernel(int64_t n, int64_t C, int64_t S, const T* x, const T* w, const T* b, const T* rm,
            const T* rv, double eps, T* y) {
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const int64_t c = (i / S) % C;
    const T is = static_cast<T>(1.0 / sqrt(static_cast<double>(rv[c]) + eps));
    y[i] = (x[i] - rm[c]) * (w ? w[c] * is : is) + (b ? b[c] : T(0));
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
eval_stats_kernel(int64_t C, const T* rm, const T* rv, double eps, T* mean, T* invstd) {
  for (int64_t c = flat_begin(); c < C; c += flat_step()) {
    mean[c] = rm[c];
    invstd[c] = static_cast<T>(1.0 / sqrt(static_cast<double>(rv[c]) + eps));
  }
}

template <typename T>
__global__ void __launch_bounds__(kBnBlock)
backward_kernel(int64_t N, int64_t C, int64_t S, const T* x, const T* dy, const T* w,
                const T* mean, const T* invstd, bool training, T* dx, T* dw, T* db) {
  const int64_t M = N * S;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const double mu = static_cast<double>(mean[c]), is = static_cast<double>(invstd[c]);
    double sdy = 0, sdyx = 0;
    if (training || dw || db) {
      for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
        const int64_t e = elem(k, c, C, S);
        const double g = static_cast<double>(dy[e]);
        sdy += g;
        sdyx += g * (static_cast<double>(x[e]) - mu);
      }
      sdy = block_reduce(sdy, 0.0, Add());
      sdyx = block_reduce(sdyx, 0.0, Add());
    }
    if (threadIdx.x == 0) {
      if (dw) dw[c] = static_cast<T>(sdyx * is);
      if (db) db[c] = static_cast<T>(sdy);
    }
    if (!dx) continue;
    const double k1 = (w ? static_cast<double>(w[c]) : 1.0) * is;
    const T t1 = static_cast<T>(k1);
    const T t2 = training ? static_cast<T>(-k1 * is * is * sdyx / M) : T(0);
    const T t3 = training ? static_cast<T>(-k1 * sdy / M) : T(0);
    const T m = mean[c];
    for (int64_t k = threadIdx.x; k < M; k += blockDim.x) {
      const int64_t e = elem(k, c, C, S);
      dx[e] = dy[e] * t1 + (x[e] - m) * t2 + t3;
    }
  }
}

unsigned channel_grid(int64_t C) {
  return static_cast<unsigned>(std::min<int64_t>(std::max<int64_t>(C, 1), kMaxBlocks));
}

}  // namespace

void batch_norm_train(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                      const void* weight, const void* bias, double eps, double momentum,
                      void* running_mean, void* running_var, void* y, void* mean, void* invstd) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(train_kernel<T>, channel_grid(C), kBnBlock, 0,
        N, C, S, typed<T>(x), typed<T>(weight),
        typed<T>(bias), eps, momentum, typed<T>(running_mean),
        typed<T>(running_var), typed<T>(y), typed<T>(mean),
        typed<T>(invstd));
  });
}

void batch_norm_eval(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                     const void* weight, const void* bias, const void* running_mean,
                     const void* running_var, double eps, void* y, void* mean, void* invstd) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm", [&] {
    using T = scalar_t;
    const int64_t n = N * C * S;
    LAMINA_LAUNCH(eval_stats_kernel<T>, grid_for(C), kBlock, 0, C, typed<T>(running_mean),
                                                   typed<T>(running_var), eps,
                                                   typed<T>(mean),
                                                   typed<T>(invstd));
    if (n == 0) return;
    LAMINA_LAUNCH(eval_kernel<T>, grid_for(n), kBlock, 0,
        n, C, S, typed<T>(x), typed<T>(weight),
        typed<T>(bias), typed<T>(running_mean),
        typed<T>(running_var), eps, typed<T>(y));
  });
}

void batch_norm_backward(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                         const void* dy, const void* weight, const void* mean,
                         const void* invstd, bool training, void* dx, void* dweight,
                         void* dbias) {
  LAMINA_DISPATCH_FLOAT(dt, "batch_norm_backward", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(backward_kernel<T>, channel_grid(C), kBnBlock, 0,
        N, C, S, typed<T>(x), typed<T>(dy),
        typed<T>(weight), typed<T>(mean),
        typed<T>(invstd), training, typed<T>(dx), typed<T>(dweight),
        typed<T>(dbias));
  });
}

}  // namespace lamina::cuda
