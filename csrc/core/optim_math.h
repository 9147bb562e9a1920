#pragma once
// The per-element arithmetic of the fused optimizer steps, shared by cpu/optim.cpp and
// cuda/optim.cu so the two cannot drift. Hyperparameters are rounded to the parameter's dtype
// once (make_*), then applied in the order torch's single-tensor loops use.
#include <cmath>
#include <cstdint>

#include "hd.h"

namespace lamina {

template <typename T>
struct SgdConst {
  T lr, mom, damp, wd;
  bool use_wd, use_mom, nesterov, maximize, first;
};

template <typename T>
inline SgdConst<T> make_sgd(double lr, double momentum, double dampening, double weight_decay,
                            bool nesterov, bool maximize, bool first) {
  return {static_cast<T>(lr), static_cast<T>(momentum), static_cast<T>(1.0 - dampening),
          static_cast<T>(weight_decay), weight_decay != 0, momentum != 0, nesterov, maximize,
          first};
}

// One element: g = ±grad + wd p; buf = first ? g : mom buf + (1 - damp) g;
// g = nesterov ? g + mom buf : buf; p -= lr g. `buf` is unused when momentum == 0.
template <typename T>
LAMINA_HD void sgd_element(const SgdConst<T>& k, T& p, T grad, T* buf) {
  T g = k.maximize ? -grad : grad;
  if (k.use_wd) g += k.wd * p;
  if (k.use_mom) {
    const T v = k.first ? g : k.mom * *buf + k.damp * g;
    *buf = v;
    g = k.nesterov ? g + k.mom * v : v;
  }
  p -= k.lr * g;
}

template <typename T>
struct AdamConst {
  T b1, b2, nb2, eps, wd, decay, step, bc2s;
  bool use_wd, decoupled, maximize;
};

// bc1 = 1 - beta1^t, bc2 = 1 - beta2^t (the caller's, in double).
template <typename T>
inline AdamConst<T> make_adam(double lr, double beta1, double beta2, double eps,
                              double weight_decay, bool decoupled, bool maximize, double bc1,
                              double bc2) {
  return {static_cast<T>(1.0 - beta1), static_cast<T>(beta2), static_cast<T>(1.0 - beta2),
          static_cast<T>(eps), static_cast<T>(weight_decay),
          static_cast<T>(1.0 - lr * weight_decay), static_cast<T>(lr / bc1),
          static_cast<T>(std::sqrt(bc2)), weight_decay != 0, decoupled, maximize};
}

// One element: AdamW decays p first, Adam adds wd p to g; m += (1 - b1)(g - m);
// v = b2 v + (1 - b2) g^2; amsgrad keeps vmax = max(vmax, v);
// p -= lr / bc1 * m / (sqrt(v) / sqrt(bc2) + eps)   (torch's addcdiv order)
template <typename T>
LAMINA_HD void adam_element(const AdamConst<T>& k, T& p, T grad, T& m, T& v, T* vmax) {
  using std::sqrt;
  T g = k.maximize ? -grad : grad;
  if (k.use_wd) {
    if (k.decoupled) p *= k.decay;
    else g += k.wd * p;
  }
  const T mi = m + k.b1 * (g - m);
  const T vi = v * k.b2 + k.nb2 * (g * g);
  m = mi;
  v = vi;
  T vd = vi;
  if (vmax) {
    vd = *vmax > vi ? *vmax : vi;
    *vmax = vd;
  }
  p -= k.step * mi / (sqrt(vd) / k.bc2s + k.eps);
}

}  // namespace lamina
