"""Shape functions composed of views, index_select and cat (their gradients come from those):
flip, roll, tile, vstack, hstack, tril, triu, meshgrid, and torch's aliases concat (cat) and
clip (clamp)."""
from __future__ import annotations

import builtins

from ... import _C
from ..._args import size_arg
from ..._registry import export, tensor_method
from ._util import Tensor, wrap_dim, wrap_dims
from .elementwise import clamp, where
from .index import cat


def _tensor(op, x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got {type(x).__name__}")
    return x


def _arange(n, device):
    return _C.arange(0, n, 1, _C.DType.int64, device)


@tensor_method(export=True)
def flip(self, *dims):
    """The elements in reverse order along each of ``dims`` (a copy)."""
    x = _tensor("flip", self)
    dims = size_arg("flip", dims) if dims else []
    if len(set(d % builtins.max(x.ndim, 1) for d in dims)) != len(dims):
        raise ValueError(f"[flip] dims has a repeated dim: {list(dims)}")
    for d in wrap_dims(list(dims), x.ndim, "flip") if x.ndim else []:
        n = x.shape[d]
        x = x.index_select(d, _C.rsub(_arange(n, x.device), n - 1))
    return x if x is not self else self.clone()


@tensor_method(export=True)
def roll(self, shifts, dims=None):
    """Elements shifted by ``shifts`` along ``dims`` (wrapping round); with no dims, over the
    flattened tensor, keeping the shape."""
    x = _tensor("roll", self)
    if isinstance(shifts, int):
        shifts = (shifts,)
    if dims is None:
        if len(shifts) != 1:
            raise ValueError(f"[roll] shifts must be one int when dims is None, got {shifts}")
        return roll(x.reshape(-1), shifts, 0).reshape(x.shape)
    if isinstance(dims, int):
        dims = (dims,)
    if len(shifts) != len(dims):
        raise ValueError(f"[roll] shifts and dimensions must align. shifts: {len(shifts)}, dims: "
                         f"{len(dims)}")
    for s, d in zip(shifts, dims):
        d = wrap_dim(d, x.ndim, "roll")
        n = x.shape[d]
        if n == 0:
            continue
        idx = _C.remainder(_C.sub(_arange(n, x.device), s % n), _C.full([], n, _C.DType.int64,
                                                                       x.device))
        x = x.index_select(d, idx)
    return x


@tensor_method(export=True)
def tile(self, *dims):
    """``repeat`` with fewer sizes than dims allowed (leading ones are implied)."""
    x = _tensor("tile", self)
    dims = size_arg("tile", dims)
    dims = [1] * (x.ndim - len(dims)) + list(dims)
    return x.repeat(*dims)


def _at_least_2d(t):
    return t.reshape(1, -1) if t.ndim < 2 else t


@export
def vstack(tensors):
    """Stack along dim 0 after making 0-d and 1-d tensors rows (1, n)."""
    tensors = _list("vstack", tensors)
    return cat([_at_least_2d(t) for t in tensors], 0)


@export
def hstack(tensors):
    """Concatenate along dim 1, or dim 0 for 1-d tensors (0-d ones become 1-d)."""
    tensors = [t.reshape(1) if t.ndim == 0 else t for t in _list("hstack", tensors)]
    return cat(tensors, 0 if tensors[0].ndim == 1 else 1)


def _list(op, tensors):
    tensors = list(tensors)
    if not tensors:
        raise ValueError(f"[{op}] expects a non-empty TensorList")
    for t in tensors:
        _tensor(op, t, "every element")
    return tensors


@export
def concat(tensors, dim=0):
    """Alias of ``cat``."""
    return cat(tensors, dim)


@export
def concatenate(tensors, axis=0):
    """Alias of ``cat`` (NumPy's name)."""
    return cat(tensors, axis)


@tensor_method(export=True)
def clip(self, min=None, max=None):
    """Alias of ``clamp``."""
    return clamp(self, min, max)


def _triangle(op, x, diagonal, lower):
    x = _tensor(op, x)
    if x.ndim < 2:
        raise ValueError(f"[{op}] input tensor must have at least 2 dimensions")
    r, c = x.shape[-2], x.shape[-1]
    rows = _C.reshape(_arange(r, x.device), [r, 1])
    cols = _C.reshape(_arange(c, x.device), [1, c])
    off = _C.sub(cols, rows)
    keep = _C.le(off, diagonal) if lower else _C.ge(off, diagonal)
    return where(keep, x, _C.full([], 0.0, x.dtype, x.device))


@tensor_method(export=True)
def tril(self, diagonal=0):
    """The lower triangle (col - row <= diagonal) of the last two dims; zeros above."""
    return _triangle("tril", self, diagonal, True)


@tensor_method(export=True)
def triu(self, diagonal=0):
    """The upper triangle (col - row >= diagonal) of the last two dims; zeros below."""
    return _triangle("triu", self, diagonal, False)


@export
def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d (or 0-d) tensors: 'ij' (matrix, the default) or 'xy'
    (Cartesian: the first two dims swapped)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"[meshgrid] indexing must be 'ij' or 'xy', got {indexing!r}")
    ts = []
    for t in _list("meshgrid", tensors):
        if t.ndim > 1:
            raise ValueError(f"[meshgrid] expects 0D or 1D tensors, got {t.ndim}D")
        ts.append(t.reshape(-1))
    swap = indexing == "xy" and len(ts) >= 2
    if swap:
        ts[0], ts[1] = ts[1], ts[0]
    shape = [t.shape[0] for t in ts]
    out = []
    for i, t in enumerate(ts):
        view = [1] * len(ts)
        view[i] = shape[i]
        out.append(t.reshape(view).expand(shape))
    if swap:
        out[0], out[1] = out[1], out[0]
    return tuple(out)
