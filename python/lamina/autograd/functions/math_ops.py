"""More pointwise math: the unary ops tan, sinh, cosh, erf, log2, log10, exp2 of the op list
(csrc/core/op_kinds.h) with their gradients; atan2, fmod and remainder (torch's sign rules:
fmod truncates like C, remainder takes the divisor's sign); lerp; and the bool tests isinf /
isfinite. Forward kernels are the shared functors; gradients compose existing ops."""
from __future__ import annotations

import math

from ... import _C
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, as_tensor, sum_to
from .elementwise import _meta, unary

_LN2, _LN10 = math.log(2.0), math.log(10.0)
_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


@unary("tan", save="y")
def Tan(y, g):  # 1 + tan^2
    return _C.mul(g, _C.add(_C.mul(y, y), 1))


@unary("sinh")
def Sinh(x, g):
    return _C.mul(g, _C.cosh(x))


@unary("cosh")
def Cosh(x, g):
    return _C.mul(g, _C.sinh(x))


@unary("erf")
def Erf(x, g):  # 2 / sqrt(pi) e^(-x^2)
    return _C.mul(g, _C.mul(_C.exp(_C.neg(_C.mul(x, x))), _TWO_OVER_SQRT_PI))


@unary("log2")
def Log2(x, g):
    return _C.div(g, _C.mul(x, _LN2))


@unary("log10")
def Log10(x, g):
    return _C.div(g, _C.mul(x, _LN10))


@unary("exp2", save="y")
def Exp2(y, g):
    return _C.mul(g, _C.mul(y, _LN2))


# --- binary ----------------------------------------------------------------------------------

def _grad(g, meta):
    return None if meta is None else sum_to(g, meta[0], meta[1])


class Atan2(Function):
    kernel = _C.atan2

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        ctx.save_for_backward(a, b)
        return _C.atan2(a, b)

    @staticmethod
    def backward(ctx, g):  # d/da = b / (a^2 + b^2), d/db = -a / (a^2 + b^2)
        a, b = ctx.saved_tensors
        den = _C.add(_C.mul(a, a), _C.mul(b, b))
        ga = _grad(_C.div(_C.mul(g, b), den), ctx.ma) if ctx.needs_input_grad[0] else None
        gb = _grad(_C.neg(_C.div(_C.mul(g, a), den)), ctx.mb) if ctx.needs_input_grad[1] else None
        return ga, gb


class _Mod(Function):
    """a - q b for q the quotient rounded by ``rounding``: d/da = 1, d/db = -q."""

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        ctx.save_for_backward(a, b)
        return cls.compute(a, b)

    @classmethod
    def backward(cls, ctx, g):
        a, b = ctx.saved_tensors
        gb = None
        if ctx.mb is not None and ctx.needs_input_grad[1]:
            gb = _grad(_C.neg(_C.mul(g, cls.quotient(_C.div(a, b)))), ctx.mb)
        return _grad(g, ctx.ma), gb


class Fmod(_Mod):
    kernel = _C.fmod
    compute = staticmethod(_C.fmod)

    @staticmethod
    def quotient(q):  # truncated
        return _C.mul(_C.sign(q), _C.floor(_C.abs(q)))


class Remainder(_Mod):
    kernel = _C.remainder
    compute = staticmethod(_C.remainder)
    quotient = staticmethod(_C.floor)


def _operands(op, a, b):
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        raise TypeError(f"[{op}] expected a tensor argument, got {type(a).__name__} and "
                        f"{type(b).__name__}")
    if not isinstance(a, Tensor):
        return as_tensor(op, a, b), b
    return a, as_tensor(op, b, a)


@tensor_method(export=True)
def atan2(self, other):
    """atan(self / other) in the quadrant of (other, self); integers compute in float32."""
    return Atan2.apply(*_operands("atan2", self, other))


@tensor_method(export=True)
def fmod(self, other):
    """C's fmod: the remainder of the truncated quotient, with the sign of the dividend."""
    return Fmod.apply(*_operands("fmod", self, other))


@tensor_method(export=True)
def remainder(self, other):
    """Python's %: the remainder of the floored quotient, with the sign of the divisor."""
    return Remainder.apply(*_operands("remainder", self, other))


@tensor_method(export=True)
def lerp(self, end, weight):
    """self + weight (end - self); weight a number or a tensor (all broadcast)."""
    if not isinstance(end, Tensor):
        raise TypeError(f"[lerp] expected end to be a tensor, got {type(end).__name__}")
    return self + weight * (end - self)


# --- bool tests -------------------------------------------------------------------------------

def _all(x, value):
    return _C.full(list(x.shape), 1.0 if value else 0.0, _C.DType.bool, x.device)


@tensor_method(export=True)
def isinf(self):
    """True where the element is +inf or -inf (never for integers and bools)."""
    if not self.dtype.is_floating_point:
        return _all(self, False)
    return _C.eq(_C.abs(self), math.inf)


@tensor_method(export=True)
def isfinite(self):
    """True where the element is neither inf nor NaN (always for integers and bools)."""
    if not self.dtype.is_floating_point:
        return _all(self, True)
    return _C.lt(_C.abs(self), math.inf)


@tensor_method(export=True)
def isposinf(self):
    return _C.eq(self, math.inf) if self.dtype.is_floating_point else _all(self, False)


@tensor_method(export=True)
def isneginf(self):
    return _C.eq(self, -math.inf) if self.dtype.is_floating_point else _all(self, False)

