"""Keras's initializers by name or object: each is called with a shape and returns a float32
numpy array. Fans follow Keras: the last dim is fan_out, the one before fan_in, both times
the product of the leading (receptive field) dims. Draws come from lamina's generator
(``lamina.manual_seed``), so values differ from Keras's own; the distributions are Keras's."""
from __future__ import annotations

import math

import numpy as np

from .. import creation as _creation


def _uniform(shape, lo, hi):
    if not shape:
        return np.asarray(_creation.rand(1).numpy()[0] * (hi - lo) + lo, np.float32)
    return _creation.rand(*shape).numpy() * (hi - lo) + lo


def _normal(shape, std):
    if not shape:
        return np.asarray(_creation.randn(1).numpy()[0] * std, np.float32)
    return _creation.randn(*shape).numpy() * std


def _fans(shape):
    if len(shape) < 1:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    return shape[-2] * receptive, shape[-1] * receptive


class Initializer:
    def __call__(self, shape, dtype=None):
        raise NotImplementedError


class Zeros(Initializer):
    def __call__(self, shape, dtype=None):
        return np.zeros(shape, np.float32)


class Ones(Initializer):
    def __call__(self, shape, dtype=None):
        return np.ones(shape, np.float32)


class Constant(Initializer):
    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        return np.full(shape, self.value, np.float32)


class RandomUniform(Initializer):
    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        self.minval, self.maxval = minval, maxval

    def __call__(self, shape, dtype=None):
        return _uniform(shape, self.minval, self.maxval)


class RandomNormal(Initializer):
    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        self.mean, self.stddev = mean, stddev

    def __call__(self, shape, dtype=None):
        return _normal(shape, self.stddev) + self.mean


class VarianceScaling(Initializer):
    """scale / fan (fan_in, fan_out or their mean); uniform, or truncated normal (drawn by
    rejection at two standard deviations, std corrected by 0.8796 as Keras does)."""

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None):
        self.scale, self.mode, self.distribution = scale, mode, distribution

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = _fans(shape)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        var = self.scale / max(1.0, fan)
        if self.distribution == "uniform":
            limit = math.sqrt(3.0 * var)
            return _uniform(shape, -limit, limit)
        std = math.sqrt(var) / (0.87962566103423978 if "truncated" in self.distribution else 1)
        x = _normal(shape, 1.0)
        if "truncated" in self.distribution:
            bad = np.abs(x) > 2
            while bad.any():
                x[bad] = _normal((int(bad.sum()),), 1.0)
                bad = np.abs(x) > 2
        return (x * std).astype(np.float32)


class GlorotUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "uniform")


class GlorotNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(1.0, "fan_avg", "truncated_normal")


class HeNormal(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "truncated_normal")


class HeUniform(VarianceScaling):
    def __init__(self, seed=None):
        super().__init__(2.0, "fan_in", "uniform")


class Orthogonal(Initializer):
    """An orthogonal matrix from the QR decomposition of a normal draw (signs fixed by R's
    diagonal), as Keras's ``Orthogonal(gain=1.0)``."""

    def __init__(self, gain=1.0, seed=None):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        rows = int(np.prod(shape[:-1]))
        cols = shape[-1]
        a = _normal((max(rows, cols), min(rows, cols)), 1.0).astype(np.float64)
        q, r = np.linalg.qr(a)
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return (self.gain * q[:rows, :cols]).reshape(shape).astype(np.float32)


_BY_NAME = {"zeros": Zeros, "ones": Ones, "random_uniform": RandomUniform,
            "uniform": RandomUniform, "random_normal": RandomNormal, "normal": RandomNormal,
            "glorot_uniform": GlorotUniform, "glorot_normal": GlorotNormal,
            "he_normal": HeNormal, "he_uniform": HeUniform, "orthogonal": Orthogonal}


def get(identifier):
    if isinstance(identifier, str):
        key = identifier.lower()
        if key not in _BY_NAME:
            raise ValueError(f"[initializers] unknown initializer {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[key]()
    if callable(identifier):
        return identifier
    raise ValueError(f"[initializers] expected a name or a callable, got {identifier!r}")
