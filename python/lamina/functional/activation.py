"""Activations. Each is one kernel forward and one fused backward (see ops/elementwise.py)."""
from __future__ import annotations

from .. import tensor as _t
from .. import tensor_shape as _s


def relu(input, inplace=False):
    if inplace:
        return _t.relu_(input)
    return _t.relu(input)


def sigmoid(input):
    return _t.sigmoid(input)


def tanh(input):
    return _t.tanh(input)


def gelu(input, approximate="none"):
    """0.5 x (1 + erf(x / sqrt 2)), the exact form."""
    return _t.gelu(input, approximate)


def softmax(input, dim):
    return _s.softmax(input, dim)


def log_softmax(input, dim):
    return _s.log_softmax(input, dim)
