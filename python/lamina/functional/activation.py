"""Activations. The pointwise ones used in training are one kernel forward and one back (see
autograd/functions/activation.py, elementwise.py and softmax.py); relu6 / hardtanh are clamp,
selu and celu are elu, and softsign, glu, prelu compose those."""
from __future__ import annotations

import warnings

from .. import _C
from ..autograd.functions import softmax as _sm
from ..autograd.functions import activation as _act
from ..autograd.functions.elementwise import clamp as _clamp
from ..autograd.functions.elementwise import gelu as _gelu
from ..autograd.functions.elementwise import where as _where
from ..autograd.grad_mode import _state

# the unary ops register their functions as Tensor methods (autograd/functions/elementwise.py)
Tensor = _C.Tensor


def relu(input, inplace=False):
    if inplace:
        return Tensor.relu_(input)
    return Tensor.relu(input)


def sigmoid(input):
    return Tensor.sigmoid(input)


def tanh(input):
    return Tensor.tanh(input)


def gelu(input, approximate="none"):
    """0.5 x (1 + erf(x / sqrt 2)), or with ``approximate='tanh'``
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    return _gelu(input, approximate)


def _softmax_dim(name, ndim):
    """torch's implicit dim (deprecated there too): 0 for 0-, 1- and 3-d inputs, else 1."""
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Fused softmax over ``dim`` (csrc/cpu/softmax.cpp), optionally cast to ``dtype`` first."""
    if dim is None:
        dim = _softmax_dim("softmax", input.ndim)
    return _sm.softmax(input, dim, dtype)


def log_softmax(input, dim=None, _stacklevel=3, dtype=None):
    """Fused log_softmax over ``dim``: stable for large inputs (x - max before exp)."""
    if dim is None:
        dim = _softmax_dim("log_softmax", input.ndim)
    return _sm.log_softmax(input, dim, dtype)


def _inplace(op, input, out_of_place, kernel_, *params):
    """torch's ``inplace=True``: write into ``input`` when autograd does not record it."""
    if isinstance(input, Tensor) and not (_state.enabled and input.requires_grad):
        _act._float(op, input)
        kernel_(input, *params)
        return input
    return out_of_place()


def elu(input, alpha=1.0, inplace=False):
    """x where x > 0, else alpha (e^x - 1)."""
    if inplace:
        return _inplace("elu", input, lambda: elu(input, alpha), _C.elu_, float(alpha), 1.0)
    return _act.elu(input, alpha)


def selu(input, inplace=False):
    """scale * elu(x, alpha) with torch's constants (alpha 1.6733, scale 1.0507)."""
    a, s = _act.SELU_ALPHA, _act.SELU_SCALE
    if inplace:
        return _inplace("selu", input, lambda: selu(input), _C.elu_, a, s)
    return _act.elu(input, a, s, op="selu")


def celu(input, alpha=1.0, inplace=False):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1)) = alpha elu(x / alpha)."""
    alpha = float(alpha)
    if alpha == 0:
        raise ValueError("[celu] alpha must be nonzero")
    _act._float("celu", input)
    return _act.elu(input / alpha, 1.0) * alpha


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """x where x > 0, else negative_slope x."""
    if inplace:
        return _inplace("leaky_relu", input, lambda: leaky_relu(input, negative_slope),
                        _C.leaky_relu_, float(negative_slope))
    return _act.leaky_relu(input, negative_slope)


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """x clamped to [min_val, max_val]."""
    if min_val > max_val:
        raise ValueError(f"[hardtanh] min_val ({min_val}) cannot be greater than max_val "
                         f"({max_val})")
    _act._float("hardtanh", input)
    if inplace and not (_state.enabled and input.requires_grad):
        return input.clamp_(min_val, max_val)
    return _clamp(input, float(min_val), float(max_val))


def relu6(input, inplace=False):
    """min(max(0, x), 6)."""
    return hardtanh(input, 0.0, 6.0, inplace)


def silu(input, inplace=False):
    """x sigmoid(x)."""
    if inplace:
        return _inplace("silu", input, lambda: silu(input), _C.silu_)
    return _act.silu(input)


def mish(input, inplace=False):
    """x tanh(softplus(x))."""
    if inplace:
        return _inplace("mish", input, lambda: mish(input), _C.mish_)
    return _act.mish(input)


def softplus(input, beta=1.0, threshold=20.0):
    """log(1 + e^(beta x)) / beta, x itself where beta x > threshold."""
    return _act.softplus(input, beta, threshold)


def softsign(input):
    """x / (1 + |x|)."""
    _act._float("softsign", input)
    return input / (input.abs() + 1)


def logsigmoid(input):
    """log(sigmoid(x)) = -softplus(-x), stable for large |x|."""
    return _act.logsigmoid(input)


def glu(input, dim=-1):
    """a * sigmoid(b) for the halves a, b of ``input`` along ``dim``."""
    _act._float("glu", input)
    if input.ndim == 0:
        raise ValueError("[glu] glu does not support scalars because halving size must be even")
    n = input.shape[dim]
    if n % 2:
        raise ValueError(f"[glu] halving dimension must be even, but dimension {dim} is size {n}")
    a, b = input.chunk(2, dim)
    return a * b.sigmoid()


def prelu(input, weight):
    """x where x > 0, else weight x; ``weight`` has 1 or C (= input.shape[1]) elements."""
    _act._float("prelu", input)
    if not isinstance(weight, Tensor):
        raise TypeError(f"[prelu] expected weight to be a lamina tensor, got "
                        f"{type(weight).__name__}")
    n = weight.numel()
    if n != 1:
        c = input.shape[1] if input.ndim >= 2 else (input.shape[0] if input.ndim == 1 else 1)
        if weight.ndim != 1 or n != c:
            raise ValueError(f"[prelu] mismatch of parameter numbers and input channel size: "
                             f"weight has {n} elements, input {c} channels")
        if input.ndim >= 2:
            weight = weight.reshape([n] + [1] * (input.ndim - 2))
    return _where(input > 0, input, input * weight)
