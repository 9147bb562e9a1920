"""``Conv2d``, ``Conv1d`` and ``ConvTranspose2d``: torch's modules (parameter names, shapes,
default init, repr), forward through functional.conv2d / conv1d / conv_transpose2d. padding_mode 'reflect' / 'replicate' / 'circular' pad the input with an
index_select per spatial dim (differentiable), then convolve unpadded."""
from __future__ import annotations

import math

from .. import creation as _creation
from .. import dtypes as _dt
from ..functional.conv import _pair, _padding
from ..functional.conv import conv2d as _conv2d
from ..functional.padding import pad_index
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Conv1d", "Conv2d", "ConvTranspose2d"]

_MODES = ("zeros", "reflect", "replicate", "circular")


def _positive(name, n, op="Conv2d"):
    if isinstance(n, bool) or not isinstance(n, int) or n <= 0:
        raise ValueError(f"[{op}] {name} must be a positive integer, got {n!r}")
    return n


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
        _reset_conv(self)

    def _pad_input(self, x):
        """The input padded by padding_mode (not 'zeros'), and the padding left to conv2d."""
        top, bottom, left, right = _padding(self.padding, list(self.stride),
                                            list(self.dilation), self.kernel_size)
        if top == bottom == left == right == 0:
            return x
        for dim, (a, b) in ((x.ndim - 2, (top, bottom)), (x.ndim - 1, (left, right))):
            idx = pad_index(int(x.shape[dim]), a, b, self.padding_mode, "Conv2d")
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


def _reset_conv(module):
    """torch's conv init: kaiming_uniform_(a=sqrt(5)) on the weight, the bias U(-1/sqrt(fan_in),
    1/sqrt(fan_in)) with fan_in from the weight's dim 1 and kernel."""
    init.kaiming_uniform_(module.weight, a=math.sqrt(5))
    if module.bias is not None:
        fan_in, _ = init._calculate_fan_in_and_fan_out(module.weight)
        if fan_in != 0:
            bound = 1 / math.sqrt(fan_in)
            init.uniform_(module.bias, -bound, bound)


def _conv_params(module, op, weight_shape, channels, bias, dtype, device):
    dtype = _dt.resolve(dtype, _dt.float32)
    if not dtype.is_floating_point:
        raise TypeError(f"[{op}] dtype must be floating, got {dtype}")
    module.weight = Parameter(_creation.empty(*weight_shape, dtype=dtype, device=device))
    if bias:
        module.bias = Parameter(_creation.empty(channels, dtype=dtype, device=device))
    else:
        module.register_parameter("bias", None)
    _reset_conv(module)


class Conv1d(Module):
    """``Conv1d(in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
    groups=1, bias=True, padding_mode='zeros', device=None, dtype=None)``: weight
    (out_channels, in_channels / groups, k), bias (out_channels,), torch's init; forward is
    F.conv1d (conv2d on an (N, C, 1, L) view)."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1,
                 groups=1, bias=True, padding_mode="zeros", device=None, dtype=None):
        super().__init__()
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            _positive(name, n, "Conv1d")
        if in_channels % groups or out_channels % groups:
            raise ValueError("[Conv1d] in_channels and out_channels must be divisible by groups")
        if padding_mode not in _MODES:
            raise ValueError(f"[Conv1d] padding_mode must be one of {_MODES}, got "
                             f"{padding_mode!r}")
        k = kernel_size[0] if isinstance(kernel_size, (tuple, list)) else kernel_size
        if isinstance(k, bool) or not isinstance(k, int) or k < 1:
            raise ValueError(f"[Conv1d] kernel_size must be a positive int, got {kernel_size!r}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, (k,)
        self.stride = stride if isinstance(stride, tuple) else (stride,)
        self.padding = padding if isinstance(padding, (tuple, str)) else (padding,)
        self.dilation = dilation if isinstance(dilation, tuple) else (dilation,)
        self.groups, self.padding_mode = groups, padding_mode
        _conv_params(self, "Conv1d", (out_channels, in_channels // groups, k), out_channels,
                     bias, dtype, device)

    def reset_parameters(self):
        _reset_conv(self)

    def forward(self, input):
        from ..functional.conv import conv1d
        from ..functional.padding import pad
        if self.padding_mode != "zeros" and not isinstance(self.padding, str):
            p = self.padding[0]
            return conv1d(pad(input, (p, p), mode=self.padding_mode), self.weight, self.bias,
                          self.stride, 0, self.dilation, self.groups)
        return conv1d(input, self.weight, self.bias, self.stride, self.padding, self.dilation,
                      self.groups)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}"
                + ("" if self.bias is not None else ", bias=False"))


class ConvTranspose2d(Module):
    """``ConvTranspose2d(in_channels, out_channels, kernel_size, stride=1, padding=0,
    output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros', device=None,
    dtype=None)``: weight (in_channels, out_channels / groups, kH, kW), bias (out_channels,),
    torch's init; forward(input, output_size=None) is F.conv_transpose2d."""

    def __init__(self, in_channels, out_channels, kernel_size, stride=1, padding=0,
                 output_padding=0, groups=1, bias=True, dilation=1, padding_mode="zeros",
                 device=None, dtype=None):
        super().__init__()
        for name, n in (("in_channels", in_channels), ("out_channels", out_channels),
                        ("groups", groups)):
            _positive(name, n, "ConvTranspose2d")
        if in_channels % groups or out_channels % groups:
            raise ValueError("[ConvTranspose2d] in_channels and out_channels must be divisible "
                             "by groups")
        if padding_mode != "zeros":
            raise ValueError("[ConvTranspose2d] only padding_mode='zeros' is supported (as "
                             "in torch)")
        op = "ConvTranspose2d"
        self.in_channels, self.out_channels = in_channels, out_channels
        self.kernel_size = tuple(_pair("kernel_size", kernel_size, op))
        self.stride = tuple(_pair("stride", stride, op))
        self.padding = tuple(_pair("padding", padding, op))
        self.output_padding = tuple(_pair("output_padding", output_padding, op))
        self.dilation = tuple(_pair("dilation", dilation, op))
        self.groups, self.padding_mode, self.transposed = groups, padding_mode, True
        _conv_params(self, op, (in_channels, out_channels // groups, *self.kernel_size),
                     out_channels, bias, dtype, device)

    def reset_parameters(self):
        _reset_conv(self)

    def forward(self, input, output_size=None):
        from ..functional.conv import conv_transpose2d
        op = list(self.output_padding)
        if output_size is not None:  # the output_padding that reaches output_size
            size = list(output_size)[-2:]
            for i in range(2):
                base = ((int(input.shape[input.ndim - 2 + i]) - 1) * self.stride[i]
                        - 2 * self.padding[i] + self.dilation[i] * (self.kernel_size[i] - 1) + 1)
                op[i] = int(size[i]) - base
        return conv_transpose2d(input, self.weight, self.bias, self.stride, self.padding, op,
                                self.groups, self.dilation)

    def extra_repr(self):
        return (f"{self.in_channels}, {self.out_channels}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, padding={self.padding}"
                + ("" if self.bias is not None else ", bias=False"))
