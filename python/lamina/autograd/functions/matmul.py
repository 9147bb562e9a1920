"""Matrix products with torch.matmul's rules (1-D operands, broadcast batch dims) as one
Function; its backward sums the gradients back over broadcast batch dims. The Tensor methods /
``lamina.*`` functions matmul (``@``), mm and bmm."""
from __future__ import annotations

from ... import _C
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, sum_to


def _transposed_grad(t):
    """Whether the gradient of ``t`` is better computed transposed: t is a 2-D view whose
    transpose is contiguous (a weight seen as ``W.T``, linear) and has at most as many rows
    as columns, so the transposed product's B operand is the narrower one."""
    if t.ndim != 2 or t.shape[0] < 2 or t.shape[0] > t.shape[1]:
        return False
    s = t.stride()
    return s[0] == 1 and s[1] == t.shape[0]


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
        # The gradient of a transposed 2-D view (linear's W.T, in_features <= out_features):
        # computed in the layout of the tensor it views, (g^T @ a)^T instead of a^T @ g, so it
        # reaches that tensor contiguous (no copy) and the GEMM packs x (rows x in_features)
        # as its B instead of g (rows x out_features): on Zen 1, 2 threads, the weight
        # gradient of 2048 rows through 128 -> 384 took 3.2 instead of 3.7 ms.
        plain = g2.ndim == 2 and a2.ndim == 2 and b2.ndim == 2
        if ctx.needs_input_grad[0] and plain and _transposed_grad(a2):
            ga = _C.transpose(_C.matmul(b2, _C.transpose(g2, 0, 1)), 0, 1)
        elif ctx.needs_input_grad[0]:
            ga = _C.matmul(g2, _C.transpose(b2, -1, -2))
            ga = sum_to(ga, a2.shape)
            if a.ndim == 1:
                ga = _C.reshape(ga, list(a.shape))
        if ctx.needs_input_grad[1] and plain and _transposed_grad(b2):
            gb = _C.transpose(_C.matmul(_C.transpose(g2, 0, 1), a2), 0, 1)
        elif ctx.needs_input_grad[1]:
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
