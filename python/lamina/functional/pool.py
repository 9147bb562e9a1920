"""2-D pooling with torch.nn.functional's signatures. Inputs (N, C, H, W) or unbatched
(C, H, W); sizes are an int or a pair. Shape rules and errors follow torch (csrc/ops/pool.cpp):
padding at most half the (effective) kernel, and with ceil_mode the last window must start
inside the input or its left padding.

NaN policy of max pooling (max_pool2d, adaptive_max_pool2d): NaN propagates. A window holding
NaN gives NaN and its index points at a NaN (the window's last one in row-major order); ties
between equal maxima keep the first, as in torch."""
from __future__ import annotations

from .. import _C
from ..autograd.functions import pool as _pool
from .conv import _single

Tensor = _C.Tensor

__all__ = ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d",
           "adaptive_max_pool2d"]


def _pair(op, name, v, allow_none=False):
    if v is None and allow_none:
        return None
    if isinstance(v, bool):
        raise TypeError(f"[{op}] {name} must be an int or a pair of ints, got {v!r}")
    if isinstance(v, int):
        return [v, v]
    if isinstance(v, (tuple, list)):
        if allow_none and len(v) == 0:
            return None
        vals = list(v)
        if len(vals) == 1:
            vals = vals * 2
        if len(vals) != 2 or any(isinstance(a, bool) or not isinstance(a, int) for a in vals):
            raise ValueError(f"[{op}] {name} must be an int or a pair of ints, got {v!r}")
        return vals
    raise TypeError(f"[{op}] {name} must be an int or a pair of ints, got "
                    f"{type(v).__name__}")


def _tensor(op, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor input, got {type(x).__name__}")
    return x


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """Max over each window; with ``return_indices`` also the int64 indices of the maxima
    (flat offsets into each H * W plane, like torch). NaN propagates (module docstring)."""
    op = "max_pool2d"
    k = _pair(op, "kernel_size", kernel_size)
    s = _pair(op, "stride", stride, allow_none=True)
    return _pool.MaxPool2d.apply(_tensor(op, input), k, k if s is None else s,
                                 _pair(op, "padding", padding), _pair(op, "dilation", dilation),
                                 bool(ceil_mode), bool(return_indices))


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """Mean over each window. The divisor is ``divisor_override`` when given, else the
    window's size clipped to the padded input (``count_include_pad``) or to the input."""
    op = "avg_pool2d"
    k = _pair(op, "kernel_size", kernel_size)
    s = _pair(op, "stride", stride, allow_none=True)
    div = 0
    if divisor_override is not None:
        if isinstance(divisor_override, bool) or not isinstance(divisor_override, int):
            raise TypeError(f"[{op}] divisor_override must be an int or None, got "
                            f"{divisor_override!r}")
        if divisor_override <= 0:
            raise ValueError(f"[{op}] divisor must be not zero (a positive int), got "
                             f"{divisor_override}")
        div = divisor_override
    return _pool.AvgPool2d.apply(_tensor(op, input), k, k if s is None else s,
                                 _pair(op, "padding", padding), bool(ceil_mode),
                                 bool(count_include_pad), div)


def _output_size(op, x, output_size):
    if x.ndim not in (3, 4):
        raise ValueError(f"[{op}] expected a 3-D (C, H, W) or 4-D (N, C, H, W) input, got "
                         f"shape {tuple(x.shape)}")
    if isinstance(output_size, (tuple, list)):
        if len(output_size) != 2:
            raise ValueError(f"[{op}] output_size must be an int or a pair (entries may be "
                             f"None), got {output_size!r}")
        vals = list(output_size)
    else:
        vals = [output_size, output_size]
    for i, v in enumerate(vals):
        if v is None:
            vals[i] = int(x.shape[x.ndim - 2 + i])
        elif isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"[{op}] output_size must hold ints or None, got {output_size!r}")
    return vals


def adaptive_avg_pool2d(input, output_size):
    """Mean over adaptive windows: rows [floor(i H / OH), ceil((i + 1) H / OH)), columns
    likewise. ``output_size`` an int or a pair; None keeps that input size; (1, 1) is a
    global average."""
    op = "adaptive_avg_pool2d"
    oh, ow = _output_size(op, _tensor(op, input), output_size)
    return _pool.AdaptiveAvgPool2d.apply(input, oh, ow)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """Max over adaptive windows (see adaptive_avg_pool2d), optionally with indices. NaN
    propagates as in max_pool2d."""
    op = "adaptive_max_pool2d"
    oh, ow = _output_size(op, _tensor(op, input), output_size)
    return _pool.AdaptiveMaxPool2d.apply(input, oh, ow, bool(return_indices))


def _as_2d(op, input):
    """(N, C, L) or (C, L) as (N, C, 1, L), a view."""
    x = _tensor(op, input)
    if x.ndim not in (2, 3):
        raise ValueError(f"[{op}] expected a 2-D (C, L) or 3-D (N, C, L) input, got "
                         f"{list(x.shape)}")
    return x.unsqueeze(-2)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """max_pool2d's kernel on the (N, C, 1, L) view; indices are positions along L."""
    op = "max_pool1d"
    k = _single(op, "kernel_size", kernel_size)
    s = k if stride is None else _single(op, "stride", stride)
    out = max_pool2d(_as_2d(op, input), (1, k), (1, s), (0, _single(op, "padding", padding)),
                     (1, _single(op, "dilation", dilation)), ceil_mode, return_indices)
    if return_indices:
        return out[0].squeeze(-2), out[1].squeeze(-2)
    return out.squeeze(-2)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """avg_pool2d's kernel on the (N, C, 1, L) view."""
    op = "avg_pool1d"
    k = _single(op, "kernel_size", kernel_size)
    s = k if stride is None else _single(op, "stride", stride)
    return avg_pool2d(_as_2d(op, input), (1, k), (1, s), (0, _single(op, "padding", padding)),
                      ceil_mode, count_include_pad).squeeze(-2)
