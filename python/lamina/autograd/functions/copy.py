"""Copies: dtype / device changes and clones as Functions (identity-like gradients, back to
the input's dtype and device), and the Tensor methods / ``lamina.*`` functions over them: to,
cpu, cuda, type_as, float, double, long, bool, clone, contiguous, and the in-place copy_,
fill_, zero_ (csrc/ops/copy.cpp)."""
from __future__ import annotations

from ... import _C
from ... import dtypes as _dt
from ...device import resolve as _dev
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, no_grad_write


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


class Clone(Function):
    """clone() and contiguous(): identity gradient."""

    @staticmethod
    def forward(ctx, x, always):
        return _C.clone(x) if always else _C.contiguous(x)

    @staticmethod
    def backward(ctx, g):
        return g, None


# --- Tensor methods and lamina functions ---------------------------------------------------

@tensor_method
def to(self, *args, **kwargs):
    """``to(device)``, ``to(dtype)``, ``to(device, dtype)``, ``to(tensor)``; ``copy=True``."""
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    copy = bool(kwargs.pop("copy", False))
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"[to] unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (_C.Device, str)) and not (isinstance(a, str) and a in _dt._BY_NAME):
            device = a
        else:
            dtype = a
    dev = _dev(device, self.device)
    dt = _dt.resolve(dtype, self.dtype)
    if not copy and dev == self.device and dt == self.dtype:
        return self
    return Cast.apply(self, dev, dt, copy)


@tensor_method
def cpu(self):
    return to(self, "cpu")


@tensor_method
def cuda(self, device=None):
    return to(self, "cuda" if device is None else _dev(device if not isinstance(device, int)
                                                         else f"cuda:{device}"))


@tensor_method
def type_as(self, other):
    return to(self, dtype=other.dtype)


@tensor_method(export=True)
def clone(self):
    return Clone.apply(self, True)


@tensor_method
def contiguous(self):
    return self if self.is_contiguous() else Clone.apply(self, False)


@tensor_method
def copy_(self, src):
    no_grad_write("copy_", self)
    if not isinstance(src, Tensor):
        src = _C.full([], float(src), self.dtype, self.device)
    _C.copy_(self, src)
    return self


@tensor_method
def fill_(self, value):
    no_grad_write("fill_", self)
    _C.copy_(self, _C.full([], float(value), self.dtype, self.device))
    return self


@tensor_method
def zero_(self):
    return fill_(self, 0.0)


@tensor_method("float")
def float_(self):
    return to(self, _dt.float32)


@tensor_method
def double(self):
    return to(self, _dt.float64)


@tensor_method
def long(self):
    return to(self, _dt.int64)


@tensor_method("int")
def int_(self):
    """int64: lamina's one integer dtype (torch's int() gives int32)."""
    return to(self, _dt.int64)


@tensor_method("bool")
def bool_(self):
    return to(self, _dt.bool_)
