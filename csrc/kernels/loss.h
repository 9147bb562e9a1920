#pragma once
// Fused cross-entropy: log-softmax and the negative log-likelihood of each row of logits in one
// pass, and d logits = (softmax - target distribution) * scale in one pass. Reductions over
// rows happen above (python/lamina/functions/loss.py).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_LOSS_KERNELS(X)                                                             \
  /* Class-index targets. logits (N, C) contiguous; target (N,) int64, each in [0, C) or    \
     equal to ignore_index (ops/ checks); weight (C,) or null (all ones); eps = label       \
     smoothing.                                                                             \
       loss (N,) = (1 - eps) w_t (lse - x_t) + eps / C * sum_c w_c (lse - x_c), 0 ignored   \
       lse (N,) float64 = log sum_c exp x_c (saved for backward)                            \
       wrow (N,) = w_t, 0 when ignored ('mean' divides by its sum) */                       \
  X(cross_entropy_forward, (DType dt, int64_t N, int64_t C, const void* logits,             \
                            const int64_t* target, const void* weight, int64_t ignore_index, \
                            double eps, void* loss, double* lse, void* wrow))               \
  /* grad: the gradient of loss, grad[n * gstride] (gstride 0: one value for all rows);     \
     dlogits (N, C) = g_n * (p_c a_n - ((1 - eps) w_t [c == t] + eps / C w_c)), p =         \
     softmax, a_n = (1 - eps) w_t + eps / C * sum_c w_c; ignored rows get 0. */             \
  X(cross_entropy_backward, (DType dt, int64_t N, int64_t C, const void* logits,            \
                             const int64_t* target, const void* weight,                     \
                             int64_t ignore_index, double eps, const double* lse,           \
                             const void* grad, int64_t gstride, void* dlogits))             \
  /* Probability targets. target (N, C) contiguous, the logits' dtype;                      \
     q_c = (1 - eps) t_c + eps / C.  loss (N,) = sum_c w_c q_c (lse - x_c); lse as above */ \
  X(cross_entropy_prob_forward, (DType dt, int64_t N, int64_t C, const void* logits,        \
                                 const void* target, const void* weight, double eps,        \
                                 void* loss, double* lse))                                  \
  /* dlogits (N, C) = g_n * (p_c sum_j w_j q_j - w_c q_c) */                                \
  X(cross_entropy_prob_backward, (DType dt, int64_t N, int64_t C, const void* logits,       \
                                  const void* target, const void* weight, double eps,       \
                                  const double* lse, const void* grad, int64_t gstride,     \
                                  void* dlogits))

LAMINA_DECLARE_KERNELS(LAMINA_LOSS_KERNELS)
