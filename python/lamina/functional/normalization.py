"""``layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5)``: normalize over the
last ``len(normalized_shape)`` dims, y = (x - mean) / sqrt(var + eps) * weight + bias, with
the biased variance, as torch. One fused kernel each way (autograd/functions/layernorm.py)."""
from __future__ import annotations

import numbers

from .. import _C
from ..autograd.functions.layernorm import LayerNorm as _LayerNorm

Tensor = _C.Tensor

__all__ = ["layer_norm", "normalized_shape_arg"]


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


def _check_param(name, p, input, shape):
    if p is None:
        return
    if not isinstance(p, Tensor):
        raise TypeError(f"[layer_norm] expected {name} to be a lamina tensor or None, got "
                        f"{type(p).__name__}")
    if tuple(p.shape) != shape:
        raise ValueError(f"[layer_norm] expected {name} of shape {shape} (normalized_shape), "
                         f"got {tuple(p.shape)}")
    if p.dtype != input.dtype:
        raise TypeError(f"[layer_norm] {name} dtype {p.dtype} does not match the input dtype "
                        f"{input.dtype}")
    if p.device != input.device:
        raise ValueError(f"[layer_norm] input is on {input.device} but {name} is on {p.device}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Normalize ``input`` (..., *normalized_shape) over its last dims, then scale by ``weight``
    and shift by ``bias`` (each of shape normalized_shape, or None)."""
    if not isinstance(input, Tensor):
        raise TypeError(f"[layer_norm] expected a lamina tensor, got {type(input).__name__}")
    shape = normalized_shape_arg("layer_norm", normalized_shape)
    nd = len(shape)
    if nd == 0:
        raise ValueError("[layer_norm] normalized_shape must have at least one dim, got ()")
    if input.ndim < nd or tuple(input.shape[input.ndim - nd:]) != shape:
        raise ValueError(f"[layer_norm] given normalized_shape={list(shape)}, expected an input "
                         f"of shape [*, {', '.join(str(s) for s in shape)}], got "
                         f"{list(input.shape)}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"[layer_norm] expected a floating input, got {input.dtype}")
    _check_param("weight", weight, input, shape)
    _check_param("bias", bias, input, shape)
    return _LayerNorm.apply(input, weight, bias, nd, float(eps))
