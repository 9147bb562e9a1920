"""Helpers shared by the op modules."""
from __future__ import annotations

from .. import _C

Tensor = _C.Tensor
DTYPES = [_C.DType.float32, _C.DType.float64, _C.DType.int64, _C.DType.bool]  # by _dtype_code


def sum_to(g, shape, dtype=None):
    """Reduce a broadcast gradient ``g`` back to ``shape`` (and cast it to ``dtype``)."""
    if g.shape != shape:
        lead = g.ndim - len(shape)
        dims = list(range(lead))
        dims += [lead + i for i, s in enumerate(shape) if s == 1 and g.shape[lead + i] != 1]
        if dims:
            g = _C.sum(g, dims, True)
        if lead:
            g = _C.reshape(g, list(shape))
        elif g.shape != shape:
            g = _C.reshape(g, list(shape))
    if dtype is not None:
        if isinstance(dtype, int):  # a _dtype_code
            if g._dtype_code != dtype:
                g = _C.cast(g, DTYPES[dtype])
        elif g.dtype != dtype:
            g = _C.cast(g, dtype)
    return g


def zeros(shape, like):
    return _C.full(list(shape), 0.0, like.dtype, like.device)


def wrap_dims(dims, ndim, op):
    """Normalise an int / sequence / None of dims to a sorted list of non-negative dims."""
    if dims is None:
        return list(range(ndim))
    if isinstance(dims, int):
        dims = [dims]
    n = max(ndim, 1)
    out = []
    for d in dims:
        if not -n <= d < n:
            raise IndexError(f"[{op}] dim {d} is out of range for a tensor with {ndim} dims")
        out.append(d % n)
    return sorted(out)
