// Fused optimizer updates on the GPU: twins of cpu/optim.cpp, one grid-stride kernel per
// parameter around the shared per-element math (core/optim_math.h).
#include "../core/optim_math.h"
#include "../kernels/optim.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

// param, grad, buf (n,) contiguous; buf null when momentum == 0. See cpu/optim.h.
template <typename T>
__global__ void __launch_bounds__(kBlock)
sgd_kernel(int64_t n, T* p, const T* grad, T* buf, SgdConst<T> k) {
  for (int64_t i = flat_begin(); i < n; i += flat_step())
    sgd_element(k, p[i], grad[i], buf ? buf + i : nullptr);
}

// param, grad, m, v, vmax (n,) contiguous; vmax null unless amsgrad. See cpu/optim.h.
template <typename T>
__global__ void __launch_bounds__(kBlock)
adam_kernel(int64_t n, T* p, const T* grad, T* m, T* v, T* vmax, AdamConst<T> k) {
  for (int64_t i = flat_begin(); i < n; i += flat_step())
    adam_element(k, p[i], grad[i], m[i], v[i], vmax ? vmax + i : nullptr);
}

}  // namespace

void sgd_step(DType dt, int64_t n, void* param, const void* grad, void* buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first) {
  if (n <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "sgd", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(sgd_kernel<T>, grid_for(n), kBlock, 0,
        n, typed<T>(param), typed<T>(grad), typed<T>(buf),
        make_sgd<T>(lr, momentum, dampening, weight_decay, nesterov, maximize, first));
  });
}

void adam_step(DType dt, int64_t n, void* param, const void* grad, void* exp_avg,
               void* exp_avg_sq, void* max_exp_avg_sq, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled, bool maximize, double bc1,
               double bc2) {
  if (n <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, decoupled ? "adamw" : "adam", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(adam_kernel<T>, grid_for(n), kBlock, 0,
        n, typed<T>(param), typed<T>(grad), typed<T>(exp_avg),
        typed<T>(exp_avg_sq), typed<T>(max_exp_avg_sq),
        make_adam<T>(lr, beta1, beta2, eps, weight_decay, decoupled, maximize, bc1, bc2));
  });
}

}  // namespace lamina::cuda
