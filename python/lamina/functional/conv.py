"""``conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1)`` with torch's
semantics: NCHW (or unbatched CHW) input, weight (out_channels, in_channels / groups, kH, kW),
padding an int, a pair, "valid" or "same" (stride 1; the odd extra row / column of an even
kernel goes to the bottom / right, like torch)."""
from __future__ import annotations

from .. import _C
from ..autograd.functions.conv import Conv2d as _Conv2d
from ..autograd.functions.conv import ConvTranspose2d as _ConvTranspose2d

Tensor = _C.Tensor

__all__ = ["conv1d", "conv2d", "conv_transpose2d"]


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


def _check_tensors(op, input, weight, bias, groups):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got "
                            f"{type(t).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"[{op}] expected bias to be a lamina tensor or None, got "
                        f"{type(bias).__name__}")
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"[{op}] groups must be an int, got {groups!r}")


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation of input (N, C, H, W) or (C, H, W) with weight (K, C/groups, R, S),
    plus bias (K,) when given. The op (csrc/ops/conv.cpp) checks shapes, dtypes, devices and
    the values of stride, padding, dilation and groups."""
    _check_tensors("conv2d", input, weight, bias, groups)
    stride = _pair("stride", stride)
    dilation = _pair("dilation", dilation)
    kernel = tuple(weight.shape[2:]) if weight.ndim == 4 else (1, 1)  # else the op raises
    pad = _padding(padding, stride, dilation, kernel)
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    y = _Conv2d.apply(x, weight, bias, stride, pad, dilation, groups)
    return y.squeeze(0) if unbatched else y


def _single(op, name, v):
    """An int or a 1-sequence of ints as an int."""
    if isinstance(v, (list, tuple)):
        if len(v) != 1:
            raise ValueError(f"[{op}] {name} must be an int or a 1-tuple, got {v!r}")
        v = v[0]
    if isinstance(v, bool) or not isinstance(v, int):
        raise TypeError(f"[{op}] {name} must be an int, got {v!r}")
    return int(v)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D cross-correlation of input (N, C, L) or (C, L) with weight (K, C/groups, k): conv2d
    on the (N, C, 1, L) view (no copies), padding an int, "valid" or "same"."""
    _check_tensors("conv1d", input, weight, bias, groups)
    if input.ndim not in (2, 3):
        raise ValueError(f"[conv1d] expected a 2-D (C, L) or 3-D (N, C, L) input, got "
                         f"{list(input.shape)}")
    if weight.ndim != 3:
        raise ValueError(f"[conv1d] expected a 3-D weight (K, C/groups, k), got "
                         f"{list(weight.shape)}")
    s, d = _single("conv1d", "stride", stride), _single("conv1d", "dilation", dilation)
    if isinstance(padding, str):
        pad = _padding(padding, [1, s], [1, d], (1, int(weight.shape[2])), "conv1d")
    else:
        p = _single("conv1d", "padding", padding)
        pad = [0, 0, p, p]
    unbatched = input.ndim == 2
    x = input.unsqueeze(0) if unbatched else input
    y = _Conv2d.apply(x.unsqueeze(2), weight.unsqueeze(2), bias, [1, s], pad, [1, d], groups)
    y = y.squeeze(2)
    return y.squeeze(0) if unbatched else y


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """The transposed 2-D convolution (conv2d's input gradient) of input (N, C_in, H, W) or
    (C_in, H, W) with weight (C_in, C_out / groups, kH, kW): output size per dim
    (in - 1) * stride - 2 * padding + dilation * (k - 1) + output_padding + 1."""
    _check_tensors("conv_transpose2d", input, weight, bias, groups)
    op = "conv_transpose2d"
    if input.ndim not in (3, 4):
        raise ValueError(f"[{op}] expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                         f"{list(input.shape)}")
    if weight.ndim != 4:
        raise ValueError(f"[{op}] expected a 4-D weight (C_in, C_out/groups, kH, kW), got "
                         f"{list(weight.shape)}")
    stride, dilation = _pair("stride", stride, op), _pair("dilation", dilation, op)
    padding, output_padding = _pair("padding", padding, op), _pair("output_padding",
                                                                     output_padding, op)
    if groups < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0:
        raise ValueError(f"[{op}] groups, stride and dilation must be positive and padding "
                         f"non-negative, got groups={groups}, stride={stride}, "
                         f"dilation={dilation}, padding={padding}")
    for o, s, d in zip(output_padding, stride, dilation):
        if o < 0 or (o >= s and o >= d):
            raise ValueError(f"[{op}] output_padding must be smaller than stride or dilation, "
                             f"got output_padding={output_padding}, stride={stride}, "
                             f"dilation={dilation}")
    unbatched = input.ndim == 3
    x = input.unsqueeze(0) if unbatched else input
    if int(x.shape[1]) != int(weight.shape[0]):
        raise ValueError(f"[{op}] input has {x.shape[1]} channels, weight expects "
                         f"{weight.shape[0]} (its dim 0)")
    if int(weight.shape[0]) % groups:
        raise ValueError(f"[{op}] in_channels {weight.shape[0]} is not divisible by groups "
                         f"{groups}")
    out = [int(x.shape[0]), int(weight.shape[1]) * groups]
    for i in range(2):
        k = int(weight.shape[2 + i])
        size = ((int(x.shape[2 + i]) - 1) * stride[i] - 2 * padding[i] + dilation[i] * (k - 1)
                + output_padding[i] + 1)
        if size < 1:
            raise ValueError(f"[{op}] the output would be empty (size {size} in dim {2 + i})")
        out.append(size)
    pad = [padding[0], padding[0], padding[1], padding[1]]
    y = _ConvTranspose2d.apply(x, weight, bias, stride, pad, dilation, groups, out)
    return y.squeeze(0) if unbatched else y
