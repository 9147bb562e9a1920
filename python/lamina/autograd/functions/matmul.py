"""Matrix products with torch.matmul's rules (1-D operands, broadcast batch dims) as one
Function; its backward sums the gradients back over broadcast batch dims. The Tensor methods /
``lamina.*`` functions matmul (``@``), mm and bmm."""
from __future__ import annotations

from ... import _C
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, sum_to


class Matmul(Function):
    kernel = _C.matmul

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _C.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a2 = _C.unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = _C.unsqueeze(b, 1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = _C.unsqueeze(g2, -2 if g2.ndim >= 1 else 0)
        if b.ndim == 1:
            g2 = _C.unsqueeze(g2, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = _C.matmul(g2, _C.transpose(b2, -1, -2))
            ga = sum_to(ga, a2.shape)
            if a.ndim == 1:
                ga = _C.reshape(ga, list(a.shape))
        if ctx.needs_input_grad[1]:
            gb = _C.matmul(_C.transpose(a2, -1, -2), g2)
            gb = sum_to(gb, b2.shape)
            if b.ndim == 1:
                gb = _C.reshape(gb, list(b.shape))
        return ga, gb


# --- Tensor methods and lamina functions ---------------------------------------------------

@tensor_method("matmul", "__matmul__", export=True)
def matmul(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"[matmul] expected a tensor, got {type(other).__name__}")
    return Matmul.apply(self, other)


@tensor_method(export=True)
def mm(self, other):
    if self.ndim != 2 or other.ndim != 2:
        raise ValueError(f"[mm] expected 2-D tensors, got {self.shape} and {other.shape}")
    return matmul(self, other)


@tensor_method(export=True)
def bmm(self, other):
    if self.ndim != 3 or other.ndim != 3:
        raise ValueError(f"[bmm] expected 3-D tensors, got {self.shape} and {other.shape}")
    if self.shape[0] != other.shape[0]:
        raise ValueError(f"[bmm] batch sizes differ: {self.shape} and {other.shape}")
    return matmul(self, other)


@tensor_method("__rmatmul__")
def _rmatmul(self, other):
    return matmul(other, self)
