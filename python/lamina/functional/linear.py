"""``linear(input, weight, bias=None)``: y = input @ weight.T + bias, torch's layout
(weight (out_features, in_features)). Composed from matmul (the one GEMM; the transposed
weight is a strided view, handled by the GEMM's packing) and a broadcast add, so forward and
backward are the matmul and add kernels. Inputs with more than two dims are flattened to
(rows, in_features) first, so the weight gradient is one GEMM, not a batch of them."""
from __future__ import annotations

from .. import _C
from ..autograd.functions import views as _v
from ..autograd.functions.elementwise import add as _add
from ..autograd.functions.matmul import matmul as _matmul

Tensor = _C.Tensor

__all__ = ["linear"]


def _shape(t):
    return tuple(int(s) for s in t.shape)


def _check(input, weight, bias):
    for name, t in (("input", input), ("weight", weight)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[linear] expected {name} to be a lamina tensor, got "
                            f"{type(t).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"[linear] expected a 2-D weight (out_features, in_features), got shape "
                         f"{_shape(weight)}")
    if input.ndim == 0:
        raise ValueError("[linear] expected an input with at least 1 dim (..., in_features), "
                         "got a 0-d tensor")
    if input.shape[-1] != weight.shape[1]:
        raise ValueError(f"[linear] input of shape {_shape(input)} has {input.shape[-1]} features "
                         f"but the weight of shape {_shape(weight)} expects in_features="
                         f"{weight.shape[1]}")
    if input.dtype != weight.dtype:
        raise TypeError(f"[linear] input dtype {input.dtype} and weight dtype {weight.dtype} "
                        "differ; convert one (e.g. model.to(x.dtype) or x.float())")
    if not input.dtype.is_floating_point:
        raise TypeError(f"[linear] expected a floating input, got {input.dtype}")
    if input.device != weight.device:
        raise ValueError(f"[linear] input is on {input.device} but the weight is on "
                         f"{weight.device}")
    if bias is not None:
        if not isinstance(bias, Tensor):
            raise TypeError(f"[linear] expected bias to be a lamina tensor or None, got "
                            f"{type(bias).__name__}")
        if _shape(bias) != (weight.shape[0],) and not (bias.ndim == 0 and weight.shape[0] == 1):
            raise ValueError(f"[linear] expected a bias of shape ({weight.shape[0]},) for a "
                             f"weight of shape {_shape(weight)}, got {_shape(bias)}")
        if bias.dtype != weight.dtype or bias.device != weight.device:
            raise TypeError(f"[linear] bias ({bias.dtype}, {bias.device}) must match the weight "
                            f"({weight.dtype}, {weight.device})")


def linear(input, weight, bias=None):
    """y = input @ weight.T + bias for input (..., in_features), weight (out, in), bias (out,)."""
    _check(input, weight, bias)
    wt = _v.t(weight)
    if input.ndim > 2:
        lead = list(input.shape[:-1])
        out = _matmul(_v.reshape(input, -1, weight.shape[1]), wt)
        out = _v.reshape(out, *lead, weight.shape[0])
    else:
        out = _matmul(input, wt)
    if bias is not None:
        out = _add(out, bias)
    return out
