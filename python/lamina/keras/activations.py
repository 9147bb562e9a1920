"""Keras's activations by name, on lamina's kernels (relu, sigmoid, tanh, softmax, gelu have
fused kernels; the others compose elementwise ops). Keras's defaults: softmax over the last
axis, leaky_relu slope 0.2, gelu exact (approximate=False)."""
from __future__ import annotations

import math

from .. import functional as F
from ..autograd.functions.elementwise import where as _where


def linear(x):
    return x


def relu(x):
    return F.relu(x)


def sigmoid(x):
    return F.sigmoid(x)


def tanh(x):
    return F.tanh(x)


def softmax(x, axis=-1):
    return F.softmax(x, axis)


def log_softmax(x, axis=-1):
    return F.log_softmax(x, axis)


def gelu(x, approximate=False):
    if not approximate:
        return F.gelu(x)
    return 0.5 * x * (1.0 + (math.sqrt(2.0 / math.pi) * (x + 0.044715 * x * x * x)).tanh())


def elu(x, alpha=1.0):
    return _where(x > 0, x, alpha * x.clamp(max=0.0).expm1())


def selu(x):
    alpha, scale = 1.6732632423543772, 1.0507009873554805
    return scale * elu(x, alpha)


def softplus(x):
    # log(1 + exp(x)) = max(x, 0) + log1p(exp(-|x|)), stable for large |x|
    return x.relu() + (-x.abs()).exp().log1p()


def softsign(x):
    return x / (x.abs() + 1.0)


def silu(x):
    return x * x.sigmoid()


swish = silu


def relu6(x):
    return x.clamp(0.0, 6.0)


def leaky_relu(x, negative_slope=0.2):
    return _where(x > 0, x, x * negative_slope)


def exponential(x):
    return x.exp()


def hard_sigmoid(x):
    return (x * (1.0 / 6.0) + 0.5).clamp(0.0, 1.0)


_BY_NAME = {f.__name__: f for f in (linear, relu, sigmoid, tanh, softmax, log_softmax, gelu,
                                    elu, selu, softplus, softsign, silu, relu6, leaky_relu,
                                    exponential, hard_sigmoid)}
_BY_NAME["swish"] = silu
_BY_NAME[None] = linear


def get(identifier):
    """A callable for a name (or None: linear) or a callable."""
    if identifier is None or isinstance(identifier, str):
        if identifier not in _BY_NAME:
            raise ValueError(f"[activations] unknown activation {identifier!r}; known: "
                             f"{', '.join(sorted(k for k in _BY_NAME if k))}")
        return _BY_NAME[identifier]
    if callable(identifier):
        return identifier
    raise ValueError(f"[activations] expected a name or a callable, got {identifier!r}")


def name_of(fn):
    return getattr(fn, "__name__", str(fn))

