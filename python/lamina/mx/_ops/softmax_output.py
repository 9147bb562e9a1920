"""SoftmaxOutput: softmax forward, and MXNet's own backward, which ignores the head gradient:

    d data = (softmax - onehot(label)) * grad_scale / norm

norm is 1 (``normalization='null'``), the label's size ('batch': the batch size for 2-D data) or the number of labels not
equal to ``ignore_label`` ('valid', at least 1); with ``use_ignore`` those rows get no
gradient. ``multi_output``: data (N, C, d1, ...) and label (N, d1, ...), softmax over axis 1,
and 'null' / 'batch' also divide by d1 * ... (as MXNet does). Without it, 2-D data takes
one class per row; data with more dims is flattened to (N, -1) for the softmax while the
label is inferred as the data's shape without its last axis, and backward reads the first N
label values (MXNet 1.9.1's behaviour, recorded in the fixtures); ``preserve_shape`` runs the
softmax over the last axis with one label per row of it. Labels are float class indices; the label gets a zero gradient."""
from __future__ import annotations

import math

from ... import _C
from ...autograd.function import Function
from ...autograd.functions import views as _v
from ._base import Op, as_bool, as_choice, as_float, fail, register


def _classes(cache, c, dim, like):
    """0, 1, ..., c - 1 shaped to broadcast along ``dim`` of ``like``, kept in the operator's
    ``cache`` per shape, dtype and device (a training loop makes it once)."""
    key = (c, dim, like.ndim, like.dtype, str(like.device))
    t = cache.get(key)
    if t is None:
        shape = [1] * like.ndim
        shape[dim] = c
        t = _C.reshape(_C.arange(0.0, float(c), 1.0, like.dtype, like.device), shape)
        if len(cache) < 8:
            cache[key] = t
    return t


class _SoftmaxOutput(Function):
    @staticmethod
    def forward(ctx, x, label, dim, scale, ignore, use_ignore, normalization, norms, cache):
        y = _C.softmax(x, dim)
        ctx.args = (dim, scale, ignore, use_ignore, normalization, norms, cache)
        ctx.save_for_backward(y, label)
        return y

    @staticmethod
    def backward(ctx, g):
        y, label = ctx.saved_tensors
        dim, scale, ignore, use_ignore, normalization, norms, cache = ctx.args
        classes = _classes(cache, int(y.shape[dim]), dim, y)
        lab = _C.unsqueeze(label if label.dtype == y.dtype else _C.cast(label, y.dtype), dim)
        grad = _C.sub(y, _C.cast(_C.eq(lab, classes), y.dtype))
        if use_ignore:
            keep = _C.cast(_C.ne(lab, float(ignore)), y.dtype)
            grad = _C.mul(grad, keep)
        if normalization == "batch":
            norm = norms[1]
        elif normalization == "valid":
            valid = (float(_C.sum(_C.cast(_C.ne(label, float(ignore)), y.dtype), [], False)
                           .item()) if use_ignore else float(label.numel()))
            norm = max(valid, 1.0)
        else:
            norm = norms[0]
        if scale / norm != 1.0:
            grad = _C.mul(grad, scale / norm)
        dlabel = (_C.full(list(label.shape), 0.0, label.dtype, label.device)
                  if ctx.needs_input_grad[1] else None)
        return grad, dlabel, None, None, None, None, None, None, None


@register
class SoftmaxOutput(Op):
    name = "SoftmaxOutput"
    defaults = dict(grad_scale=1.0, ignore_label=-1.0, multi_output=False, use_ignore=False,
                    preserve_shape=False, normalization="null", out_grad=False,
                    smooth_alpha=0.0)

    def _parse(self, p):
        op = self.name
        self.grad_scale = as_float(op, "grad_scale", p["grad_scale"])
        self.ignore_label = as_float(op, "ignore_label", p["ignore_label"])
        self.multi_output = as_bool(op, "multi_output", p["multi_output"])
        self.use_ignore = as_bool(op, "use_ignore", p["use_ignore"])
        self.preserve_shape = as_bool(op, "preserve_shape", p["preserve_shape"])
        self.normalization = as_choice(op, "normalization", p["normalization"],
                                       ("null", "batch", "valid"))
        if as_bool(op, "out_grad", p["out_grad"]):
            fail(op, "out_grad=True is not supported")
        if as_float(op, "smooth_alpha", p["smooth_alpha"]) != 0.0:
            fail(op, "smooth_alpha (label smoothing) is not supported")
        self._cache = {}

    def arguments(self):
        return ("data", "label")

    def infer(self, s):
        if len(s) < 1 or (self.multi_output and len(s) < 2):
            fail(self.name, f"data of shape {tuple(s)} has too few dims")
        label = (s[0],) + tuple(s[2:]) if self.multi_output else tuple(s[:-1])
        return (label,), tuple(s), ()

    def forward(self, inputs, aux, is_train):
        x, label = inputs
        if self.multi_output:
            return _SoftmaxOutput.apply(x, label, 1, self.grad_scale, self.ignore_label,
                                        self.use_ignore, self.normalization,
                                        (float(math.prod(x.shape[2:])), float(label.numel())),
                                        self._cache)
        if x.ndim <= 2 or self.preserve_shape:
            return _SoftmaxOutput.apply(x, label, x.ndim - 1, self.grad_scale,
                                        self.ignore_label, self.use_ignore, self.normalization,
                                        (1.0, float(label.numel())), self._cache)
        n, shape = int(x.shape[0]), list(x.shape)
        first = _C.reshape(_C.contiguous(label.detach()), [-1]).narrow(0, 0, n)
        y = _SoftmaxOutput.apply(_v.reshape(x, n, -1), first, 1, self.grad_scale,
                                 self.ignore_label, self.use_ignore, self.normalization,
                                 (1.0, float(label.numel())), self._cache)
        return _v.reshape(y, *shape)
