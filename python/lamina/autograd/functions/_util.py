"""Helpers shared by the Function modules."""
from __future__ import annotations

import numbers

from ... import _C
from ... import dtypes as _dt
from ..grad_mode import _state

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


def wrap_dim(dim, ndim, op):
    """One dim in [-ndim, ndim) (a 0-d tensor takes -1 and 0) as a non-negative dim."""
    n = max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"[{op}] dim {dim} is out of range for a tensor with {ndim} dims")
    return dim % n


def no_grad_write(op, t):
    """In-place writes into a tensor that requires grad are refused while grad mode is on."""
    if _state.enabled and t.requires_grad:
        raise RuntimeError(f"[{op}] in-place operation on a tensor that requires grad; "
                           "wrap it in lamina.no_grad() or use the out-of-place op")


def scalar_dtype(value, other):
    """The dtype of a Python number ``value`` meeting ``other`` (a tensor or a number), as torch
    decides it: the tensor's when it is of the number's kind or above, else int64 / float32."""
    if isinstance(value, bool):
        return other.dtype if isinstance(other, Tensor) else _dt.bool_
    if isinstance(other, Tensor) and (other.dtype.is_floating_point or
                                      (isinstance(value, numbers.Integral) and other.dtype == _dt.int64)):
        return other.dtype
    return _dt.int64 if isinstance(value, numbers.Integral) else _dt.float32


def scalar_tensor(op, value, like):
    """A 0-d tensor holding a Python number (its dtype decided by the number and ``like``)."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"[{op}] expected a tensor or a number, got {type(value).__name__}")
    return _C.full([], float(value), scalar_dtype(value, like), like.device)


def as_tensor(op, value, like):
    return value if isinstance(value, Tensor) else scalar_tensor(op, value, like)
