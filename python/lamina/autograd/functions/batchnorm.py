"""Batch normalisation as one Function: a fused forward kernel (statistics, normalisation and
the running-statistics update in one call, saving mean and invstd) and a fused backward
kernel (dx, dweight and dbias from one pass of per-channel sums and one writing pass); see
csrc/cpu/batchnorm_impl.h."""
from __future__ import annotations

from ... import _C
from ..function import Function


def _values(x, weight, bias, running_mean, running_var, training, momentum, eps):
    return _C.batch_norm(x, weight, bias, running_mean, running_var, training, momentum, eps)[0]


class BatchNorm(Function):
    kernel = staticmethod(_values)

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        y, mean, invstd = _C.batch_norm(x, weight, bias, running_mean, running_var, training,
                                        momentum, eps)
        ctx.training = training
        ctx.save_for_backward(x, weight, mean, invstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, weight, mean, invstd = ctx.saved_tensors
        need = ctx.needs_input_grad
        dx, dw, db = _C.batch_norm_backward(x, g, weight, mean, invstd, ctx.training, need[0],
                                            need[1], need[2])
        return dx, dw, db, None, None, None, None, None
