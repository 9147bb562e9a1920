"""Convolution and Pooling with MXNet 1.x's parameters, 2-D NCHW only.

Convolution: weight (num_filter, C / num_group, kh, kw), symmetric ``pad``; lamina's conv2d
Function. Pooling: ``stride`` defaults to 1 (not to the kernel, unlike torch),
``pooling_convention='full'`` is ceil mode, ``pool_type='sum'`` is the average kernel with
divisor 1, ``global_pool`` pools the whole plane. Average pooling with count_include_pad
divides by the window clipped to the padded input in forward but, like MXNet 1.9.1, by the
full kernel size in backward (they differ only for a last 'full' window that overhangs)."""
from __future__ import annotations

from ... import _C
from ...autograd.function import Function
from ...autograd.functions.conv import Conv2d as _Conv2d
from ...autograd.functions import pool as _pool
from ._base import Op, as_bool, as_choice, as_int, as_tuple, fail, register


def _out(op, size, k, s, p, d=1, ceil=False):
    eff = d * (k - 1) + 1
    span = size + 2 * p - eff
    if span < 0:
        fail(op, f"kernel {k} (dilated {eff}) is larger than the padded input {size + 2 * p}")
    return (-(-span // s) if ceil else span // s) + 1


def _positive(op, name, t):
    if any(e < 1 for e in t):
        fail(op, f"{name} entries must be >= 1, got {t}")
    return t


@register
class Convolution(Op):
    name = "Convolution"
    defaults = dict(kernel=None, stride=(), dilate=(), pad=(), num_filter=None, num_group=1,
                    no_bias=False)

    def _parse(self, p):
        op = self.name
        self.kernel = _positive(op, "kernel", as_tuple(op, "kernel", p["kernel"],
                                                       allow_empty=False))
        self.stride = _positive(op, "stride", as_tuple(op, "stride", p["stride"]) or (1, 1))
        self.dilate = _positive(op, "dilate", as_tuple(op, "dilate", p["dilate"]) or (1, 1))
        self.pad = as_tuple(op, "pad", p["pad"]) or (0, 0)
        if min(self.pad) < 0:
            fail(op, f"pad must be >= 0, got {self.pad}")
        if p["num_filter"] is None:
            fail(op, "num_filter is required")
        self.num_filter = as_int(op, "num_filter", p["num_filter"], minimum=1)
        self.num_group = as_int(op, "num_group", p["num_group"], minimum=1)
        self.no_bias = as_bool(op, "no_bias", p["no_bias"])
        if self.num_filter % self.num_group:
            fail(op, f"num_filter {self.num_filter} is not divisible by num_group "
                     f"{self.num_group}")

    def arguments(self):
        return ("data", "weight") if self.no_bias else ("data", "weight", "bias")

    def infer(self, s):
        if len(s) != 4:
            fail(self.name, f"expected 4-D data (N, C, H, W), got shape {tuple(s)}")
        n, c, h, w = s
        if c % self.num_group:
            fail(self.name, f"input channels {c} are not divisible by num_group "
                            f"{self.num_group}")
        (kh, kw), (sh, sw), (dh, dw), (ph, pw) = self.kernel, self.stride, self.dilate, self.pad
        out = (n, self.num_filter, _out(self.name, h, kh, sh, ph, dh),
               _out(self.name, w, kw, sw, pw, dw))
        args = ((self.num_filter, c // self.num_group, kh, kw),)
        return args + (() if self.no_bias else ((self.num_filter,),)), out, ()

    def forward(self, inputs, aux, is_train):
        b = None if self.no_bias else inputs[2]
        ph, pw = self.pad
        return _Conv2d.apply(inputs[0], inputs[1], b, list(self.stride), [ph, ph, pw, pw],
                             list(self.dilate), self.num_group)


class _AvgPoolInclPad(Function):
    """Average pooling counting the padding: MXNet's forward / backward divisors."""

    @staticmethod
    def forward(ctx, x, k, s, p, ceil):
        ctx.args = (list(x.shape), k, s, p, ceil, True, k[0] * k[1])
        return _C.avg_pool2d(x, k, s, p, ceil, True, 0)

    @staticmethod
    def backward(ctx, g):
        return _C.avg_pool2d_backward(g, *ctx.args), None, None, None, None


@register
class Pooling(Op):
    name = "Pooling"
    defaults = dict(kernel=(), pool_type="max", global_pool=False,
                    pooling_convention="valid", stride=(), pad=(), count_include_pad=None,
                    p_value=None)

    def _parse(self, p):
        op = self.name
        self.pool_type = as_choice(op, "pool_type", p["pool_type"], ("max", "avg", "sum"))
        self.global_pool = as_bool(op, "global_pool", p["global_pool"])
        self.kernel = as_tuple(op, "kernel", p["kernel"], allow_empty=self.global_pool)
        if self.kernel:
            _positive(op, "kernel", self.kernel)
        self.convention = as_choice(op, "pooling_convention", p["pooling_convention"],
                                    ("valid", "full"))
        self.stride = _positive(op, "stride", as_tuple(op, "stride", p["stride"]) or (1, 1))
        self.pad = as_tuple(op, "pad", p["pad"]) or (0, 0)
        if min(self.pad) < 0:
            fail(op, f"pad must be >= 0, got {self.pad}")
        cip = p["count_include_pad"]
        self.count_include_pad = True if cip is None else as_bool(op, "count_include_pad", cip)
        if p["p_value"] is not None:
            fail(op, "lp pooling (p_value) is not supported")

    def _geometry(self, s):
        if len(s) != 4:
            fail(self.name, f"expected 4-D data (N, C, H, W), got shape {tuple(s)}")
        if self.global_pool:
            return (s[2], s[3]), (1, 1), (0, 0)
        for k, p in zip(self.kernel, self.pad):
            if p > k // 2:  # lamina's pooling kernels (like torch's) need the pad in the kernel
                fail(self.name, f"pad {self.pad} larger than half the kernel {self.kernel} is "
                                "not supported")
        return self.kernel, self.stride, self.pad

    def infer(self, s):
        k, st, p = self._geometry(s)
        ceil = self.convention == "full"
        out = [_out(self.name, s[2 + i], k[i], st[i], p[i], ceil=ceil) for i in (0, 1)]
        for i in (0, 1):
            if ceil and (out[i] - 1) * st[i] >= s[2 + i] + p[i]:
                # MXNet keeps a last window lying wholly in the padding; lamina's ceil mode
                # (torch's) drops it, so the shapes would differ
                fail(self.name, f"pooling_convention='full' with stride {st} makes a last "
                                f"window outside the input of shape {tuple(s)}; not supported")
        return (), (s[0], s[1], out[0], out[1]), ()

    def forward(self, inputs, aux, is_train):
        x = inputs[0]
        k, s, p = self._geometry(tuple(x.shape))
        k, s, p = list(k), list(s), list(p)
        ceil = self.convention == "full"
        if self.pool_type == "max":
            return _pool.MaxPool2d.apply(x, k, s, p, [1, 1], ceil, False)
        if self.pool_type == "sum":
            return _pool.AvgPool2d.apply(x, k, s, p, ceil, True, 1)
        if self.count_include_pad:
            return _AvgPoolInclPad.apply(x, k, s, p, ceil)
        return _pool.AvgPool2d.apply(x, k, s, p, ceil, False, 0)
