"""The fused GRU cell as one Function: apply(gx (B, 3H), gh (B, 3H), h (B, H) or None) -> h'.
gx = x W_ih^T + b_ih and gh = h W_hh^T + b_hh come from lamina's linear (their gradients flow
through it); the cell's own gradients (of gx, gh and the direct part of h) are one kernel
(csrc/kernels/gru.h)."""
from __future__ import annotations

from ... import _C
from ..function import Function


class GRUCellFn(Function):
    @staticmethod
    def forward(ctx, gx, gh, h):
        need = any(ctx.needs_input_grad)
        out, acts = _C.gru_cell(gx, gh, h, need)
        if need:
            ctx.save_for_backward(gh, acts, h)
        return out

    @staticmethod
    def backward(ctx, dh):
        gh, acts, h = ctx.saved_tensors
        dgx, dgh, dhp = _C.gru_cell_backward(gh, acts, h, dh)
        needs = ctx.needs_input_grad
        return (dgx if needs[0] else None, dgh if needs[1] else None,
                dhp if needs[2] else None)
