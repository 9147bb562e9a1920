"""Tensor methods for reductions, shapes, indexing and matmul (exported as functions too)."""
from __future__ import annotations

import builtins

from . import _C
from . import dtypes as _dt
from .autograd.grad_mode import _state
from ._args import size_arg
from .ops import indexing as I
from .ops import reduction as R
from .ops import views as V
from .tensor import Tensor, _no_grad_write, _wrap, min_max, where

# --- reductions ----------------------------------------------------------------------------


def _dims(dim):
    if dim is None or isinstance(dim, int):
        return dim
    return list(dim)


def sum(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.to(dtype)
    return R.Sum.apply(x, _dims(dim), keepdim)


def mean(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.to(dtype)
    return R.Mean.apply(x, _dims(dim), keepdim)


def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 0 if unbiased is False else 1
    return R.Var.apply(self, _dims(dim), builtins.float(correction), keepdim)


def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(self, dim, unbiased, keepdim, correction).sqrt()


def logsumexp(self, dim, keepdim=False):
    return R.LogSumExp.apply(self, _dims(dim), keepdim)


def amax(self, dim=None, keepdim=False):
    return R.AMax.apply(self, _dims(dim), keepdim, True)


def amin(self, dim=None, keepdim=False):
    return R.AMax.apply(self, _dims(dim), keepdim, False)


def max(self, dim=None, keepdim=False):
    """``max()`` is the largest value; ``max(dim)`` gives (values, indices); ``max(other)`` is
    the elementwise maximum."""
    if isinstance(dim, Tensor):
        return self.maximum(dim)
    if dim is None:
        return R.AMax.apply(self, None, False, True)
    return min_max(*R.MaxDim.apply(self, dim, keepdim, True))


def min(self, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return self.minimum(dim)
    if dim is None:
        return R.AMax.apply(self, None, False, False)
    return min_max(*R.MaxDim.apply(self, dim, keepdim, False))


def argmax(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, True)


def argmin(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, False)


def _arg_extreme(self, dim, keepdim, is_max):
    op = "argmax" if is_max else "argmin"
    if dim is None:  # over all elements (keepdim does not apply)
        x, dim, keepdim = _C.reshape(self, [-1]), 0, False
    else:
        x, dim = self, _wrap(dim, self.ndim, op)
    if x.ndim and x.shape[dim] == 0:
        raise ValueError(f"[{op}] cannot reduce over a dimension of size 0 (shape {self.shape})")
    return _C.max_dim(x, dim, keepdim, is_max)[1]


def all(self, dim=None, keepdim=False):
    return _C.logical_not(_C.gt(_C.sum(_C.logical_not(self), _dims(dim), keepdim), 0))


def any(self, dim=None, keepdim=False):
    return _C.gt(_C.sum(_C.cast(self, _dt.bool_), _dims(dim), keepdim), 0)


def softmax(self, dim, dtype=None):
    """exp(x - max) / sum exp(x - max) over ``dim``: one fused kernel each way."""
    from .ops.softmax import softmax as _softmax
    return _softmax(self, dim, dtype)


def log_softmax(self, dim, dtype=None):
    """x - max - log sum exp(x - max) over ``dim``: one fused kernel each way."""
    from .ops.softmax import log_softmax as _log_softmax
    return _log_softmax(self, dim, dtype)


# --- shapes --------------------------------------------------------------------------------

def reshape(self, *shape):
    return V.Reshape.apply(self, size_arg("reshape", shape), False)


def view(self, *shape):
    return V.Reshape.apply(self, size_arg("view", shape), True)


def view_as(self, other):
    return view(self, other.shape)


def reshape_as(self, other):
    return reshape(self, other.shape)


def flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return reshape(self, 1)
    s, e = _wrap(start_dim, self.ndim, "flatten"), _wrap(end_dim, self.ndim, "flatten")
    if s > e:
        raise ValueError(f"[flatten] start_dim {start_dim} comes after end_dim {end_dim}")
    shape = list(self.shape[:s]) + [-1 if self.numel() else 0] + list(self.shape[e + 1:])
    if not self.numel():
        n = 1
        for d in self.shape[s:e + 1]:
            n *= d
        shape[s] = n
    return reshape(self, shape)


def unflatten(self, dim, sizes):
    d = _wrap(dim, self.ndim, "unflatten")
    return reshape(self, list(self.shape[:d]) + list(sizes) + list(self.shape[d + 1:]))


def permute(self, *dims):
    return V.Permute.apply(self, size_arg("permute", dims))


def transpose(self, dim0, dim1):
    return V.Transpose.apply(self, dim0, dim1)


def t(self):
    if self.ndim > 2:
        raise ValueError(f"[t] expects a tensor with <= 2 dims, got {self.ndim}")
    return transpose(self, 0, 1) if self.ndim == 2 else self


def _T(self):
    return permute(self, list(range(self.ndim))[::-1])


def _mT(self):
    return transpose(self, -2, -1)


def expand(self, *sizes):
    return V.Expand.apply(self, size_arg("expand", sizes))


def expand_as(self, other):
    return expand(self, other.shape)


def broadcast_to(self, shape):
    return expand(self, shape)


def squeeze(self, dim=None):
    return V.Squeeze.apply(self, None if dim is None else ([dim] if isinstance(dim, int) else list(dim)))


def unsqueeze(self, dim):
    return V.Unsqueeze.apply(self, dim)


def narrow(self, dim, start, length):
    return V.Slice.apply(self, dim, start, start + length, 1)


def select(self, dim, index):
    return V.Select.apply(self, dim, index)


def unbind(self, dim=0):
    return tuple(select(self, dim, i) for i in range(self.shape[_wrap(dim, self.ndim, "unbind")]))


def split(self, split_size_or_sections, dim=0):
    d = _wrap(dim, self.ndim, "split")
    n = self.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"[split] split size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"[split] sections {sizes} do not add up to {n} along dim {dim}")
    out, at = [], 0
    for s in sizes:
        out.append(V.Slice.apply(self, d, at, at + s, 1))
        at += s
    return tuple(out)


def chunk(self, chunks, dim=0):
    if chunks <= 0:
        raise ValueError(f"[chunk] chunks must be positive, got {chunks}")
    n = self.shape[_wrap(dim, self.ndim, "chunk")]
    return split(self, builtins.max(1, -(-n // chunks)), dim)


def repeat(self, *sizes):
    sizes = size_arg("repeat", sizes)
    if len(sizes) < self.ndim:
        raise ValueError(f"[repeat] needs at least {self.ndim} sizes, got {sizes}")
    x = self.reshape([1] * (len(sizes) - self.ndim) + list(self.shape))
    inter, final = [], []
    for r, s in zip(sizes, x.shape):
        inter += [r, s]
        final.append(r * s)
    x = x.reshape([v for s in x.shape for v in (1, s)]).expand(inter)
    return x.reshape(final)


# --- indexing ------------------------------------------------------------------------------

def index_select(self, dim, index):
    return I.IndexSelect.apply(self, dim, index)


def gather(self, dim, index):
    return I.Gather.apply(self, dim, index)


def scatter_add(self, dim, index, src):
    return I.ScatterAdd.apply(self, dim, index, src)


def index_add(self, dim, index, source, alpha=1):
    if alpha != 1:
        source = source * alpha
    return I.IndexAdd.apply(self, dim, index, source)


def masked_fill(self, mask, value):
    return where(mask, value if isinstance(value, Tensor) else
                 _C.full([], builtins.float(value), self.dtype, self.device), self)


def _to_index(it, device):
    if isinstance(it, Tensor):
        return it
    t = _C._from_numpy(__import__("numpy").asarray(it))
    return _C.to(t, device, t.dtype, False)


def _basic_index(self, idx):
    """Apply ints, slices, None and Ellipsis (views); return the view and the tensor indices
    left for ``_advanced`` with the dims they index."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    consumed = builtins.sum(1 for it in idx if it is not None and it is not Ellipsis and
                            not (isinstance(it, Tensor) and it.dtype == _dt.bool_))
    consumed += builtins.sum(it.ndim for it in idx if isinstance(it, Tensor) and it.dtype == _dt.bool_)
    if consumed > self.ndim:
        raise IndexError(f"[getitem] too many indices for a tensor with {self.ndim} dims")
    out, dim = self, 0
    tensor_dims, tensor_idx = [], []
    for it in idx:
        if it is None:
            out = V.Unsqueeze.apply(out, dim)
            dim += 1
        elif it is Ellipsis:
            dim += self.ndim - consumed
        elif isinstance(it, bool):
            raise TypeError("[getitem] bool indices are not supported")
        elif isinstance(it, int) or (hasattr(it, "__index__") and not isinstance(it, (Tensor, list))):
            out = V.Select.apply(out, dim, int(it))
        elif isinstance(it, slice):
            step = 1 if it.step is None else it.step
            if step <= 0:
                raise ValueError(f"[getitem] slice step must be positive, got {step}")
            out = V.Slice.apply(out, dim, it.start, it.stop, step)
            dim += 1
        elif isinstance(it, (Tensor, list, tuple)) or hasattr(it, "__array__"):
            t = _to_index(it, self.device)
            if t.dtype == _dt.bool_:
                raise TypeError("[getitem] boolean mask indexing is not supported; use "
                                "lamina.where or masked_fill")
            if t.dtype != _dt.int64:
                raise TypeError(f"[getitem] tensor indices must be int64, got {t.dtype}")
            tensor_dims.append(dim)
            tensor_idx.append(t)
            dim += 1
        else:
            raise TypeError(f"[getitem] unsupported index {it!r}")
    return out, tensor_dims, tensor_idx


def __getitem__(self, idx):
    out, tensor_dims, tensor_idx = _basic_index(self, idx)
    if tensor_idx:
        out = _advanced(out, tensor_dims, tensor_idx)
    return out


def _linear_index(x, dims, idx, op):
    """int64 index tensors on adjacent dims ``dims`` of ``x`` -> one index ``lin`` into those
    dims flattened, the flattened shape, and the shape of the indexed result."""
    if dims != list(range(dims[0], dims[0] + len(dims))):
        raise TypeError(f"[{op}] tensor indices must be on adjacent dims")
    d0, k = dims[0], len(dims)
    shape = list(x.shape)
    lin = None
    for d, t in zip(dims, idx):
        n = shape[d]
        if t.numel():
            lo, hi = _C.amax(t, None, False, False).item(), _C.amax(t, None, False, True).item()
            if lo < -n or hi >= n:
                raise IndexError(f"[{op}] index {hi if hi >= n else lo} is out of range for dim "
                                 f"{d} of size {n}")
        wrapped = _C.where(_C.lt(t, 0), _C.add(t, n), t)
        lin = wrapped if lin is None else _C.add(_C.mul(lin, n), wrapped)
    block = 1
    for d in dims:
        block *= shape[d]
    flat_shape = shape[:d0] + [block] + shape[d0 + k:]
    out_shape = shape[:d0] + list(lin.shape) + shape[d0 + k:]
    return _C.reshape(_C.contiguous(lin), [-1]), flat_shape, out_shape, d0


def _advanced(x, dims, idx):
    """x[..., i0, i1, ...] for int64 index tensors on adjacent dims (broadcast together)."""
    lin, flat_shape, out_shape, d0 = _linear_index(x, dims, idx, "getitem")
    picked = I.IndexSelect.apply(x.reshape(flat_shape), d0, lin)
    return picked.reshape(out_shape)


def _advanced_put(x, dims, idx, value):
    """x[..., i0, i1, ...] = value. A repeated index stores the mean of its values."""
    lin, flat_shape, out_shape, d0 = _linear_index(x, dims, idx, "setitem")
    n, block = lin.numel(), flat_shape[d0]
    work = _dt.int64 if x.dtype == _dt.bool_ else x.dtype  # index_add has no bool kernel
    try:
        v = _C.cast(_C.contiguous(_C.expand(value, out_shape)), work)
    except ValueError:
        raise ValueError(f"[setitem] cannot assign a value of shape {value.shape} to "
                         f"{tuple(out_shape)} indexed elements") from None
    v = _C.reshape(v, flat_shape[:d0] + [n] + flat_shape[d0 + 1:])
    src = _C.index_add(_C.full(flat_shape, 0.0, work, x.device), d0, lin, v)
    count = _C.index_add(_C.full([block], 0.0, _dt.int64, x.device), 0, lin,
                         _C.full([n], 1.0, _dt.int64, x.device))
    count = _C.reshape(count, [1] * d0 + [block] + [1] * (len(flat_shape) - d0 - 1))
    src = _C.where(_C.gt(count, 1), _C.cast(_C.div(src, count), work), src)
    new = _C.where(_C.gt(count, 0), src, _C.reshape(x, flat_shape))
    _C.copy_(x, _C.reshape(new, list(x.shape)))


def __setitem__(self, idx, value):
    _no_grad_write("setitem", self)
    if isinstance(value, Tensor) and value.requires_grad and _state.enabled:
        raise RuntimeError("[setitem] assignment is not recorded by autograd, so the gradient "
                           "of the assigned tensor would be lost; build the result with "
                           "lamina.where / cat / index_add, or assign value.detach()")
    if not isinstance(value, Tensor):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = _C._from_numpy(__import__("numpy").asarray(value))
        else:
            value = _C.full([], builtins.float(value), self.dtype, self.device)
    if isinstance(idx, Tensor) and idx.dtype == _dt.bool_:
        if idx.shape != self.shape[:idx.ndim]:
            raise ValueError(f"[setitem] mask shape {idx.shape} must match the leading dims of "
                             f"the tensor shape {self.shape}")
        mask = _C.reshape(idx, list(idx.shape) + [1] * (self.ndim - idx.ndim))
        _C.copy_(self, _C.where(mask, _C.to(value, self.device, value.dtype, False), self))
        return
    with_grad = _state.enabled
    _state.enabled = False
    try:
        target, tensor_dims, tensor_idx = _basic_index(self, idx)
    finally:
        _state.enabled = with_grad
    value = _C.to(value, self.device, value.dtype, False)
    if value._storage_id == self._storage_id:  # x[1:] = x[:-1] reads what it writes: copy first
        value = _C.clone(value)
    while value.ndim > target.ndim and value.shape[0] == 1:  # numpy drops leading 1s
        value = _C.squeeze(value, [0])
    if tensor_idx:
        _advanced_put(target, tensor_dims, tensor_idx, value)
        return
    try:
        _C.copy_(target, value)
    except ValueError:
        raise ValueError(f"[setitem] cannot assign a value of shape {value.shape} to a region "
                         f"of shape {target.shape}") from None


# --- linear algebra ------------------------------------------------------------------------

def matmul(self, other):
    if not isinstance(other, Tensor):
        raise TypeError(f"[matmul] expected a tensor, got {type(other).__name__}")
    return I.Matmul.apply(self, other)


def mm(self, other):
    if self.ndim != 2 or other.ndim != 2:
        raise ValueError(f"[mm] expected 2-D tensors, got {self.shape} and {other.shape}")
    return matmul(self, other)


def bmm(self, other):
    if self.ndim != 3 or other.ndim != 3:
        raise ValueError(f"[bmm] expected 3-D tensors, got {self.shape} and {other.shape}")
    if self.shape[0] != other.shape[0]:
        raise ValueError(f"[bmm] batch sizes differ: {self.shape} and {other.shape}")
    return matmul(self, other)


def _rmatmul(self, other):
    return matmul(other, self)
