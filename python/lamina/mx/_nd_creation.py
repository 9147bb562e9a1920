"""``mx.nd`` creation functions: ``array`` (float32 unless told otherwise, as MXNet),
``zeros``, ``ones``, ``full``, ``empty``, ``arange``, and ``concat`` / ``dot``."""
from __future__ import annotations

import numpy as np

from .. import _C
from .. import dtypes as _dt
from . import context as _ctx
from .ndarray import NDArray, _run, _tensor

__all__ = ["array", "zeros", "ones", "empty", "full", "arange", "concat", "dot", "waitall"]


def array(source_array, ctx=None, dtype=None):
    """An NDArray from an NDArray, numpy array or nested list; float32 unless ``dtype`` (or
    an NDArray source) says otherwise, as in MXNet."""
    if isinstance(source_array, NDArray):
        a = source_array.asnumpy()
        dtype = dtype or a.dtype
    else:
        a = np.asarray(source_array)
        dtype = dtype or np.float32
    return NDArray(_tensor(a, _ctx.resolve(ctx), np.dtype(dtype)))


def _filled(shape, value, ctx, dtype):
    shape = [shape] if isinstance(shape, int) else list(shape)
    return NDArray(_C.full(shape, float(value), _dt.resolve(np.dtype(dtype or np.float32).name),
                           _ctx.resolve(ctx)))


def zeros(shape, ctx=None, dtype=None, **kwargs):
    return _filled(shape, 0.0, ctx, dtype)


def ones(shape, ctx=None, dtype=None, **kwargs):
    return _filled(shape, 1.0, ctx, dtype)


def full(shape, val, ctx=None, dtype=None, **kwargs):
    return _filled(shape, val, ctx, dtype)


empty = zeros


def arange(start, stop=None, step=1.0, ctx=None, dtype=None):
    if stop is None:
        start, stop = 0, start
    return array(np.arange(start, stop, step), ctx, dtype)


def concat(*arrays, dim=1):
    from .. import cat
    return NDArray(_run(lambda *ts: cat(list(ts), dim), *[a._t for a in arrays]))


def dot(a, b):
    return NDArray(_run(a._t.matmul, b._t))


def waitall():
    pass
