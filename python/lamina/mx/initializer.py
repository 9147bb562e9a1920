"""``mx.init``: MXNet's initializers, dispatching on the parameter's name as MXNet does:
``*_weight`` by the initializer's rule, ``*_bias`` / ``*_beta`` / ``*moving_mean`` zeros,
``*_gamma`` / ``*moving_var`` ones. Random draws come from numpy's global generator
(``np.random.seed``), so values differ from MXNet's own stream, not their distribution."""
from __future__ import annotations

import numpy as np

__all__ = ["Initializer", "InitDesc", "Uniform", "Normal", "Xavier", "Zero", "One",
           "Constant", "create"]


class InitDesc(str):
    def __new__(cls, name, attrs=None, global_init=None):
        ret = super().__new__(cls, name)
        ret.attrs, ret.global_init = attrs or {}, global_init
        return ret


class Initializer:
    def __call__(self, desc, arr):
        """Fill the NDArray ``arr`` in place according to its name ``desc``."""
        name = str(desc)
        if name.endswith("weight"):
            v = self._weight(name, arr.shape)
        elif name.endswith(("bias", "beta", "moving_mean", "min")):
            v = np.zeros(arr.shape)
        elif name.endswith(("gamma", "moving_var", "max")):
            v = np.ones(arr.shape)
        else:
            v = self._weight(name, arr.shape)
        arr[:] = np.asarray(v, dtype=arr.dtype)

    def _weight(self, name, shape):
        raise NotImplementedError

    def __repr__(self):
        return f"{type(self).__name__}()"


class Uniform(Initializer):
    """U(-scale, scale) weights (MXNet's default scale 0.07; Module's default initializer is
    Uniform(0.01))."""

    def __init__(self, scale=0.07):
        self.scale = float(scale)

    def _weight(self, name, shape):
        return np.random.uniform(-self.scale, self.scale, shape)


class Normal(Initializer):
    def __init__(self, sigma=0.01):
        self.sigma = float(sigma)

    def _weight(self, name, shape):
        return np.random.normal(0.0, self.sigma, shape)


class Xavier(Initializer):
    """scale = sqrt(magnitude / factor), factor the fan 'avg' / 'in' / 'out' (fans count
    the kernel's spatial size); uniform in [-scale, scale] or gaussian with std scale."""

    def __init__(self, rnd_type="uniform", factor_type="avg", magnitude=3):
        if rnd_type not in ("uniform", "gaussian") or factor_type not in ("avg", "in", "out"):
            raise ValueError(f"[Xavier] bad rnd_type {rnd_type!r} or factor_type "
                             f"{factor_type!r}")
        self.rnd_type, self.factor_type, self.magnitude = rnd_type, factor_type, float(magnitude)

    def _weight(self, name, shape):
        if len(shape) < 2:
            raise ValueError(f"[Xavier] initializer cannot be applied to vector {name}. It "
                             "requires at least 2D.")
        hw = float(np.prod(shape[2:])) if len(shape) > 2 else 1.0
        fan_in, fan_out = shape[1] * hw, shape[0] * hw
        factor = {"avg": (fan_in + fan_out) / 2.0, "in": fan_in, "out": fan_out}[
            self.factor_type]
        scale = np.sqrt(self.magnitude / factor)
        if self.rnd_type == "uniform":
            return np.random.uniform(-scale, scale, shape)
        return np.random.normal(0.0, scale, shape)


class Constant(Initializer):
    def __init__(self, value):
        self.value = value

    def _weight(self, name, shape):
        return np.broadcast_to(np.asarray(self.value, dtype=np.float64), shape)


class Zero(Constant):
    def __init__(self):
        super().__init__(0.0)


class One(Constant):
    def __init__(self):
        super().__init__(1.0)


_BY_NAME = {"uniform": Uniform, "normal": Normal, "xavier": Xavier, "zero": Zero,
            "zeros": Zero, "one": One, "ones": One, "constant": Constant}


def create(init, **kwargs):
    if isinstance(init, Initializer):
        return init
    try:
        return _BY_NAME[init.lower()](**kwargs)
    except (KeyError, AttributeError):
        raise ValueError(f"[init] unknown initializer {init!r}") from None
