"""Elementwise ops: each differentiable op's Function with its gradient, then the Tensor
methods and ``lamina.*`` functions over them, registered here. Broadcast gradients are summed
back to each input's shape and cast to its dtype; Python numbers are constants.

The ops are listed once in csrc/core/op_kinds.h (bound by csrc/bindings/elementwise.cpp); a
unary op of that list needs one ``@unary`` entry below, its gradient, to become a
differentiable ``Tensor.<op>``, in-place ``Tensor.<op>_`` and ``lamina.<op>``."""
from __future__ import annotations

import builtins
import math
import numbers

import numpy as np

from ... import _C
from ... import dtypes as _dt
from ..._registry import export, tensor_method
from ..function import Function
from ..grad_mode import _state
from ._util import Tensor, as_tensor, no_grad_write, scalar_dtype, scalar_tensor, sum_to

_number = (numbers.Number,)


_meta = _C._meta  # (shape, dtype code) of a tensor input, None for a number


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
    """A unary op of the op list whose gradient is ``grad_of(saved, g)``."""

    op = None
    save = "x"  # which of input x / output y the gradient needs

    @classmethod
    def forward(cls, ctx, x):
        y = cls.kernel(x)
        ctx.save_for_backward(x if cls.save == "x" else y)
        return y

    @classmethod
    def backward(cls, ctx, g):
        (s,) = ctx.saved_tensors
        return cls.grad_of(s, g)


def unary(op, save="x", inplace=True, names=(), cls=None):
    """``@unary("exp", save="y") def Exp(y, g): ...`` registers the unary op ``op`` of the op
    list: the decorated gradient (of the saved input x, or output y, and the upstream g) becomes
    the Function class of its name (or ``cls``), and ``Tensor.<op>`` (also under ``names``),
    ``lamina.<op>`` and, with ``inplace``, ``Tensor.<op>_`` are registered."""
    def register(grad_of):
        fn = type(cls or grad_of.__name__, (_Unary,), {
            "op": op, "save": save, "kernel": getattr(_C, op),
            "grad_of": staticmethod(grad_of), "__module__": __name__,
            "__doc__": f"Elementwise {op} and its gradient."})

        def method(self):
            return fn.apply(self)
        method.__name__ = method.__qualname__ = op
        method.__doc__ = f"Elementwise {op}."
        tensor_method(op, *names, export=True)(method)
        if inplace:
            tensor_method(op + "_")(_unary_inplace(op))
        return fn
    return register


def _unary_inplace(op):
    kernel = getattr(_C, op + "_")

    def method(self):
        no_grad_write(op + "_", self)
        kernel(self)
        return self
    method.__name__ = method.__qualname__ = op + "_"
    return method


@unary("neg", names=("__neg__",))
def Neg(x, g):
    return _C.neg(g)


@unary("exp", save="y")
def Exp(y, g):
    return _C.mul(g, y)


@unary("log")
def Log(x, g):
    return _C.div(g, x)


@unary("sqrt", save="y")
def Sqrt(y, g):
    return _C.div(_C.mul(g, 0.5), y)


@unary("rsqrt", save="y")
def Rsqrt(y, g):  # d x^-1/2 = -1/2 y^3
    return _C.mul(_C.mul(g, -0.5), _C.mul(y, _C.mul(y, y)))


@unary("abs", names=("__abs__",))
def Abs(x, g):
    return _C.mul(g, _C.sign(x))


@unary("relu")
def Relu(x, g):
    return _C.relu_backward(x, g)


@unary("sigmoid", save="y")
def Sigmoid(y, g):
    return _C.sigmoid_backward(y, g)


@unary("tanh", save="y")
def Tanh(y, g):
    return _C.tanh_backward(y, g)


@unary("reciprocal", save="y")
def Reciprocal(y, g):
    return _C.neg(_C.mul(g, _C.mul(y, y)))


@unary("sin")
def Sin(x, g):
    return _C.mul(g, _C.cos(x))


@unary("cos")
def Cos(x, g):
    return _C.neg(_C.mul(g, _C.sin(x)))


@unary("log1p")
def Log1p(x, g):
    return _C.div(g, _C.add(x, 1))


@unary("expm1", save="y")
def Expm1(y, g):
    return _C.mul(g, _C.add(y, 1))


def _zero_grad(x, g):  # floor / ceil / round / sign: zero almost everywhere
    return _C.mul(g, 0.0)


Floor, Ceil, Round, Sign = (unary(op, cls=op.title())(_zero_grad)
                            for op in ("floor", "ceil", "round", "sign"))


class Gelu(_Unary):
    """The exact (erf) gelu; its method takes torch's ``approximate`` argument."""

    op, kernel = "gelu", _C.gelu

    @staticmethod
    def grad_of(x, g):
        return _C.gelu_backward(x, g)


class GeluTanh(_Unary):
    """gelu(approximate='tanh'): 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""

    op, kernel = "gelu_tanh", _C.gelu_tanh

    @staticmethod
    def grad_of(x, g):
        return _C.gelu_tanh_backward(x, g)


@tensor_method(export=True)
def gelu(self, approximate="none"):
    if approximate == "none":
        return Gelu.apply(self)
    if approximate == "tanh":
        return GeluTanh.apply(self)
    raise ValueError(f"[gelu] approximate must be 'none' or 'tanh', got {approximate!r}")


@tensor_method("logical_not", "__invert__", export=True)
def logical_not(self):  # bool result: nothing to differentiate
    return _C.logical_not(self)


class Clamp(Function):
    kernel = _C.clamp

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return _C.clamp(x, lo, hi)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors  # g where lo <= x <= hi, else 0
        return _C.clamp_backward(x, g, ctx.lo, ctx.hi), None, None


# --- Tensor methods and lamina functions ---------------------------------------------------

@tensor_method("add", "__add__", "__radd__", export=True)
def add(self, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return Add.apply(self, other)


@tensor_method("sub", "__sub__", export=True)
def sub(self, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return Sub.apply(self, other)


@tensor_method("mul", "__mul__", "__rmul__", export=True)
def mul(self, other):
    return Mul.apply(self, other)


@tensor_method("div", "__truediv__", export=True)
def div(self, other, rounding_mode=None):
    if rounding_mode is None:
        return Div.apply(self, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"[div] rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    if rounding_mode == "floor":
        return _floordiv(self, other)
    if _all_int(self, other):  # exact in int64: the floor, one up where the signs differ
        b = as_tensor("div", other, self)
        q = _C.floor_divide(self, b)
        inexact = _C.logical_and(_C.ne(_C.fmod(self, b), 0), _C.ne(_C.lt(self, 0), _C.lt(b, 0)))
        return _C.add(q, _C.cast(inexact, _dt.int64))
    out = _C.div(self, other)
    return _C.mul(_C.sign(out), _C.floor(_C.abs(out)))


def _all_int(*xs):
    return builtins.all(x.dtype == _dt.int64 if isinstance(x, Tensor) else
                        isinstance(x, builtins.int) and not isinstance(x, builtins.bool) for x in xs)


@tensor_method("pow", "__pow__", export=True)
def pow(self, exponent):
    return Pow.apply(self, exponent)


@tensor_method("__rsub__")
def _rsub(self, other):
    return RSub.apply(self, other)


@tensor_method("__rtruediv__")
def _rdiv(self, other):
    return RDiv.apply(self, other)


@tensor_method("__rpow__")
def _rpow(self, other):
    return RPow.apply(self, other)


@tensor_method("__floordiv__")
def _floordiv(self, other):
    return _C.floor_divide(self, as_tensor("floordiv", other, self))


@tensor_method("__mod__")
def _mod(self, other):  # Python's remainder: the sign of the divisor
    return _C.remainder(self, as_tensor("remainder", other, self))


@tensor_method("__rfloordiv__")
def _rfloordiv(self, other):
    return _C.floor_divide(scalar_tensor("floordiv", other, self), self)


@tensor_method("__rmod__")
def _rmod(self, other):
    return _C.remainder(scalar_tensor("remainder", other, self), self)


@tensor_method(export=True)
def square(self):
    return Mul.apply(self, self)


@tensor_method(export=True)
def clamp(self, min=None, max=None):
    if min is None and max is None:
        raise ValueError("[clamp] at least one of min and max must be given")
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = self
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    x = self
    if not x.dtype.is_floating_point and (isinstance(min, builtins.float) or
                                          isinstance(max, builtins.float)):
        x = _C.cast(x, _dt.float32)  # float bounds promote an integer tensor, like torch
    lo = -np.inf if min is None else builtins.float(min)
    hi = np.inf if max is None else builtins.float(max)
    return Clamp.apply(x, lo, hi)


@tensor_method(export=True)
def maximum(self, other):
    return Maximum.apply(self, other)


@tensor_method(export=True)
def minimum(self, other):
    return Minimum.apply(self, other)


@tensor_method("where")
def _where_method(self, condition, other):
    """``self.where(condition, other)``: self where condition holds, else other."""
    return where(condition, self, other)


@export
def where(condition, input, other):
    """``input`` where ``condition`` holds, else ``other`` (numbers allowed for either)."""
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(ref, Tensor):
        ref = condition
    if not isinstance(input, Tensor):
        input = _C.full([], builtins.float(input), scalar_dtype(input, other), ref.device)
    if not isinstance(other, Tensor):
        other = _C.full([], builtins.float(other), scalar_dtype(other, input), ref.device)
    return Where.apply(condition, input, other)


def _compare(name, *names):
    fn = getattr(_C, name)

    def method(self, other):
        return fn(self, other)
    method.__name__ = method.__qualname__ = name
    return tensor_method(name, *names, export=True)(method)


eq = _compare("eq")
ne = _compare("ne")
lt = _compare("lt", "__lt__")
le = _compare("le", "__le__")
gt = _compare("gt", "__gt__")
ge = _compare("ge", "__ge__")
logical_and = _compare("logical_and", "__and__")
logical_or = _compare("logical_or", "__or__")


@tensor_method(export=True)
def isnan(self):
    return _C.ne(self, self)


@tensor_method("__eq__")
def _eq_dunder(self, other):
    if not isinstance(other, (Tensor,) + _number):
        return NotImplemented
    return _C.eq(self, other)


@tensor_method("__ne__")
def _ne_dunder(self, other):
    if not isinstance(other, (Tensor,) + _number):
        return NotImplemented
    return _C.ne(self, other)


# --- in place ------------------------------------------------------------------------------

def _inplace(name):
    fn = getattr(_C, name + "_")

    def method(self, other):
        no_grad_write(name + "_", self)
        fn(self, other)
        return self
    method.__name__ = method.__qualname__ = name + "_"
    return tensor_method()(method)


mul_ = _inplace("mul")
div_ = _inplace("div")
pow_ = _inplace("pow")


@tensor_method
def add_(self, other, alpha=1):
    no_grad_write("add_", self)
    if alpha != 1:
        other = _C.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    _C.add_(self, other)
    return self


@tensor_method
def sub_(self, other, alpha=1):
    no_grad_write("sub_", self)
    if alpha != 1:
        other = _C.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    _C.sub_(self, other)
    return self


@tensor_method
def addcmul_(self, t1, t2, value=1):
    no_grad_write("addcmul_", self)
    _C.add_(self, _C.mul(_C.mul(t1, t2), value))
    return self


@tensor_method
def addcdiv_(self, t1, t2, value=1):
    no_grad_write("addcdiv_", self)
    _C.add_(self, _C.mul(_C.div(t1, t2), value))
    return self


@tensor_method
def clamp_(self, min=None, max=None):
    no_grad_write("clamp_", self)
    if not self.dtype.is_floating_point and (isinstance(min, builtins.float) or
                                             isinstance(max, builtins.float)):
        raise TypeError(f"[clamp_] float bounds can't be applied in place to a {self.dtype} tensor")
    _C.clamp_(self, -np.inf if min is None else builtins.float(min),
              np.inf if max is None else builtins.float(max))
    return self


def _augmented(dunder, inplace, outplace):
    """``x += y``: in place, except under autograd, where it rebinds x to a new tensor rather
    than write into a recorded one."""
    def method(self, other):
        if self.requires_grad and _state.enabled:
            return outplace(self, other)
        return inplace(self, other)
    method.__name__ = method.__qualname__ = dunder
    tensor_method(dunder)(method)


_augmented("__iadd__", add_, add)
_augmented("__isub__", sub_, sub)
_augmented("__imul__", mul_, mul)
_augmented("__itruediv__", div_, div)
