"""View ops (no copies) and their gradients."""
from __future__ import annotations

from .. import _C
from ..autograd.function import Function
from ._util import sum_to, zeros


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape, strict):
        ctx.shape = x.shape
        return _C.view(x, shape) if strict else _C.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return _C.reshape(g, list(ctx.shape)), None, None


class Permute(Function):
    kernel = _C.permute

    @staticmethod
    def forward(ctx, x, dims):
        n = x.ndim
        ctx.inv = [0] * n
        for i, d in enumerate(dims):
            ctx.inv[d % max(n, 1)] = i
        return _C.permute(x, list(dims))

    @staticmethod
    def backward(ctx, g):
        return _C.permute(g, ctx.inv), None


class Transpose(Function):
    kernel = _C.transpose

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        return _C.transpose(x, d0, d1)

    @staticmethod
    def backward(ctx, g):
        return _C.transpose(g, *ctx.d), None, None


class Expand(Function):
    kernel = _C.expand

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return _C.expand(x, list(shape))

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape), None


class Squeeze(Function):
    kernel = _C.squeeze

    @staticmethod
    def forward(ctx, x, dims):
        ctx.shape = x.shape
        return _C.squeeze(x, dims)

    @staticmethod
    def backward(ctx, g):
        return _C.reshape(g, list(ctx.shape)), None


class Unsqueeze(Function):
    kernel = _C.unsqueeze

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _C.unsqueeze(x, dim)

    @staticmethod
    def backward(ctx, g):
        return _C.squeeze(g, [ctx.dim]), None


class Slice(Function):
    kernel = _C.slice

    @staticmethod
    def forward(ctx, x, dim, start, stop, step):
        ctx.shape, ctx.args = x.shape, (dim, start, stop, step)
        return _C.slice(x, dim, start, stop, step)

    @staticmethod
    def backward(ctx, g):
        out = zeros(ctx.shape, g)
        _C.copy_(_C.slice(out, *ctx.args), g)
        return out, None, None, None, None


class Select(Function):
    kernel = _C.select

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.args = x.shape, (dim, index)
        return _C.select(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        out = zeros(ctx.shape, g)
        _C.copy_(_C.select(out, *ctx.args), g)
        return out, None, None


class Clone(Function):
    """clone() and contiguous(): identity gradient."""

    @staticmethod
    def forward(ctx, x, always):
        return _C.clone(x) if always else _C.contiguous(x)

    @staticmethod
    def backward(ctx, g):
        return g, None


class AsStrided(Function):
    @staticmethod
    def forward(ctx, x, shape, strides, offset):
        if not x.is_contiguous() or x._offset != 0:
            raise ValueError("[as_strided] autograd needs a contiguous input with offset 0")
        ctx.shape = x.shape
        ctx.args = (list(shape), list(strides), offset)
        return _C.as_strided(x, *ctx.args)

    @staticmethod
    def backward(ctx, g):
        # overlapping windows add up: scatter each output element back with index_add
        n = 1
        for s in ctx.shape:
            n *= s
        flat = _C.arange(0, n, 1, _C.DType.int64, g.device)
        idx = _C.reshape(_C.contiguous(_C.as_strided(flat, *ctx.args)), [-1])
        out = _C.index_add(zeros([n], g), 0, idx, _C.reshape(_C.contiguous(g), [-1]))
        return _C.reshape(out, list(ctx.shape)), None, None, None
