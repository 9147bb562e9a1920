"""Comparisons and cleanups composed of elementwise ops: isclose, allclose, equal, and
nan_to_num (whose gradient, through where, is the upstream one where the input is finite and
0 where a value was replaced)."""
from __future__ import annotations

import builtins

import numpy as np

from ... import _C
from ... import dtypes as _dt
from ..._registry import tensor_method
from ._util import Tensor
from .elementwise import where


def _pair(op, a, b):
    for name, t in (("input", a), ("other", b)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got "
                            f"{type(t).__name__}")
    if a.dtype != b.dtype:
        raise TypeError(f"[{op}] {a.dtype} did not match {b.dtype}")


@tensor_method(export=True)
def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """|self - other| <= atol + rtol |other| elementwise (equal infinities are close)."""
    _pair("isclose", self, other)
    if rtol < 0 or atol < 0:
        raise ValueError(f"[isclose] rtol and atol must be non-negative, got {rtol} and {atol}")
    if self.dtype == _dt.bool_:
        return _C.eq(self, other)
    a, b = self.detach(), other.detach()
    if not a.dtype.is_floating_point:
        a, b = _C.cast(a, _dt.float64), _C.cast(b, _dt.float64)
    close = _C.le(_C.abs(_C.sub(a, b)), _C.add(_C.mul(_C.abs(b), builtins.float(rtol)),
                                              builtins.float(atol)))
    finite = _C.logical_and(_C.lt(_C.abs(a), np.inf), _C.lt(_C.abs(b), np.inf))
    close = _C.logical_or(_C.logical_and(close, finite), _C.eq(a, b))  # inf == inf
    if equal_nan:
        close = _C.logical_or(close, _C.logical_and(_C.ne(a, a), _C.ne(b, b)))
    return close


@tensor_method(export=True)
def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
    """True when every element is ``isclose`` (shapes broadcast)."""
    return builtins.bool(isclose(self, other, rtol, atol, equal_nan).all().item())


@tensor_method(export=True)
def equal(self, other):
    """True when both have one shape and equal elements (NaN is never equal)."""
    if not isinstance(other, Tensor):
        raise TypeError(f"[equal] expected other to be a lamina tensor, got "
                        f"{type(other).__name__}")
    if self.shape != other.shape:
        return False
    return builtins.bool(_C.eq(self.detach(), other.detach()).all().item())


@tensor_method(export=True)
def nan_to_num(self, nan=0.0, posinf=None, neginf=None):
    """NaN, +inf and -inf replaced by ``nan``, ``posinf`` and ``neginf`` (default: the
    dtype's largest and lowest finite values). Integer and bool tensors are returned as is."""
    if not isinstance(self, Tensor):
        raise TypeError(f"[nan_to_num] expected a lamina tensor, got {type(self).__name__}")
    if not self.dtype.is_floating_point:
        return self.clone()
    info = np.finfo(np.float32 if self.dtype == _dt.float32 else np.float64)
    posinf = builtins.float(info.max) if posinf is None else builtins.float(posinf)
    neginf = builtins.float(info.min) if neginf is None else builtins.float(neginf)

    def full(v):
        return _C.full([], v, self.dtype, self.device)
    out = where(_C.ne(self, self), full(builtins.float(nan)), self)
    out = where(_C.eq(self, np.inf), full(posinf), out)
    return where(_C.eq(self, -np.inf), full(neginf), out)
