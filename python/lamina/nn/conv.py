"""``Conv2d``: torch's module (parameter names, shapes, default init, repr), forward through
functional.conv2d. padding_mode 'reflect' / 'replicate' / 'circular' pad the input with an
index_select per spatial dim (differentiable), then convolve unpadded."""
from __future__ import annotations

import math

from .. import creation as _creation
from .. import dtypes as _dt
from ..functional.conv import _pair, _padding
from ..functional.conv import conv2d as _conv2d
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Conv2d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _positive(name, n):
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"[Conv2d] {name} must be a positive integer, got {n!r}")
    return n


def _pad_index(size, before, after, mode):
    """Source index of each padded position along one dim of length `size`."""
    if mode == "reflect" and (before >= size or after >= size):
        raise ValueError(f"[Conv2d] padding ({before}, {after}) must be smaller than the input "
                         f"size {size} for padding_mode='reflect'")
    if mode == "circular" and (before > size or after > size):
        raise ValueError(f"[Conv2d] padding ({before}, {after}) must be at most the input size "
                         f"{size} for padding_mode='circular'")
    out = []
    for i in range(-before, size + after):
        if mode == "reflect":
            j = -i if i < 0 else (2 * (size - 1) - i if i >= size else i)
        elif mode == "replicate":
            j = min(max(i, 0), size - 1)
        else:  # circular
            j = i % size
        out.append(j)
    return out


class Conv2d(Module):
    """``Conv2d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros', device=None, dtype=None)``.

    weight: (out_channels, in_channels / groups, kH, kW), bias: (out_channels,), both
    U(-1/sqrt(fan_in), 1/sqrt(fan_in)) with fan_in = in_channels / groups * kH * kW (torch's
    kaiming_uniform_(a=sqrt(5)))."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        _positive("in_channels", in_channels)
        _positive("out_channels", out_channels)
        _positive("groups", groups)
        if in_channels % groups != 0:
            raise ValueError("[Conv2d] in_channels must be divisible by groups")
        if out_channels % groups != 0:
            raise ValueError("[Conv2d] out_channels must be divisible by groups")
        if padding_mode not in _MODES:
            raise ValueError(f"[Conv2d] padding_mode must be one of {_MODES}, got "
                             f"{padding_mode!r}")
        kernel_size = tuple(_pair("kernel_size", kernel_size, "Conv2d"))
        if min(kernel_size) < 1:
            raise ValueError(f"[Conv2d] kernel_size must be positive, got {kernel_size}")
        stride = tuple(_pair("stride", stride, "Conv2d"))
        dilation = tuple(_pair("dilation", dilation, "Conv2d"))
        # parsed as conv2d will; stride and dilation values are checked by the op when it runs
        _padding(padding, stride, dilation, kernel_size, "Conv2d")
        if not isinstance(padding, str):
            padding = tuple(_pair("padding", padding, "Conv2d"))
            if min(padding) < 0:  # _pad_input reads it too (padding_mode)
                raise ValueError(f"[Conv2d] padding must be non-negative, got {padding}")
        self.in_channels = in_channels
        self.out_channels = out_channels
        self.kernel_size = kernel_size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.transposed = False
        self.output_padding = (0, 0)
        self.groups = groups
        self.padding_mode = padding_mode
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[Conv2d] dtype must be floating, got {dtype}")
        self.weight = Parameter(_creation.empty(out_channels, in_channels // groups,
                                                *kernel_size, dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            if fan_in != 0:
                bound = 1 / math.sqrt(fan_in)
                init.uniform_(self.bias, -bound, bound)

    def _pad_input(self, x):
        """The input padded by padding_mode (not 'zeros'), and the padding left to conv2d."""
        top, bottom, left, right = _padding(self.padding, list(self.stride),
                                            list(self.dilation), self.kernel_size)
        if top == bottom == left == right == 0:
            return x
        for dim, (a, b) in ((x.ndim - 2, (top, bottom)), (x.ndim - 1, (left, right))):
            idx = _pad_index(int(x.shape[dim]), a, b, self.padding_mode)
            x = x.index_select(dim, _creation.tensor(idx, dtype=_dt.int64, device=x.device))
        return x

    def forward(self, input):
        if self.padding_mode != "zeros":
            return _conv2d(self._pad_input(input), self.weight, self.bias, self.stride, 0,
                           self.dilation, self.groups)
        return _conv2d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                       self.groups)

    def extra_repr(self):
        s = (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
             f"stride={self.stride}")
        if self.padding != (0,) * len(self.padding):
            s += f", padding={self.padding}"
        if self.dilation != (1, 1):
            s += f", dilation={self.dilation}"
        if self.groups != 1:
            s += f", groups={self.groups}"
        if self.bias is None:
            s += ", bias=False"
        if self.padding_mode != "zeros":
            s += f", padding_mode={self.padding_mode}"
        return s
