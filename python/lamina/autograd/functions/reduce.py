"""Reductions and their gradients (the output gradient is broadcast back over the reduced
dims), and the reduction Tensor methods / ``lamina.*`` functions: sum, mean, var, std,
logsumexp, amax, amin, max, min, argmax, argmin, all, any."""
from __future__ import annotations

import builtins
import collections

from ... import _C
from ... import dtypes as _dt
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, wrap_dim, wrap_dims

min_max = collections.namedtuple("min_max", ["values", "indices"])


def _unreduce(g, in_shape, dims, keepdim):
    """Broadcastable view of ``g`` over the input shape (re-inserting reduced dims)."""
    if not keepdim:
        for d in dims:
            g = _C.unsqueeze(g, d)
    return _C.expand(g, list(in_shape))


class Sum(Function):
    kernel = _C.sum

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, wrap_dims(dims, x.ndim, "sum"), keepdim
        if x.ndim == 0:
            ctx.dims = []
        return _C.sum(x, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        return _C.contiguous(_unreduce(g, ctx.shape, ctx.dims, ctx.keepdim)), None, None


class Mean(Function):
    kernel = _C.mean

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.keepdim = x.shape, keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "mean") if x.ndim else []
        n = 1
        for d in ctx.dims:
            n *= x.shape[d]
        ctx.n = n
        return _C.mean(x, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        n = float(builtins.max(ctx.n, 1))
        return _C.div(_unreduce(g, ctx.shape, ctx.dims, ctx.keepdim), n), None, None


class Var(Function):
    kernel = _C.var

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "var") if x.ndim else []
        n = 1
        for d in ctx.dims:
            n *= x.shape[d]
        ctx.scale = 2.0 / (n - correction) if n - correction > 0 else float("nan")
        ctx.save_for_backward(x)
        return _C.var(x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        centered = _C.sub(x, _C.mean(x, ctx.dims or None, True))
        gx = _C.mul(_C.mul(_unreduce(g, x.shape, ctx.dims, ctx.keepdim), centered), ctx.scale)
        return gx, None, None, None


class LogSumExp(Function):
    kernel = _C.logsumexp

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "logsumexp") if x.ndim else []
        out = _C.logsumexp(x, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        sm = _C.exp(_C.sub(x, _unreduce(out, x.shape, ctx.dims, ctx.keepdim)))
        return _C.mul(sm, _unreduce(g, x.shape, ctx.dims, ctx.keepdim)), None, None


class AMax(Function):
    """max/min over dims (values only): the gradient is shared among tied maxima."""

    kernel = _C.amax

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "max" if is_max else "min") if x.ndim else []
        out = _C.amax(x, dims, keepdim, is_max)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = _C.cast(_C.eq(x, _unreduce(out, x.shape, ctx.dims, ctx.keepdim)), g.dtype)
        count = _C.sum(hit, ctx.dims or None, True)
        gx = _C.div(_C.mul(hit, _unreduce(g, x.shape, ctx.dims, ctx.keepdim)),
                    _C.expand(count, list(x.shape)))
        return gx, None, None, None


class MaxDim(Function):
    """max/min along one dim with indices: the gradient goes to the chosen index."""

    kernel = _C.max_dim

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        values, indices = _C.max_dim(x, dim, keepdim, is_max)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim % builtins.max(x.ndim, 1), keepdim
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, _g_indices=None):
        (indices,) = ctx.saved_tensors
        if g is None:
            return None, None, None, None
        if ctx.keepdim or len(ctx.shape) == 0:
            gi, ii = g, indices
        else:
            gi, ii = _C.unsqueeze(g, ctx.dim), _C.unsqueeze(indices, ctx.dim)
        if len(ctx.shape) == 0:
            return g, None, None, None
        out = _C.full(list(ctx.shape), 0.0, g.dtype, g.device)
        return _C.scatter_add(out, ctx.dim, ii, gi), None, None, None


# --- Tensor methods and lamina functions ---------------------------------------------------

def _dims(dim):
    if dim is None or isinstance(dim, int):
        return dim
    return list(dim)


@tensor_method(export=True)
def sum(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.to(dtype)
    return Sum.apply(x, _dims(dim), keepdim)


@tensor_method(export=True)
def mean(self, dim=None, keepdim=False, dtype=None):
    x = self if dtype is None else self.to(dtype)
    return Mean.apply(x, _dims(dim), keepdim)


@tensor_method(export=True)
def var(self, dim=None, unbiased=None, keepdim=False, correction=None):
    if correction is None:
        correction = 0 if unbiased is False else 1
    return Var.apply(self, _dims(dim), builtins.float(correction), keepdim)


@tensor_method(export=True)
def std(self, dim=None, unbiased=None, keepdim=False, correction=None):
    return var(self, dim, unbiased, keepdim, correction).sqrt()


@tensor_method(export=True)
def logsumexp(self, dim, keepdim=False):
    return LogSumExp.apply(self, _dims(dim), keepdim)


@tensor_method(export=True)
def amax(self, dim=None, keepdim=False):
    return AMax.apply(self, _dims(dim), keepdim, True)


@tensor_method(export=True)
def amin(self, dim=None, keepdim=False):
    return AMax.apply(self, _dims(dim), keepdim, False)


@tensor_method(export=True)
def max(self, dim=None, keepdim=False):
    """``max()`` is the largest value; ``max(dim)`` gives (values, indices); ``max(other)`` is
    the elementwise maximum."""
    if isinstance(dim, Tensor):
        return self.maximum(dim)
    if dim is None:
        return AMax.apply(self, None, False, True)
    return min_max(*MaxDim.apply(self, dim, keepdim, True))


@tensor_method(export=True)
def min(self, dim=None, keepdim=False):
    if isinstance(dim, Tensor):
        return self.minimum(dim)
    if dim is None:
        return AMax.apply(self, None, False, False)
    return min_max(*MaxDim.apply(self, dim, keepdim, False))


@tensor_method(export=True)
def argmax(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, True)


@tensor_method(export=True)
def argmin(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, False)


def _arg_extreme(self, dim, keepdim, is_max):
    op = "argmax" if is_max else "argmin"
    if dim is None:  # over all elements (keepdim does not apply)
        x, dim, keepdim = _C.reshape(self, [-1]), 0, False
    else:
        x, dim = self, wrap_dim(dim, self.ndim, op)
    if x.ndim and x.shape[dim] == 0:
        raise ValueError(f"[{op}] cannot reduce over a dimension of size 0 (shape {self.shape})")
    return _C.max_dim(x, dim, keepdim, is_max)[1]


@tensor_method(export=True)
def all(self, dim=None, keepdim=False):
    return _C.logical_not(_C.gt(_C.sum(_C.logical_not(self), _dims(dim), keepdim), 0))


@tensor_method(export=True)
def any(self, dim=None, keepdim=False):
    return _C.gt(_C.sum(_C.cast(self, _dt.bool_), _dims(dim), keepdim), 0)
