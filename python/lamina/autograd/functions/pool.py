"""Pooling Functions: one kernel forward, one kernel backward each (csrc/cpu/pool_impl.h).

Max pooling saves the int64 indices of each window's maximum (flat in its H * W plane, as in
torch) and its backward scatters the gradient through them. A plain forward (nothing to
record, no indices asked for) skips the indices. Max pooling propagates NaN: a window holding
NaN gives NaN, and its index points at the window's last NaN, as torch's does."""
from __future__ import annotations

from ... import _C
from ..function import Function


def _max_pool_values(x, k, s, p, d, ceil_mode, return_indices):
    y, idx = _C.max_pool2d(x, k, s, p, d, ceil_mode, return_indices)
    return (y, idx) if return_indices else y


class MaxPool2d(Function):
    kernel = staticmethod(_max_pool_values)

    @staticmethod
    def forward(ctx, x, k, s, p, d, ceil_mode, return_indices):
        y, idx = _C.max_pool2d(x, k, s, p, d, ceil_mode, True)
        ctx.shape = list(x.shape)
        ctx.save_for_backward(idx)
        return (y, idx) if return_indices else y

    @staticmethod
    def backward(ctx, g, *_):
        (idx,) = ctx.saved_tensors
        return _C.max_pool2d_backward(g, idx, ctx.shape), None, None, None, None, None, None


class AvgPool2d(Function):
    kernel = _C.avg_pool2d

    @staticmethod
    def forward(ctx, x, k, s, p, ceil_mode, count_include_pad, divisor):
        ctx.args = (list(x.shape), k, s, p, ceil_mode, count_include_pad, divisor)
        return _C.avg_pool2d(x, k, s, p, ceil_mode, count_include_pad, divisor)

    @staticmethod
    def backward(ctx, g):
        return (_C.avg_pool2d_backward(g, *ctx.args),) + (None,) * 6


class AdaptiveAvgPool2d(Function):
    kernel = _C.adaptive_avg_pool2d

    @staticmethod
    def forward(ctx, x, oh, ow):
        ctx.shape = list(x.shape)
        return _C.adaptive_avg_pool2d(x, oh, ow)

    @staticmethod
    def backward(ctx, g):
        return _C.adaptive_avg_pool2d_backward(g, ctx.shape), None, None


def _adaptive_max_values(x, oh, ow, return_indices):
    y, idx = _C.adaptive_max_pool2d(x, oh, ow)
    return (y, idx) if return_indices else y


class AdaptiveMaxPool2d(Function):
    kernel = staticmethod(_adaptive_max_values)

    @staticmethod
    def forward(ctx, x, oh, ow, return_indices):
        y, idx = _C.adaptive_max_pool2d(x, oh, ow)
        ctx.shape = list(x.shape)
        ctx.save_for_backward(idx)
        return (y, idx) if return_indices else y

    @staticmethod
    def backward(ctx, g, *_):
        (idx,) = ctx.saved_tensors
        return _C.adaptive_max_pool2d_backward(g, idx, ctx.shape), None, None, None
