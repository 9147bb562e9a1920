"""LSTM Functions: one whole-layer recurrence (one direction of one layer) and one cell step.

``LSTMLayer``: forward runs the time loop in C++ (one GEMM for the input projection of all
steps, then per step the recurrent GEMM and the fused cell) and saves the hidden and cell
states of every step and the gate activations; backward is BPTT in C++ (per step the fused cell
backward and dh = dgates W_hh, then dW_hh, dW_ih and dx as one GEMM each over all steps).
``LSTMCellFn``: x W_ih^T and h W_hh^T through lamina's matmul, then the fused cell; backward the
fused cell backward and the matmuls of the gradients (csrc/ops/lstm.cpp)."""
from __future__ import annotations

from ... import _C
from ..function import Function


def _needs_grad(ctx):
    return any(ctx.needs_input_grad)


class LSTMLayer(Function):
    """apply(x (T, B, I), h0 (B, H) or None, c0 or None, w_ih, w_hh, b_ih or None, b_hh or None,
    reverse) -> (y (T, B, H), h_n (B, H), c_n (B, H))."""

    @staticmethod
    def forward(ctx, x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse):
        need = _needs_grad(ctx)
        y, hn, cn, hs, cs, acts = _C.lstm_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, reverse, need)
        if need:
            ctx.save_for_backward(x, w_ih, w_hh, hs, cs, acts)
            ctx.reverse = reverse
            ctx.has_bias = b_ih is not None or b_hh is not None
        return y, hn, cn

    @staticmethod
    def backward(ctx, dy, dhn, dcn):
        x, w_ih, w_hh, hs, cs, acts = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx, dh0, dc0, dwi, dwh, db = _C.lstm_layer_backward(
            x, w_ih, w_hh, hs, cs, acts, dy, dhn, dcn, ctx.reverse, ctx.has_bias, needs[0])
        return (dx, dh0 if needs[1] else None, dc0 if needs[2] else None, dwi, dwh,
                db if needs[5] else None, db if needs[6] else None, None)


class LSTMCellFn(Function):
    """apply(x (B, I), hx (B, H) or None, cx or None, w_ih, w_hh, b_ih or None, b_hh or None)
    -> (h, c)."""

    @staticmethod
    def forward(ctx, x, hx, cx, w_ih, w_hh, b_ih, b_hh):
        need = _needs_grad(ctx)
        h, c, acts = _C.lstm_cell(x, hx, cx, w_ih, w_hh, b_ih, b_hh, need)
        if need:
            ctx.save_for_backward(x, hx, cx, w_ih, w_hh, acts, c)
            ctx.has_bias = b_ih is not None or b_hh is not None
        return h, c

    @staticmethod
    def backward(ctx, dh, dc):
        x, hx, cx, w_ih, w_hh, acts, c = ctx.saved_tensors
        needs = ctx.needs_input_grad
        dx, dhx, dcx, dwi, dwh, db = _C.lstm_cell_backward(x, hx, cx, w_ih, w_hh, acts, c, dh, dc,
                                                           ctx.has_bias)
        return (dx if needs[0] else None, dhx if needs[1] else None, dcx if needs[2] else None,
                dwi, dwh, db if needs[5] else None, db if needs[6] else None)
