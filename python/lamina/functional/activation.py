"""Activations. Each is one kernel forward and one fused backward (see
autograd/functions/elementwise.py and autograd/functions/softmax.py)."""
from __future__ import annotations

import warnings

from .. import _C
from ..autograd.functions import softmax as _sm
from ..autograd.functions.elementwise import gelu as _gelu

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
    """0.5 x (1 + erf(x / sqrt 2)), the exact form."""
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
