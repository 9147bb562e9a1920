#pragma once
// LSTM: the fused cell (torch's gate order i, f, g, o) and the whole-layer recurrence, forward
// and backward. All tensors contiguous.
#include <cstdint>

#include "../core/dtype.h"
#include "kernel.h"

#define LAMINA_LSTM_KERNELS(X)                                                             \
  /* One cell step (LSTMCell), gates in torch's layout (4H columns: i | f | g | o):         \
       gx, gh (B, 4H): x W_ih^T and h W_hh^T (gh may be null); b_ih, b_hh (4H,) or null;   \
       c_prev (B, H) or null (zeros) -> h, c (B, H); acts (B, 4H) = sigmoid/tanh of the     \
       gates (null: not kept). */                                                           \
  X(lstm_cell_forward, (DType dt, int64_t B, int64_t H, const void* gx, const void* gh,     \
                        const void* b_ih, const void* b_hh, const void* c_prev, void* h,    \
                        void* c, void* acts))                                               \
  /* acts (B, 4H) and c (B, H) from the forward, c_prev (B, H) or null (zeros); dh (B, H)   \
     or null, dc (B, H) or null -> dgates (B, 4H) (gradient of the pre-activations),        \
     dc_prev (B, H). */                                                                     \
  X(lstm_cell_backward, (DType dt, int64_t B, int64_t H, const void* acts,                  \
                         const void* c_prev, const void* c, const void* dh, const void* dc, \
                         void* dgates, void* dc_prev))                                      \
  /* One direction of one layer over the whole sequence.                                    \
       x (T, B, I); w_ih (4H, I); w_hh (4H, H); b_ih, b_hh (4H,) or null.                   \
       hs, cs (T + 1, B, H): the caller puts h0, c0 in slot 0 (reverse: slot T); the kernel \
       writes h and c of time t in slot t + 1 (reverse: slot t). So the output sequence is  \
       hs[1:] (reverse: hs[:T]) and h_n, c_n the slot T (reverse: 0).                       \
       acts (T, B, 4H): what the backward needs (the device's own gate layout), or null. */ \
  X(lstm_layer_forward, (DType dt, int64_t T, int64_t B, int64_t I, int64_t H,              \
                         const void* x, const void* w_ih, const void* w_hh,                 \
                         const void* b_ih, const void* b_hh, bool reverse, void* hs,        \
                         void* cs, void* acts))                                             \
  /* BPTT of lstm_layer_forward given its hs, cs, acts. dy (T, B, H), dhn, dcn (B, H):      \
     gradients of the outputs, each may be null (zeros). Writes dx (T, B, I) (may be null), \
     dh0, dc0 (B, H), dw_ih (4H, I), dw_hh (4H, H) and db (4H,) (the gradient of b_ih and   \
     of b_hh alike; null when the layer has no bias). */                                    \
  X(lstm_layer_backward, (DType dt, int64_t T, int64_t B, int64_t I, int64_t H,             \
                          const void* x, const void* w_ih, const void* w_hh,                \
                          const void* hs, const void* cs, const void* acts, bool reverse,   \
                          const void* dy, const void* dhn, const void* dcn, void* dx,       \
                          void* dh0, void* dc0, void* dw_ih, void* dw_hh, void* db))

LAMINA_DECLARE_KERNELS(LAMINA_LSTM_KERNELS)
