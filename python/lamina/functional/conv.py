"""``conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`` with torch's
semantics: NCHW (or unbatched CHW) input, weight (out_channels, in_channels / groups, kH, kW),
padding an int, a pair, "valid" or "same" (stride 1; the odd extra row / column of an even
kernel goes to the bottom / right, like torch)."""
from __future__ import annotations

from .. import _C
from ..autograd.functions.conv import Conv2d as _Conv2d

Tensor = _C.Tensor

__all__ = ["conv2d"]


def _pair(name, v, op="conv2d"):
    """An int or a pair (or a 1-list) of ints as [a, b]; the values are checked by the op."""
    if isinstance(v, (list, tuple)):
        if len(v) == 1:
            v = (v[0], v[0])
        if len(v) != 2:
            raise ValueError(f"[{op}] {name} must be an int or a pair, got {v!r}")
        vals = tuple(v)
    else:
        vals = (v, v)
    for e in vals:
        if isinstance(e, bool) or not isinstance(e, int):
            raise TypeError(f"[{op}] {name} must be an int or a pair of ints, got {v!r}")
    return [int(vals[0]), int(vals[1])]


def _padding(padding, stride, dilation, kernel, op="conv2d"):
    """torch's padding argument as (top, bottom, left, right): "valid", "same" (stride 1
    only), an int or a pair."""
    if isinstance(padding, str):
        if padding == "valid":
            return [0, 0, 0, 0]
        if padding == "same":
            if list(stride) != [1, 1]:
                raise ValueError(f"[{op}] padding='same' is not supported for strided "
                                 f"convolutions (stride={tuple(stride)})")
            out = []
            for d, k in zip(dilation, kernel):
                total = d * (k - 1)
                out += [total // 2, total - total // 2]
            return out
        raise ValueError(f"[{op}] invalid padding string {padding!r}, expected 'same' or "
                         "'valid'")
    ph, pw = _pair("padding", padding, op)
    return [ph, ph, pw, pw]


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of input (N, C, H, W) or (C, H, W) with weight (K, C/groups, R, S),
    plus bias (K,) when given. The op (csrc/ops/conv.cpp) checks shapes, dtypes, devices and
    the values of stride, padding, dilation and groups."""
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[conv2d] expected {name} to be a lamina tensor, got "
                            f"{type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"[conv2d] expected bias to be a lamina tensor or None, got "
                        f"{type(bias).__name__}")
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"[conv2d] groups must be an int, got {groups!r}")
    stride = _pair("stride", stride)
    dilation = _pair("dilation", dilation)
    kernel = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)  # else the op raises
    pad = _padding(padding, stride, dilation, kernel)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    y = _Conv2d.apply(x, weight, bias, stride, pad, dilation, groups)
    return y.squeeze(0) if unbatched else y
