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


median_result = collections.namedtuple("median", ["values", "indices"])
kthvalue_result = collections.namedtuple("kthvalue", ["values", "indices"])


def _kth(x, dim, k, keepdim, nan_first_wins):
    """values, indices of the k-th smallest (0-based) along dim, the values through gather (so
    they carry the gradient to the chosen index). With nan_first_wins a row holding NaN gives
    its first NaN (the first NaN in the stable order), as torch's median."""
    if x.ndim == 0:
        return x, _C.full([], 0.0, _C.DType.int64, x.device)
    d = dim % x.ndim
    order = _C.argsort(x.detach(), d, False)
    shape = list(x.shape)
    shape[d] = 1
    pos = _C.full(shape, float(k), _C.DType.int64, x.device)
    if nan_first_wins and x.dtype.is_floating_point:
        nan = x.detach().isnan().sum(d, keepdim=True)
        pos = _C.where(_C.gt(nan, 0), _C.sub(_C.full([], float(x.shape[d]), _C.DType.int64,
                                                     x.device), nan), pos)
    idx = order.gather(d, pos)
    values = x.gather(d, idx)
    if not keepdim:
        values, idx = values.squeeze(d), idx.squeeze(d)
    return values, idx


@tensor_method(export=True)
def median(self, dim=None, keepdim=False):
    """The lower median: of all values (``dim`` None: a 0-d tensor), or along ``dim`` as
    (values, indices). A row holding NaN gives NaN, as in torch."""
    _check("median", self, -1 if dim is None else dim)
    if dim is None:
        flat = self.reshape(-1)
        if flat.numel() == 0:
            return _C.full([], float("nan"), self.dtype, self.device)
        return _kth(flat, 0, (flat.numel() - 1) // 2, False, True)[0]
    n = int(self.shape[dim % self.ndim]) if self.ndim else 1
    if n == 0:
        raise IndexError(f"[median] cannot take the median of an empty dim {dim}")
    return median_result(*_kth(self, dim, (n - 1) // 2, keepdim, True))


@tensor_method(export=True)
def kthvalue(self, k, dim=-1, keepdim=False):
    """The ``k``-th smallest (1-based) along ``dim`` as (values, indices); NaN counts as the
    largest value."""
    _check("kthvalue", self, dim)
    n = int(self.shape[dim % self.ndim]) if self.ndim else 1
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n:
        raise IndexError(f"[kthvalue] k = {k!r} is out of range for a dim of size {n}")
    return kthvalue_result(*_kth(self, dim, k - 1, keepdim, False))
