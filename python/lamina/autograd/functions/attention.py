"""Scaled dot-product attention as one Function over the tiled kernels (csrc/cpu/attention.cpp).

Forward saves the inputs, the output and the per-row log-sum-exp ``lse``; backward recomputes
the probabilities block by block from ``lse`` (the L x S matrix is never stored, either way).
Dropout is drawn inside the kernels from a counter-based Philox stream keyed by ``seed``, so
backward regenerates exactly the mask forward used."""
from __future__ import annotations

from ... import _C
from ..function import Function


def _forward_only(q, k, v, mask, is_causal, scale, dropout_p, seed, enable_gqa):
    return _C.attention_forward(q, k, v, mask, is_causal, scale, dropout_p, seed, enable_gqa)[0]


class ScaledDotProductAttention(Function):
    kernel = _forward_only

    @staticmethod
    def forward(ctx, q, k, v, mask, is_causal, scale, dropout_p, seed, enable_gqa):
        out, lse = _C.attention_forward(q, k, v, mask, is_causal, scale, dropout_p, seed, enable_gqa)
        ctx.args = (is_causal, scale, dropout_p, seed, enable_gqa)
        ctx.save_for_backward(q, k, v, mask, out, lse)
        return out

    @staticmethod
    def backward(ctx, g):
        q, k, v, mask, out, lse = ctx.saved_tensors
        dq, dk, dv = _C.attention_backward(g, q, k, v, mask, out, lse, *ctx.args)
        need = ctx.needs_input_grad
        return (dq if need[0] else None, dk if need[1] else None, dv if need[2] else None,
                None, None, None, None, None, None)
