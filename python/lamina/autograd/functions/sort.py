"""Sorting along one dim: sort, argsort, topk and msort, one kernel each way of the order
(csrc/kernels/sort.h: NaN counts as the largest value; equal values keep their order, so every
sort is stable). The gradient of the values goes back to the positions the indices name (a
scatter-add into zeros; the indices of one column are distinct)."""
from __future__ import annotations

import collections

from ... import _C
from ..._registry import tensor_method
from ..function import Function
from ._util import zeros

sort_result = collections.namedtuple("sort", ["values", "indices"])
topk_result = collections.namedtuple("topk", ["values", "indices"])


def _sort(x, dim, k, descending):
    """(values, indices): the whole dim sorted (k None) or its first k."""
    return _C.sort(x, dim, descending) if k is None else _C.topk(x, k, dim, descending)


class Sort(Function):
    """(values, indices) of ``_C.sort`` or ``_C.topk``; backward scatters into the input shape."""

    kernel = staticmethod(_sort)

    @staticmethod
    def forward(ctx, x, dim, k, descending):
        values, indices = _sort(x, dim, k, descending)
        ctx.shape, ctx.dim = x.shape, (dim % x.ndim) if x.ndim else 0
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, _g_indices=None):
        if g is None:
            return None, None, None, None
        (indices,) = ctx.saved_tensors
        if len(ctx.shape) == 0:
            return g, None, None, None
        return _C.scatter_add(zeros(ctx.shape, g), ctx.dim, indices, g), None, None, None


def _check(op, x, dim):
    if not isinstance(x, _C.Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(x).__name__}")
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise TypeError(f"[{op}] dim must be an int, got {type(dim).__name__}")


@tensor_method(export=True)
def sort(self, dim=-1, descending=False, stable=False):
    """(values, indices) along ``dim``; always stable (``stable`` is accepted for torch's
    signature). NaN sorts as the largest value."""
    _check("sort", self, dim)
    return sort_result(*Sort.apply(self, dim, None, bool(descending)))


@tensor_method(export=True)
def argsort(self, dim=-1, descending=False, stable=False):
    """The indices that sort ``dim`` (stable); no values are written."""
    _check("argsort", self, dim)
    return _C.argsort(self, dim, bool(descending))


@tensor_method(export=True)
def topk(self, k, dim=-1, largest=True, sorted=True):
    """The ``k`` largest (``largest=False``: smallest) along ``dim`` as (values, indices), in
    order (``sorted`` is accepted for torch's signature: the result is always sorted); equal
    values come in index order."""
    _check("topk", self, dim)
    if isinstance(k, bool) or not isinstance(k, int):
        raise TypeError(f"[topk] k must be an int, got {type(k).__name__}")
    return topk_result(*Sort.apply(self, dim, k, bool(largest)))


@tensor_method(export=True)
def msort(self):
    """``sort(self, dim=0).values``."""
    return sort(self, 0).values



@tensor_method(export=True)
def unique(self, sorted=True, return_inverse=False, return_counts=False, dim=None):
    """The distinct values of the flattened input in ascending order (NaNs stay distinct, as
    in torch), with the inverse indices (input shape) and counts when asked: one stable sort,
    a scan of the run starts, and a stable argsort of the run flags to gather them."""
    if not isinstance(self, _C.Tensor):
        raise TypeError(f"[unique] expected a lamina Tensor, got {type(self).__name__}")
    if dim is not None:
        raise ValueError("[unique] dim is not supported yet: only the flattened input")
    from ... import creation
    from .index import cat
    x = self.detach().reshape(-1)
    if x.dtype == _C.DType.bool:
        x = x.to(_C.DType.int64)
    n = int(x.shape[0])
    values, order = _C.sort(x, 0, False)
    start = creation.ones(n, dtype=_C.DType.bool, device=x.device)
    if n > 1:
        start = cat([start[:1], values[1:] != values[:-1]], 0)
    count = int(start.sum().item()) if n else 0
    firsts = _C.argsort(_C.cast(start.logical_not(), _C.DType.int64), 0, False)[:count]
    out = [values.index_select(0, firsts).to(self.dtype)]
    if return_inverse:
        group = _C.cumsum(start, 0) - 1
        inverse = _C.scatter_add(creation.zeros(n, dtype=_C.DType.int64, device=x.device), 0,
                                 order, group)
        out.append(inverse.reshape(self.shape))
    if return_counts:
        ends = cat([firsts[1:], creation.tensor([n], dtype=_C.DType.int64, device=x.device)], 0)
        out.append(ends - firsts)
    return out[0] if len(out) == 1 else tuple(out)
