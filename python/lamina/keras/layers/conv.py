"""Conv2D and the 2-D pooling layers on lamina's NCHW kernels.

Keras's default layout is channels_last (NHWC). The layers permute to NCHW at the edges with
views, no copies: a conv's NCHW output is handed on as an NHWC view, and the next conv, pool,
BatchNormalization or activation permutes it back to the same contiguous NCHW tensor, so a
chain of such layers runs on NCHW memory throughout (only Flatten, Dense or Reshape on a 4-D
tensor copy). 'same' padding is Keras's (TensorFlow's): total = max((ceil(n / s) - 1) s +
(k - 1) d + 1 - n, 0), the odd extra row / column at the bottom / right."""
from __future__ import annotations

import math

from ... import _C
from ... import functional as F
from ...autograd.functions import views as _v
from ...autograd.functions.conv import Conv2d as _Conv2d
from ...autograd.functions.index import cat as _cat
from .. import activations
from .._core import Layer


def pair(layer, name, v):
    if isinstance(v, int) and not isinstance(v, bool):
        return (v, v)
    v = tuple(v)
    if len(v) != 2 or not all(isinstance(e, int) and not isinstance(e, bool) for e in v):
        raise ValueError(f"[{layer}] {name} must be an int or a pair of ints, got {v!r}")
    return v


def data_format_arg(layer, data_format):
    data_format = data_format or "channels_last"
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"[{layer}] data_format must be 'channels_last' or 'channels_first', "
                         f"got {data_format!r}")
    return data_format


def to_nchw(x, data_format):
    return _v.permute(x, 0, 3, 1, 2) if data_format == "channels_last" else x


def from_nchw(y, data_format):
    return _v.permute(y, 0, 2, 3, 1) if data_format == "channels_last" else y


def same_pads(n, k, s, d):
    """(before, after) of Keras's 'same' padding for one spatial dim of size n."""
    out = -(-n // s)
    total = max((out - 1) * s + (k - 1) * d + 1 - n, 0)
    return total // 2, total - total // 2


def out_size(n, k, s, d, padding):
    if n is None:
        return None
    if padding == "same":
        return -(-n // s)
    return max((n - (k - 1) * d - 1) // s + 1, 0)


def spatial(shape, data_format):
    return (shape[1], shape[2]) if data_format == "channels_last" else (shape[2], shape[3])


def with_spatial(shape, data_format, hw, channels):
    if data_format == "channels_last":
        return (shape[0], hw[0], hw[1], channels)
    return (shape[0], channels, hw[0], hw[1])


def pad2d(x, top, bottom, left, right, value):
    """x (N, C, H, W) padded with ``value`` (constant tensors concatenated on each side)."""
    N, C, H, W = (int(s) for s in x.shape)
    parts = []
    if top or bottom:
        rows = [_C.full([N, C, top, W], value, x.dtype, x.device)] if top else []
        rows.append(x)
        if bottom:
            rows.append(_C.full([N, C, bottom, W], value, x.dtype, x.device))
        x = _cat(rows, 2)
        H += top + bottom
    if left or right:
        if left:
            parts.append(_C.full([N, C, H, left], value, x.dtype, x.device))
        parts.append(x)
        if right:
            parts.append(_C.full([N, C, H, right], value, x.dtype, x.device))
        x = _cat(parts, 3)
    return x


class Conv2D(Layer):
    """``Conv2D(filters, kernel_size, strides=(1, 1), padding='valid', data_format=None,
    dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
    kernel_initializer='glorot_uniform', bias_initializer='zeros')``: kernel (kh, kw,
    in / groups, filters), bias (filters,), run as lamina's conv2d with the kernel permuted
    to (filters, in / groups, kh, kw) (a view)."""

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        self.filters = int(filters)
        self.kernel_size = pair("Conv2D", "kernel_size", kernel_size)
        self.strides = pair("Conv2D", "strides", strides)
        self.dilation_rate = pair("Conv2D", "dilation_rate", dilation_rate)
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"[Conv2D] padding must be 'valid' or 'same', got {padding!r}")
        self.data_format = data_format_arg("Conv2D", data_format)
        self.groups = int(groups)
        if self.filters <= 0 or self.groups <= 0 or self.filters % self.groups:
            raise ValueError(f"[Conv2D] filters ({filters}) must be a positive multiple of "
                             f"groups ({groups})")
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def _channels(self, shape):
        return shape[3] if self.data_format == "channels_last" else shape[1]

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) != 4:
            raise self._error(f"expected a 4-D input (batch, h, w, channels) for "
                              f"{self.data_format}, got shape {shape}")
        c = self._channels(shape)
        if self.built and c is not None and c != self.kernel.shape[2] * self.groups:
            raise self._error(f"expected {self.kernel.shape[2] * self.groups} input channels, "
                              f"got shape {shape}")
        if not self.built and (c is None or c % self.groups):
            raise self._error(f"input channels ({c}) must be known and divisible by groups "
                              f"({self.groups})")
        kh, kw = self.kernel_size
        dh, dw = self.dilation_rate
        h, w = spatial(shape, self.data_format)
        if self.padding == "valid" and ((h is not None and h < (kh - 1) * dh + 1) or
                                        (w is not None and w < (kw - 1) * dw + 1)):
            raise self._error(f"input of shape {shape} is smaller than the (dilated) kernel "
                              f"{self.kernel_size}")

    def build(self, input_shape):
        c = self._channels(input_shape)
        self.add_weight(self.kernel_size + (c // self.groups, self.filters),
                        self.kernel_initializer, "kernel")
        if self.use_bias:
            self.add_weight((self.filters,), self.bias_initializer, "bias")

    def _pads(self, h, w):
        if self.padding == "valid":
            return [0, 0, 0, 0]
        (kh, kw), (sh, sw), (dh, dw) = self.kernel_size, self.strides, self.dilation_rate
        return list(same_pads(h, kh, sh, dh) + same_pads(w, kw, sw, dw))

    def call(self, inputs):
        x = to_nchw(inputs, self.data_format)
        pads = self._pads(int(x.shape[2]), int(x.shape[3]))
        w = _v.permute(self.kernel, 3, 2, 0, 1)
        y = _Conv2d.apply(x, w, self.bias if self.use_bias else None, list(self.strides), pads,
                          list(self.dilation_rate), self.groups)
        if self.activation is not activations.linear:
            y = self.activation(y)
        return from_nchw(y, self.data_format)

    def compute_output_shape(self, input_shape):
        h, w = spatial(input_shape, self.data_format)
        hw = tuple(out_size(n, k, s, d, self.padding) for n, k, s, d in
                   zip((h, w), self.kernel_size, self.strides, self.dilation_rate))
        return with_spatial(input_shape, self.data_format, hw, self.filters)


class _Pooling2D(Layer):
    _max = True

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        name = type(self).__name__
        self.pool_size = pair(name, "pool_size", pool_size)
        self.strides = pair(name, "strides", strides) if strides is not None else self.pool_size
        self.padding = str(padding).lower()
        if self.padding not in ("valid", "same"):
            raise ValueError(f"[{name}] padding must be 'valid' or 'same', got {padding!r}")
        self.data_format = data_format_arg(name, data_format)

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) != 4:
            raise self._error(f"expected a 4-D input (batch, h, w, channels) for "
                              f"{self.data_format}, got shape {shape}")
        h, w = spatial(shape, self.data_format)
        kh, kw = self.pool_size
        if self.padding == "valid" and ((h is not None and h < kh) or
                                        (w is not None and w < kw)):
            raise self._error(f"input of shape {shape} is smaller than the pool size "
                              f"{self.pool_size}")

    def call(self, inputs):
        x = to_nchw(inputs, self.data_format)
        k, s = list(self.pool_size), list(self.strides)
        pads = [0, 0, 0, 0]
        if self.padding == "same":
            pads = list(same_pads(int(x.shape[2]), k[0], s[0], 1) +
                        same_pads(int(x.shape[3]), k[1], s[1], 1))
        t, b, left, r = pads
        if t == b and left == r and 2 * t <= k[0] and 2 * left <= k[1]:  # the kernel pads
            p = [t, left]
            y = F.max_pool2d(x, k, s, p) if self._max else \
                F.avg_pool2d(x, k, s, p, count_include_pad=False)
        elif self._max:
            y = F.max_pool2d(pad2d(x, *pads, -math.inf), k, s)
        else:  # the mean of the window's elements inside the input (padding not counted)
            total = F.avg_pool2d(pad2d(x, *pads, 0.0), k, s)
            ones = _C.full([1, 1, int(x.shape[2]), int(x.shape[3])], 1.0, x.dtype, x.device)
            count = F.avg_pool2d(pad2d(ones, *pads, 0.0), k, s)
            y = total / count
        return from_nchw(y, self.data_format)

    def compute_output_shape(self, input_shape):
        h, w = spatial(input_shape, self.data_format)
        hw = tuple(out_size(n, k, s, 1, self.padding) for n, k, s in
                   zip((h, w), self.pool_size, self.strides))
        c = input_shape[3] if self.data_format == "channels_last" else input_shape[1]
        return with_spatial(input_shape, self.data_format, hw, c)


class MaxPooling2D(_Pooling2D):
    """``MaxPooling2D(pool_size=(2, 2), strides=None, padding='valid', data_format=None)``."""
    _max = True


class AveragePooling2D(_Pooling2D):
    """``AveragePooling2D(pool_size, strides=None, padding='valid', data_format=None)``;
    with 'same' padding the padded positions are not counted (Keras's rule). pool_size is
    required, as in Keras 3."""
    _max = False

    def __init__(self, pool_size, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(pool_size, strides, padding, data_format, **kwargs)


class _GlobalPooling2D(Layer):
    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format_arg(type(self).__name__, data_format)
        self.keepdims = bool(keepdims)

    def _dims(self):
        return [1, 2] if self.data_format == "channels_last" else [2, 3]

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) != 4:
            raise self._error(f"expected a 4-D input, got shape {shape}")

    def compute_output_shape(self, input_shape):
        if self.keepdims:
            return with_spatial(input_shape, self.data_format, (1, 1),
                                input_shape[3 if self.data_format == "channels_last" else 1])
        return (input_shape[0], input_shape[3 if self.data_format == "channels_last" else 1])


class GlobalAveragePooling2D(_GlobalPooling2D):
    """``GlobalAveragePooling2D(data_format=None, keepdims=False)``: the mean over h and w."""

    def call(self, inputs):
        return inputs.mean(self._dims(), keepdim=self.keepdims)


class GlobalMaxPooling2D(_GlobalPooling2D):
    """``GlobalMaxPooling2D(data_format=None, keepdims=False)``: the max over h and w."""

    def call(self, inputs):
        return inputs.amax(self._dims(), keepdim=self.keepdims)
