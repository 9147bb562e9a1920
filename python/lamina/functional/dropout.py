"""``dropout(input, p=0.5, training=True, inplace=False)``: inverted dropout.

Each element is kept with probability 1 - p and scaled by 1 / (1 - p), so the expected value
is unchanged and evaluation is the identity. The keep mask comes from ``lamina.rand`` (one
uniform draw per element, kept where u < 1 - p), so it is reproducible under
``lamina.manual_seed`` on every device. The output is ``input * (mask / (1 - p))``, a recorded
multiply: its gradient is the same scaled mask."""
from __future__ import annotations

import numbers

from .. import _C
from ..autograd.functions.elementwise import mul as _mul
from ..autograd.grad_mode import _state

Tensor = _C.Tensor

__all__ = ["dropout", "dropout2d", "check_p"]


def check_p(op, p):
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0.0 <= float(p) <= 1.0:
        raise ValueError(f"[{op}] dropout probability has to be between 0 and 1, but got {p!r}")
    return float(p)


def _apply_mask(input, shape, p, inplace):
    """input times a keep-mask of ``shape`` (broadcast over input): 1 / (1 - p) with
    probability 1 - p, else 0; in place when allowed (no graph records input)."""
    if p == 1.0:
        mask = _C.full(shape, 0.0, input.dtype, input.device)
    else:
        u = _C.rand(shape, 0.0, 1.0, input.dtype, input.device)
        mask = _C.mul(_C.cast(_C.lt(u, 1.0 - p), input.dtype), 1.0 / (1.0 - p))
    if inplace and not (_state.enabled and input.requires_grad):
        _C.mul_(input, mask)
        return input
    return _mul(input, mask)


def dropout(input, p=0.5, training=True, inplace=False):
    """Zero each element with probability ``p`` and scale the rest by 1 / (1 - p) while
    ``training``; the identity otherwise. ``inplace`` writes into ``input`` when autograd
    does not record it (a recorded tensor gets a new output instead)."""
    p = check_p("dropout", p)
    if not isinstance(input, Tensor):
        raise TypeError(f"[dropout] expected a lamina tensor, got {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"[dropout] expected a floating tensor, got {input.dtype}")
    if not training or p == 0.0:
        return input
    return _apply_mask(input, list(input.shape), p, inplace)


def dropout2d(input, p=0.5, training=True, inplace=False):
    """Channel dropout of (N, C, H, W) or (C, H, W) inputs: each whole channel is zeroed with
    probability ``p``, the kept ones scaled by 1 / (1 - p)."""
    p = check_p("dropout2d", p)
    if not isinstance(input, Tensor):
        raise TypeError(f"[dropout2d] expected a lamina tensor, got {type(input).__name__}")
    if not input.dtype.is_floating_point:
        raise TypeError(f"[dropout2d] expected a floating tensor, got {input.dtype}")
    if input.ndim not in (3, 4):
        raise ValueError(f"[dropout2d] expected a 3D or 4D input (got {input.ndim}D input)")
    if not training or p == 0.0:
        return input
    return _apply_mask(input, list(input.shape[:-2]) + [1, 1], p, inplace)
