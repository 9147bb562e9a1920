"""``mx.random`` / ``mx.nd.random``: ``seed`` (lamina's generator, which Dropout draws from,
and numpy's, which the initializers and NDArrayIter's shuffle draw from), ``uniform`` and
``normal``. The streams differ from MXNet's: same distributions, other numbers."""
from __future__ import annotations

import numpy as np

from .. import creation as _creation
from . import context as _ctx
from .ndarray import NDArray

__all__ = ["seed", "uniform", "normal"]


def seed(seed_state, ctx="all"):
    _creation.manual_seed(int(seed_state))
    np.random.seed(int(seed_state) % (1 << 32))


def _shape(shape):
    return (shape,) if isinstance(shape, int) else tuple(shape)


def uniform(low=0.0, high=1.0, shape=(1,), dtype=None, ctx=None, out=None):
    dev = _ctx.resolve(ctx)
    t = _creation.rand(*_shape(shape), device=dev) * (high - low) + low
    res = NDArray(t)
    if out is not None:
        out[:] = res
        return out
    return res


def normal(loc=0.0, scale=1.0, shape=(1,), dtype=None, ctx=None, out=None):
    dev = _ctx.resolve(ctx)
    res = NDArray(_creation.randn(*_shape(shape), device=dev) * scale + loc)
    if out is not None:
        out[:] = res
        return out
    return res
