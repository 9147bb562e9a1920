"""Fused softmax and log_softmax over one dim: one kernel forward, one kernel backward.

Forward saves its output ``y``; backward is ``y * (dy - sum(dy * y))`` for softmax and
``dy - exp(y) * sum(dy)`` for log_softmax, both in one pass (csrc/cpu/softmax.cpp). The
Tensor methods / ``lamina.*`` functions softmax and log_softmax."""
from __future__ import annotations

from ... import _C
from ..._registry import tensor_method
from ..function import Function


def _softmax_function(name, kernel, log):
    """The Function of softmax (log=False) or log_softmax (log=True): forward saves y."""

    def forward(ctx, x, dim):
        y = kernel(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return _C.softmax_backward(y, g, ctx.dim, log), None

    return type(name, (Function,), {"kernel": kernel, "forward": staticmethod(forward),
                                    "backward": staticmethod(backward)})


Softmax = _softmax_function("Softmax", _C.softmax, log=False)
LogSoftmax = _softmax_function("LogSoftmax", _C.log_softmax, log=True)


def _check(x, dim, op):
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"[{op}] dim must be an int, got {type(dim).__name__}")
    if not isinstance(x, _C.Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(x).__name__}")
    return x  # dtype (float32/float64) and dim range are checked by the kernel's op


@tensor_method(export=True)
def softmax(x, dim, dtype=None):
    """exp(x - max) / sum exp(x - max) over ``dim``: one fused kernel each way."""
    x = x if dtype is None else x.to(dtype)
    return Softmax.apply(_check(x, dim, "softmax"), dim)


@tensor_method(export=True)
def log_softmax(x, dim, dtype=None):
    """x - max - log sum exp(x - max) over ``dim``: one fused kernel each way."""
    x = x if dtype is None else x.to(dtype)
    return LogSoftmax.apply(_check(x, dim, "log_softmax"), dim)
