"""Elementwise ops and their gradients. Broadcast gradients are summed back to each input's
shape and cast to its dtype; Python numbers are constants."""
from __future__ import annotations

from .. import _C
from ..autograd.function import Function
from ._util import Tensor, sum_to


def _meta(x):
    return (x.shape, x._dtype_code) if isinstance(x, Tensor) else None


def _grad(g, meta):
    return None if meta is None else sum_to(g, meta[0], meta[1])


class Add(Function):
    kernel = _C.add

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        return _C.add(a, b)

    @staticmethod
    def backward(ctx, g):
        return _grad(g, ctx.ma), _grad(g, ctx.mb)


class Sub(Function):
    kernel = _C.sub

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        return _C.sub(a, b)

    @staticmethod
    def backward(ctx, g):
        return _grad(g, ctx.ma), (None if ctx.mb is None else _grad(_C.neg(g), ctx.mb))


class RSub(Function):  # s - a
    kernel = _C.rsub

    @staticmethod
    def forward(ctx, a, s):
        ctx.ma = _meta(a)
        return _C.rsub(a, s)

    @staticmethod
    def backward(ctx, g):
        return _grad(_C.neg(g), ctx.ma), None


class Mul(Function):
    kernel = _C.mul

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        ctx.save_for_backward(a, b)
        return _C.mul(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = _grad(_C.mul(g, b), ctx.ma) if ctx.needs_input_grad[0] else None
        gb = _grad(_C.mul(g, a), ctx.mb) if ctx.mb is not None and ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    kernel = _C.div

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        out = _C.div(a, b)
        ctx.save_for_backward(b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        b, out = ctx.saved_tensors
        ga = _grad(_C.div(g, b), ctx.ma) if ctx.needs_input_grad[0] else None
        gb = None
        if ctx.mb is not None and ctx.needs_input_grad[1]:  # d(a/b)/db = -out / b
            gb = _grad(_C.neg(_C.div(_C.mul(g, out), b)), ctx.mb)
        return ga, gb


class RDiv(Function):  # s / a
    kernel = _C.rdiv

    @staticmethod
    def forward(ctx, a, s):
        ctx.ma = _meta(a)
        out = _C.rdiv(a, s)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return _grad(_C.neg(_C.div(_C.mul(g, out), a)), ctx.ma), None


class Pow(Function):
    kernel = _C.pow

    @staticmethod
    def forward(ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        out = _C.pow(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:  # b * a^(b-1), written to stay finite at a == 0
            if isinstance(b, Tensor):
                e = _C.pow(a, _C.sub(b, 1))
            else:
                e = _C.pow(a, b - 1) if b != 0 else _C.full([], 0.0, out.dtype, out.device)
            ga = _grad(_C.mul(g, _C.mul(e, b)), ctx.ma)
        if ctx.mb is not None and ctx.needs_input_grad[1]:  # out * log(a), 0 where a == 0
            la = _C.log(a) if isinstance(a, Tensor) else _C.full([], _log(a), out.dtype, out.device)
            la = _C.where(_C.eq(out, 0), _C.full([], 0.0, la.dtype, la.device), la)
            gb = _grad(_C.mul(g, _C.mul(out, la)), ctx.mb)
        return ga, gb


def _log(x):
    import math
    return math.log(x) if x > 0 else float("nan")


class RPow(Function):  # s ** a
    kernel = _C.rpow

    @staticmethod
    def forward(ctx, a, s):
        ctx.ma = _meta(a)
        out = _C.rpow(a, s)
        ctx.save_for_backward(out)
        ctx.logs = _log(s) if s != 0 else 0.0
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return _grad(_C.mul(_C.mul(g, out), ctx.logs), ctx.ma), None


class _MinMax(Function):
    op = None

    @classmethod
    def forward(cls, ctx, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        out = getattr(_C, cls.op)(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # ties split the gradient evenly, as torch does
        a, b, out = ctx.saved_tensors
        pick_a = _C.cast(_C.eq(a, out), g.dtype)
        if isinstance(b, Tensor):
            pick_b = _C.cast(_C.eq(b, out), g.dtype)
        else:
            pick_b = _C.cast(_C.eq(out, b), g.dtype)
        share = _C.add(pick_a, pick_b)
        share = _C.where(_C.eq(share, 0), _C.full([], 1.0, g.dtype, g.device), share)
        ga = _grad(_C.div(_C.mul(g, pick_a), share), ctx.ma)
        gb = _grad(_C.div(_C.mul(g, pick_b), share), ctx.mb) if ctx.mb is not None else None
        return ga, gb


class Maximum(_MinMax):
    kernel = _C.maximum

    op = "maximum"


class Minimum(_MinMax):
    kernel = _C.minimum

    op = "minimum"


class Where(Function):
    kernel = _C.where

    @staticmethod
    def forward(ctx, cond, a, b):
        ctx.ma, ctx.mb = _meta(a), _meta(b)
        ctx.save_for_backward(cond)
        return _C.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = _C.full([], 0.0, g.dtype, g.device)
        ga = _grad(_C.where(cond, g, zero), ctx.ma) if ctx.ma is not None else None
        gb = _grad(_C.where(cond, zero, g), ctx.mb) if ctx.mb is not None else None
        return None, ga, gb


# --- unary ---------------------------------------------------------------------------------

class _Unary(Function):
    """Unary op whose gradient is ``grad_of(x, y, g)``."""

    op = None
    save = "x"  # which of input/output the gradient needs

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        cls.kernel = getattr(_C, cls.op) if cls.op else None

    @classmethod
    def forward(cls, ctx, x):
        y = getattr(_C, cls.op)(x)
        ctx.save_for_backward(x if cls.save == "x" else y)
        ctx.dtype = x.dtype
        return y

    @classmethod
    def backward(cls, ctx, g):
        (s,) = ctx.saved_tensors
        return cls.grad_of(s, g)


class Neg(_Unary):
    op = "neg"

    @staticmethod
    def grad_of(x, g):
        return _C.neg(g)


class Exp(_Unary):
    op, save = "exp", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.mul(g, y)


class Log(_Unary):
    op = "log"

    @staticmethod
    def grad_of(x, g):
        return _C.div(g, x)


class Sqrt(_Unary):
    op, save = "sqrt", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.div(_C.mul(g, 0.5), y)


class Rsqrt(_Unary):
    op, save = "rsqrt", "y"

    @staticmethod
    def grad_of(y, g):  # d x^-1/2 = -1/2 y^3
        return _C.mul(_C.mul(g, -0.5), _C.mul(y, _C.mul(y, y)))


class Abs(_Unary):
    op = "abs"

    @staticmethod
    def grad_of(x, g):
        return _C.mul(g, _C.sign(x))


class Relu(_Unary):
    op = "relu"

    @staticmethod
    def grad_of(x, g):
        return _C.relu_backward(x, g)


class Sigmoid(_Unary):
    op, save = "sigmoid", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.sigmoid_backward(y, g)


class Tanh(_Unary):
    op, save = "tanh", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.tanh_backward(y, g)


class Gelu(_Unary):
    op = "gelu"

    @staticmethod
    def grad_of(x, g):
        return _C.gelu_backward(x, g)


class Reciprocal(_Unary):
    op, save = "reciprocal", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.neg(_C.mul(g, _C.mul(y, y)))


class Sin(_Unary):
    op = "sin"

    @staticmethod
    def grad_of(x, g):
        return _C.mul(g, _C.cos(x))


class Cos(_Unary):
    op = "cos"

    @staticmethod
    def grad_of(x, g):
        return _C.neg(_C.mul(g, _C.sin(x)))


class Log1p(_Unary):
    op = "log1p"

    @staticmethod
    def grad_of(x, g):
        return _C.div(g, _C.add(x, 1))


class Expm1(_Unary):
    op, save = "expm1", "y"

    @staticmethod
    def grad_of(y, g):
        return _C.mul(g, _C.add(y, 1))


class _Piecewise(_Unary):
    """floor/ceil/round/sign: zero gradient almost everywhere."""

    @staticmethod
    def grad_of(x, g):
        return _C.mul(g, 0.0)


class Floor(_Piecewise):
    op = "floor"


class Ceil(_Piecewise):
    op = "ceil"


class Round(_Piecewise):
    op = "round"


class Sign(_Piecewise):
    op = "sign"


class Clamp(Function):
    kernel = _C.clamp

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return _C.clamp(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        inside = _C.logical_and(_C.ge(x, ctx.lo), _C.le(x, ctx.hi))
        return _C.where(inside, g, _C.full([], 0.0, g.dtype, g.device)), None, None


class Cast(Function):
    """dtype and device changes; the gradient goes back to the input's dtype and device."""

    kernel = _C.to

    @staticmethod
    def forward(ctx, x, device, dtype, copy):
        ctx.device, ctx.dtype = x.device, x.dtype
        return _C.to(x, device, dtype, copy)

    @staticmethod
    def backward(ctx, g):
        return _C.to(g, ctx.device, ctx.dtype, False), None, None, None
