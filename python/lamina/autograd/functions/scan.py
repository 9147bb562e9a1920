"""Scans along one dim and their gradients: cumsum (backward: the reversed cumsum of the output
gradient, the same kernel run from the end) and cumprod (backward: one kernel, exact when the
input holds zeros; csrc/kernels/scan.h has the formula). The Tensor methods / ``lamina.*``
functions cumsum and cumprod; bool and int64 inputs scan in int64, as in torch."""
from __future__ import annotations

from ... import _C
from ..._registry import tensor_method
from ..function import Function


class Cumsum(Function):
    kernel = _C.cumsum

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _C.cumsum(x, dim)

    @staticmethod
    def backward(ctx, g):
        return _C.cumsum(g, ctx.dim, reverse=True), None


class Cumprod(Function):
    kernel = _C.cumprod

    @staticmethod
    def forward(ctx, x, dim):
        y = _C.cumprod(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(x, y)
        return y

    @staticmethod
    def backward(ctx, g):
        x, y = ctx.saved_tensors
        return _C.cumprod_backward(x, y, g, ctx.dim), None


def _scan(fn, op, x, dim, dtype):
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"[{op}] dim must be an int, got {type(dim).__name__}")
    if not isinstance(x, _C.Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(x).__name__}")
    if dtype is not None:
        x = x.to(dtype)
    return fn.apply(x, dim)


@tensor_method(export=True)
def cumsum(self, dim, dtype=None):
    """Running sums along ``dim`` (int and bool inputs give int64; ``dtype`` casts first)."""
    return _scan(Cumsum, "cumsum", self, dim, dtype)


@tensor_method(export=True)
def cumprod(self, dim, dtype=None):
    """Running products along ``dim``; the gradient is exact where the input holds zeros."""
    return _scan(Cumprod, "cumprod", self, dim, dtype)
