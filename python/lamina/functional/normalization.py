"""``layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)``: normalize over the
last ``len(normalized_shape)`` dims, y = (x - mean) / sqrt(var + eps) * weight + bias, with
the biased variance, as torch. One fused kernel each way (autograd/functions/layernorm.py).
``group_norm`` and ``instance_norm`` run the same kernel on a (N, G, -1) / (N * C, -1) view
and add the per-channel affine."""
from __future__ import annotations

import numbers

from .. import _C
from ..autograd.functions.layernorm import LayerNorm as _LayerNorm

Tensor = _C.Tensor

__all__ = ["group_norm", "instance_norm", "layer_norm", "normalized_shape_arg"]


def normalized_shape_arg(op, normalized_shape):
    """``normalized_shape`` as a tuple of ints (an int n means (n,))."""
    if isinstance(normalized_shape, numbers.Integral) and not isinstance(normalized_shape, bool):
        return (int(normalized_shape),)
    try:
        shape = tuple(normalized_shape)
    except TypeError:
        raise TypeError(f"[{op}] normalized_shape must be an int or a sequence of ints, got "
                        f"{type(normalized_shape).__name__}") from None
    for s in shape:
        if isinstance(s, bool) or not isinstance(s, numbers.Integral):
            raise TypeError(f"[{op}] normalized_shape must hold ints, got {shape!r}")
    return tuple(int(s) for s in shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize ``input`` (..., *normalized_shape) over its last dims, then scale by ``weight``
    and shift by ``bias`` (each of shape normalized_shape, or None). The op
    (csrc/ops/layernorm.cpp) checks dtypes, devices and the shapes of weight and bias; here the
    input's last dims are matched against normalized_shape (the op sees only their count)."""
    for name, t in (("input", input), ("weight", weight), ("bias", bias)):
        if not isinstance(t, Tensor) and (t is not None or name == "input"):
            raise TypeError(f"[layer_norm] expected {name} to be a lamina tensor"
                            f"{'' if name == 'input' else ' or None'}, got {type(t).__name__}")
    shape = normalized_shape_arg("layer_norm", normalized_shape)
    nd = len(shape)
    if input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise ValueError(f"[layer_norm] given normalized_shape={list(shape)}, expected an input "
                         f"of shape [*, {', '.join(str(s) for s in shape)}], got "
                         f"{list(input.shape)}")
    return _LayerNorm.apply(input, weight, bias, nd, float(eps))


def _channel_affine(y, weight, bias):
    """y (N, C, *) * weight[c] + bias[c] (each (C,) or None)."""
    shape = [1, -1] + [1] * (y.ndim - 2)
    if weight is not None:
        y = y * weight.reshape(shape)
    if bias is not None:
        y = y + bias.reshape(shape)
    return y


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Normalize (N, C, *) over each group of C / num_groups channels and the spatial dims,
    then scale and shift per channel: the fused layer-norm kernel on the (N, G, -1) view."""
    op = "group_norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(input).__name__}")
    if input.ndim < 2:
        raise ValueError(f"[{op}] expected an input (N, C, *), got {list(input.shape)}")
    if isinstance(num_groups, bool) or not isinstance(num_groups, int) or num_groups < 1:
        raise ValueError(f"[{op}] num_groups must be a positive int, got {num_groups!r}")
    C = int(input.shape[1])
    if C % num_groups:
        raise ValueError(f"[{op}] {C} channels are not divisible into {num_groups} groups")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (not isinstance(t, Tensor) or tuple(t.shape) != (C,)):
            raise ValueError(f"[{op}] {name} must be a ({C},) tensor or None")
    n = int(input.shape[0])
    if input.numel() and input.numel() // num_groups == 1:  # torch's check
        raise ValueError(f"[{op}] expected more than 1 value per group, got input "
                         f"{list(input.shape)} with {num_groups} groups")
    if input.numel() == 0:
        return _channel_affine(input * 1, weight, bias)
    y = _LayerNorm.apply(input.reshape(n, num_groups, -1), None, None, 1, float(eps))
    return _channel_affine(y.reshape(input.shape), weight, bias)


def instance_norm(input, running_mean=None, running_var=None, weight=None, bias=None,
                  use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalize each (n, c) instance of (N, C, *) over its spatial dims (the fused layer-norm
    kernel on the (N * C, -1) view), scale and shift per channel. With use_input_stats the
    running statistics (when given) move towards the batch's mean of instance means and
    unbiased variances; without it they normalize instead."""
    op = "instance_norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(input).__name__}")
    if input.ndim < 3:
        raise ValueError(f"[{op}] expected an input (N, C, *spatial), got {list(input.shape)}")
    N, C = int(input.shape[0]), int(input.shape[1])
    if not use_input_stats:
        if running_mean is None or running_var is None:
            raise ValueError(f"[{op}] use_input_stats=False needs running_mean and running_var")
        shape = [1, -1] + [1] * (input.ndim - 2)
        y = (input - running_mean.reshape(shape)) / (running_var.reshape(shape) + eps).sqrt()
        return _channel_affine(y, weight, bias)
    flat = input.reshape(N * C, -1)
    if running_mean is not None or running_var is not None:
        from ..autograd import no_grad
        with no_grad():
            m = flat.mean(1).reshape(N, C).mean(0)
            v = flat.var(1, unbiased=True).reshape(N, C).mean(0)
            if running_mean is not None:
                running_mean.mul_(1 - momentum).add_(m * momentum)
            if running_var is not None:
                running_var.mul_(1 - momentum).add_(v * momentum)
    y = _LayerNorm.apply(flat, None, None, 1, float(eps)).reshape(input.shape)
    return _channel_affine(y, weight, bias)
