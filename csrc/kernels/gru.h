#pragma once
// GRU: the fused cell (torch's gate order r, z, n). The projections x W_ih^T + b_ih and
// h W_hh^T + b_hh are GEMMs outside (the whole sequence's input projection in one).
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_GRU_KERNELS(X)                                                              \
  /* gx, gh (B, 3H): x W_ih^T + b_ih and h W_hh^T + b_hh (columns r | z | n); h (B, H) or   \
     null (zeros) -> h_out (B, H); acts (B, 3H) = r, z, n for the backward (null: none).    \
       r = sigmoid(gx_r + gh_r), z = sigmoid(gx_z + gh_z), n = tanh(gx_n + r gh_n)          \
       h_out = (1 - z) n + z h */                                                           \
  X(gru_cell_forward, (DType dt, int64_t B, int64_t H, const void* gx, const void* gh,      \
                       const void* h, void* h_out, void* acts))                             \
  /* gh (B, 3H) and acts (B, 3H) from the forward, h (B, H) or null, dh (B, H) ->           \
     dgx, dgh (B, 3H) (gradients of gx and gh), dh_prev (B, H) (the direct part, z dh;       \
     the caller adds dgh W_hh). */                                                          \
  X(gru_cell_backward, (DType dt, int64_t B, int64_t H, const void* gh, const void* acts,   \
                        const void* h, const void* dh, void* dgx, void* dgh, void* dh_prev))

LAMINA_DECLARE_KERNELS(LAMINA_GRU_KERNELS)
