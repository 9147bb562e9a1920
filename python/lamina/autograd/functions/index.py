"""Indexing ops (index_select, gather, scatter_add, cat) and matmul, with gradients."""
from __future__ import annotations

from .. import _C
from ..autograd.function import Function
from ._util import sum_to, zeros


class IndexSelect(Function):
    kernel = _C.index_select

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _C.index_select(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return _C.index_add(zeros(ctx.shape, g), ctx.dim, index, g), None, None


class Gather(Function):
    kernel = _C.gather

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _C.gather(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return _C.scatter_add(zeros(ctx.shape, g), ctx.dim, index, g), None, None


class ScatterAdd(Function):
    kernel = _C.scatter_add

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        ctx.src_shape = src.shape
        return _C.scatter_add(x, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _C.gather(g, ctx.dim, index)
            if gsrc.shape != ctx.src_shape:  # src larger than index: untouched part gets 0
                full = _C.full(list(ctx.src_shape), 0.0, g.dtype, g.device)
                view = full
                for d, n in enumerate(index.shape):
                    view = _C.slice(view, d, 0, n, 1)
                _C.copy_(view, gsrc)
                gsrc = full
        return g, None, None, gsrc


class IndexAdd(Function):
    kernel = _C.index_add

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        return _C.index_add(x, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gsrc = _C.index_select(g, ctx.dim, index) if ctx.needs_input_grad[3] else None
        return g, None, None, gsrc


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim % xs[0].ndim if xs and xs[0].ndim else dim
        ctx.sizes = [x.shape[ctx.dim] if x.ndim else 0 for x in xs]
        ctx.dtypes = [x.dtype for x in xs]
        return _C.cat(list(xs), dim)

    @staticmethod
    def backward(ctx, g):
        grads, at = [None], 0
        for n, dt in zip(ctx.sizes, ctx.dtypes):
            part = _C.slice(g, ctx.dim, at, at + n, 1)
            grads.append(part if part.dtype == dt else _C.cast(part, dt))
            at += n
        return tuple(grads)


class Matmul(Function):
    kernel = _C.matmul

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return _C.matmul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        a2 = _C.unsqueeze(a, 0) if a.ndim == 1 else a
        b2 = _C.unsqueeze(b, 1) if b.ndim == 1 else b
        g2 = g
        if a.ndim == 1:
            g2 = _C.unsqueeze(g2, -2 if g2.ndim >= 1 else 0)
        if b.ndim == 1:
            g2 = _C.unsqueeze(g2, -1)
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = _C.matmul(g2, _C.transpose(b2, -1, -2))
            ga = sum_to(ga, a2.shape)
            if a.ndim == 1:
                ga = _C.reshape(ga, list(a.shape))
        if ctx.needs_input_grad[1]:
            gb = _C.matmul(_C.transpose(a2, -1, -2), g2)
            gb = sum_to(gb, b2.shape)
            if b.ndim == 1:
                gb = _C.reshape(gb, list(b.shape))
        return ga, gb
