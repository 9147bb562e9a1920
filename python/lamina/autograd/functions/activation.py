"""Pointwise activations beyond relu / sigmoid / tanh / gelu: each forward is one kernel of
the op list (csrc/core/op_kinds.h: silu, mish, elu, leaky_relu, softplus, logsigmoid) over the
shared functors, and each backward one kernel of the binary op list (silu_backward,
mish_backward, logsigmoid_backward, and elu_backward, leaky_relu_backward, softplus_backward
with the forward's parameters). ``lamina.nn.functional`` wraps them with torch's signatures."""
from __future__ import annotations

from ... import _C
from ..function import Function
from .elementwise import _Unary

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _float(op, x):
    if not isinstance(x, _C.Tensor):
        raise TypeError(f"[{op}] expected a lamina tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"[{op}] expected a floating tensor, got {x.dtype}")
    return x


class Silu(_Unary):
    """x sigmoid(x)."""

    op, kernel = "silu", _C.silu

    @staticmethod
    def grad_of(x, g):
        return _C.silu_backward(x, g)


class Mish(_Unary):
    """x tanh(softplus(x))."""

    op, kernel = "mish", _C.mish

    @staticmethod
    def grad_of(x, g):
        return _C.mish_backward(x, g)


class Elu(Function):
    """scale (x > 0 ? x : alpha (e^x - 1)); selu is elu with torch's constants."""

    kernel = _C.elu

    @staticmethod
    def forward(ctx, x, alpha, scale):
        ctx.save_for_backward(x)
        ctx.alpha, ctx.scale = alpha, scale
        return _C.elu(x, alpha, scale)

    @staticmethod
    def backward(ctx, g):  # from x, not y: see the functor EluGrad
        (x,) = ctx.saved_tensors
        return _C.elu_backward(x, g, ctx.alpha, ctx.scale), None, None


class LeakyRelu(Function):
    kernel = _C.leaky_relu

    @staticmethod
    def forward(ctx, x, slope):
        ctx.save_for_backward(x)
        ctx.slope = slope
        return _C.leaky_relu(x, slope)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _C.leaky_relu_backward(x, g, ctx.slope), None


class Softplus(Function):
    """log(1 + e^(beta x)) / beta, linear where beta x > threshold."""

    kernel = _C.softplus

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.save_for_backward(x)
        ctx.beta, ctx.threshold = beta, threshold
        return _C.softplus(x, beta, threshold)

    @staticmethod
    def backward(ctx, g):  # sigmoid(beta x), 1 in the linear part
        (x,) = ctx.saved_tensors
        return _C.softplus_backward(x, g, ctx.beta, ctx.threshold), None, None


class LogSigmoid(_Unary):
    """log(sigmoid(x)) = min(x, 0) - log1p(e^-|x|), stable for any x; gradient sigmoid(-x)."""

    op, kernel = "logsigmoid", _C.logsigmoid

    @staticmethod
    def grad_of(x, g):
        return _C.logsigmoid_backward(x, g)


def logsigmoid(x):
    return LogSigmoid.apply(_float("logsigmoid", x))


def silu(x):
    return Silu.apply(_float("silu", x))


def mish(x):
    return Mish.apply(_float("mish", x))


def elu(x, alpha=1.0, scale=1.0, op="elu"):
    return Elu.apply(_float(op, x), float(alpha), float(scale))


def leaky_relu(x, negative_slope=0.01):
    return LeakyRelu.apply(_float("leaky_relu", x), float(negative_slope))


def softplus(x, beta=1.0, threshold=20.0, op="softplus"):
    beta = float(beta)
    if beta == 0:
        raise ValueError(f"[{op}] beta must be nonzero")
    return Softplus.apply(_float(op, x), beta, float(threshold))
