"""Small torch functions composed of existing ops (gradients come from those): take,
repeat_interleave, cross, cdist, and the samplers randperm (argsort of uniform draws) and
normal (lamina's generator, so manual_seed repeats them). median and kthvalue are in sort.py,
multinomial in creation.py."""
from __future__ import annotations

import builtins
import numbers

import numpy as np

from ... import _C
from ... import dtypes as _dt
from ..._registry import export, tensor_method
from ...device import resolve as _dev
from ._util import Tensor, wrap_dim
from .index import stack
from .linalg import norm

def _tensor(op, x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got {type(x).__name__}")
    return x


def _check_range(op, idx, n):
    if idx.numel():
        lo = _C.amax(idx, None, False, False).item()
        hi = _C.amax(idx, None, False, True).item()
        if lo < -n or hi >= n:
            raise IndexError(f"[{op}] index {hi if hi >= n else lo} is out of bounds for size {n}")


@tensor_method(export=True)
def take(self, index):
    """The elements of the flattened input at ``index`` (int64, any shape; negative counts
    from the end), shaped like index."""
    x = _tensor("take", self)
    if not isinstance(index, Tensor) or index.dtype != _dt.int64:
        raise TypeError("[take] index must be an int64 tensor")
    n = x.numel()
    _check_range("take", index, n)
    flat = _C.reshape(_C.contiguous(index), [-1])
    flat = _C.where(_C.lt(flat, 0), _C.add(flat, n), flat)
    return x.reshape(-1).index_select(0, flat).reshape(index.shape)


@tensor_method(export=True)
def repeat_interleave(self, repeats=None, dim=None, *, output_size=None):
    """Each element (or slice along ``dim``; the flattened input when dim is None) repeated
    ``repeats`` times (an int, or an int64 tensor with one count per element). With only an
    int64 tensor of counts, ``repeat_interleave(counts)`` gives the indices 0, 0, 1, ..."""
    x = _tensor("repeat_interleave", self)
    if repeats is None:  # torch.repeat_interleave(counts)
        if x.dtype != _dt.int64 or x.ndim != 1:
            raise TypeError("[repeat_interleave] with no repeats, input must be a 1-d int64 "
                            "tensor of counts")
        counts = x.detach().numpy(force=True)
        if (counts < 0).any():
            raise ValueError("[repeat_interleave] repeats must be non-negative")
        out = np.repeat(np.arange(len(counts), dtype=np.int64), counts)
        return _C.to(_C._from_numpy(np.ascontiguousarray(out)), x.device, _dt.int64, False)
    if dim is None:
        x, dim = x.reshape(-1), 0
    d = wrap_dim(dim, x.ndim, "repeat_interleave")
    n = x.shape[d] if x.ndim else 1
    if isinstance(repeats, Tensor):
        if repeats.dtype != _dt.int64 or repeats.ndim > 1:
            raise TypeError("[repeat_interleave] repeats must be an int or a 0-d / 1-d int64 "
                            "tensor")
        counts = repeats.detach().numpy(force=True).reshape(-1)
        if counts.size == 1:
            counts = np.broadcast_to(counts, (n,))
    elif isinstance(repeats, numbers.Integral) and not isinstance(repeats, bool):
        counts = np.full(n, int(repeats), dtype=np.int64)
    else:
        raise TypeError(f"[repeat_interleave] repeats must be an int or a tensor, got "
                        f"{type(repeats).__name__}")
    if len(counts) != n:
        raise ValueError(f"[repeat_interleave] repeats must have the same size as input along "
                         f"dim ({n}), got {len(counts)}")
    if (counts < 0).any():
        raise ValueError("[repeat_interleave] repeats must be non-negative")
    idx = np.repeat(np.arange(n, dtype=np.int64), counts)
    if output_size is not None and output_size != len(idx):
        raise ValueError(f"[repeat_interleave] output_size {output_size} does not match the "
                         f"{len(idx)} repeated elements")
    if x.ndim == 0:
        x = x.reshape(1)
    index = _C.to(_C._from_numpy(np.ascontiguousarray(idx)), x.device, _dt.int64, False)
    return x.index_select(d, index)


@tensor_method(export=True)
def cross(self, other, dim=None):
    """The cross product of 3-vectors along ``dim`` (inputs broadcast; dim None: the first dim
    of size 3, as torch.cross)."""
    a, b = _tensor("cross", self), _tensor("cross", other, "other")
    shape = np.broadcast_shapes(tuple(a.shape), tuple(b.shape)) if a.shape != b.shape \
        else tuple(a.shape)
    if dim is None:
        dims = [i for i, s in enumerate(shape) if s == 3]
        if not dims:
            raise ValueError(f"[cross] no dimension of size 3 in input of shape {shape}")
        dim = dims[0]
    d = wrap_dim(dim, len(shape), "cross")
    if shape[d] != 3:
        raise ValueError(f"[cross] inputs dimension {dim} must have length 3, got {shape[d]}")
    a, b = a.broadcast_to(shape), b.broadcast_to(shape)
    a0, a1, a2 = (a.select(d, i) for i in range(3))
    b0, b1, b2 = (b.select(d, i) for i in range(3))
    return stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], d)


@export
def cdist(x1, x2, p=2.0, compute_mode=None):
    """Distances ||x1[..., i, :] - x2[..., j, :]||_p: (B*, P, M) and (B*, R, M) -> (B*, P, R)
    (batch dims broadcast)."""
    _tensor("cdist", x1, "x1")
    _tensor("cdist", x2, "x2")
    if x1.ndim < 2 or x2.ndim < 2:
        raise ValueError(f"[cdist] x1 and x2 must have at least 2 dimensions, got {x1.ndim} "
                         f"and {x2.ndim}")
    if x1.shape[-1] != x2.shape[-1]:
        raise ValueError(f"[cdist] x1 and x2 must have the same number of columns, got "
                         f"{x1.shape[-1]} and {x2.shape[-1]}")
    if p < 0:
        raise ValueError(f"[cdist] p must be non-negative, got {p}")
    return norm(x1.unsqueeze(-2) - x2.unsqueeze(-3), p, -1)


@export
def randperm(n, *, generator=None, dtype=None, device=None, requires_grad=False):
    """A random permutation of 0 .. n-1 (the order of n uniform draws of lamina's generator)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 0:
        raise ValueError(f"[randperm] n must be a non-negative integer, got {n!r}")
    dev = _dev(device)
    dt = _dt.resolve(dtype, _dt.int64)
    out = _C.rand([int(n)], 0.0, 1.0, _dt.float64, dev).argsort()
    if out.dtype != dt:
        out = _C.cast(out, dt)
    if requires_grad:
        out.requires_grad_(True)
    return out


@export
def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, device=None,
           requires_grad=False):
    """Normal draws with ``mean`` and ``std`` (numbers or tensors, broadcast; ``size`` with
    two numbers), from lamina's generator; not differentiable, as in torch."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise TypeError("[normal] size is only allowed with a number mean and std")
        ref = tensors[0]
        shape = list(np.broadcast_shapes(*[tuple(t.shape) for t in tensors]))
        dt, dev = ref.dtype, ref.device
        if not dt.is_floating_point:
            raise TypeError(f"[normal] mean and std must be floating tensors, got {dt}")
    else:
        if size is None:
            raise TypeError("[normal] size is needed with a number mean and std")
        shape = [int(s) for s in (size if isinstance(size, (tuple, list)) else (size,))]
        dt, dev = _dt.resolve(dtype, _dt.float32), _dev(device)
    if isinstance(std, Tensor):
        if std.numel() and _C.amax(std.detach(), None, False, False).item() < 0:
            raise ValueError("[normal] std must be non-negative")
    elif std < 0:
        raise ValueError(f"[normal] std must be non-negative, got {std}")
    z = _C.randn(shape, 0.0, 1.0, dt, dev)
    m = mean.detach() if isinstance(mean, Tensor) else builtins.float(mean)
    s = std.detach() if isinstance(std, Tensor) else builtins.float(std)
    out = _C.add(_C.mul(z, s), m)
    if requires_grad:
        out.requires_grad_(True)
    return out
