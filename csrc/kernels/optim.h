#pragma once
// Fused optimizer updates: one call updates one parameter and its state in place.
// Hyperparameters arrive as doubles; bias corrections are the caller's. The per-element math
// is core/optim_math.h, shared by both devices.
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_OPTIM_KERNELS(X)                                                            \
  /* param, grad, buf (n,) contiguous, one dtype; buf may be null when momentum == 0.       \
       g = (maximize ? -grad : grad) + weight_decay * param                                 \
       momentum != 0: buf = first ? g : momentum * buf + (1 - dampening) * g                \
                      g = nesterov ? g + momentum * buf : buf                               \
       param -= lr * g */                                                                   \
  X(sgd_step, (DType dt, int64_t n, void* param, const void* grad, void* buf, double lr,    \
               double momentum, double dampening, double weight_decay, bool nesterov,       \
               bool maximize, bool first))                                                  \
  /* param, grad, exp_avg, exp_avg_sq, max_exp_avg_sq (n,) contiguous, one dtype;           \
     max_exp_avg_sq is null unless amsgrad.                                                 \
       g = maximize ? -grad : grad                                                          \
       decoupled (AdamW): param *= 1 - lr * weight_decay; else g += weight_decay * param    \
       m += (1 - beta1) (g - m);  v = beta2 v + (1 - beta2) g^2;  amsgrad: vmax = max(.., v) \
       param -= lr / bc1 * m / (sqrt(v or vmax) / sqrt(bc2) + eps)                          \
       (bc1 = 1 - beta1^step, bc2 = 1 - beta2^step) */                                      \
  X(adam_step, (DType dt, int64_t n, void* param, const void* grad, void* exp_avg,          \
                void* exp_avg_sq, void* max_exp_avg_sq, double lr, double beta1,            \
                double beta2, double eps, double weight_decay, bool decoupled,              \
                bool maximize, double bc1, double bc2))

LAMINA_DECLARE_KERNELS(LAMINA_OPTIM_KERNELS)
