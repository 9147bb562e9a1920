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
