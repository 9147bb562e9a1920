"""Reductions and their gradients: the output gradient is broadcast back over reduced dims."""
from __future__ import annotations

from .. import _C
from ..autograd.function import Function
from ._util import wrap_dims


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
        return _C.div(_unreduce(g, ctx.shape, ctx.dims, ctx.keepdim), float(max(ctx.n, 1))), None, None


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
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim % max(x.ndim, 1), keepdim
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
