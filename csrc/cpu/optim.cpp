// Fused optimizer updates on the host: one parallel pass over the parameter and its state,
// the per-element math shared with the CUDA twins (core/optim_math.h).
#include "../kernels/optim.h"

#include "../core/optim_math.h"
#include "../core/parallel.h"

namespace lamina::cpu {
namespace {

constexpr int64_t kGrain = 16384;

}  // namespace

void sgd_step(DType dt, int64_t n, void* param, const void* grad, void* buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first) {
  LAMINA_DISPATCH_FLOAT(dt, "sgd", [&] {
    using T = scalar_t;
    const auto k = make_sgd<T>(lr, momentum, dampening, weight_decay, nesterov, maximize, first);
    T* p = typed<T>(param);
    const T* g = typed<T>(grad);
    T* b = typed<T>(buf);
    parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) sgd_element(k, p[i], g[i], b ? b + i : nullptr);
    });
  });
}

void adam_step(DType dt, int64_t n, void* param, const void* grad, void* exp_avg,
               void* exp_avg_sq, void* max_exp_avg_sq, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled, bool maximize, double bc1,
               double bc2) {
  LAMINA_DISPATCH_FLOAT(dt, decoupled ? "adamw" : "adam", [&] {
    using T = scalar_t;
    const auto k = make_adam<T>(lr, beta1, beta2, eps, weight_decay, decoupled, maximize, bc1,
                                bc2);
    T* p = typed<T>(param);
    const T* g = typed<T>(grad);
    T* m = typed<T>(exp_avg);
    T* v = typed<T>(exp_avg_sq);
    T* vmax = typed<T>(max_exp_avg_sq);
    parallel_for(0, n, kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        adam_element(k, p[i], g[i], m[i], v[i], vmax ? vmax + i : nullptr);
    });
  });
}

}  // namespace lamina::cpu
