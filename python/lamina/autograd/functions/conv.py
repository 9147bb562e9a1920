"""2-D convolution as one Function: forward and the three backward kernels side by side
(csrc/cpu/conv.cpp: implicit GEMMs on the packed GEMM). ``padding`` here is already resolved
to (top, bottom, left, right); functional/conv.py parses the torch-style arguments. Backward
computes only the gradients asked for (``ctx.needs_input_grad``)."""
from __future__ import annotations

from ... import _C
from ..function import Function


class Conv2d(Function):
    kernel = _C.conv2d

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups):
        ctx.params = (stride, padding, dilation, groups)
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        return _C.conv2d(x, w, b, stride, padding, dilation, groups)

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.params
        need = ctx.needs_input_grad
        dx = dw = db = None
        if need[0]:
            dx = _C.conv2d_backward_input(g, w, list(x.shape), stride, padding, dilation, groups)
        if need[1]:
            dw = _C.conv2d_backward_weight(x, g, list(w.shape), stride, padding, dilation,
                                           groups)
        if ctx.has_bias and need[2]:
            db = _C.conv2d_backward_bias(g)
        return dx, dw, db, None, None, None, None


class ConvTranspose2d(Function):
    """The transposed convolution is conv2d's input gradient: forward runs that kernel on x
    (weight (C_in, C_out / groups, kH, kW) is conv2d's (K, C / groups, kH, kW) as is); its
    input gradient is conv2d forward, its weight gradient conv2d's weight gradient with the
    roles of x and g swapped."""

    @staticmethod
    def forward(ctx, x, w, b, stride, padding, dilation, groups, out_shape):
        ctx.params = (stride, padding, dilation, groups)
        ctx.has_bias = b is not None
        ctx.save_for_backward(x, w)
        y = _C.conv2d_backward_input(x, w, list(out_shape), stride, padding, dilation, groups)
        if b is not None:
            y = _C.add(y, _C.reshape(b, [1, -1, 1, 1]))
        return y

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        stride, padding, dilation, groups = ctx.params
        need = ctx.needs_input_grad
        dx = dw = db = None
        if need[0]:
            dx = _C.conv2d(g, w, None, stride, padding, dilation, groups)
        if need[1]:
            dw = _C.conv2d_backward_weight(g, x, list(w.shape), stride, padding, dilation,
                                           groups)
        if ctx.has_bias and need[2]:
            db = _C.conv2d_backward_bias(g)
        return dx, dw, db, None, None, None, None, None
