"""``mx.nd``: MXNet's NDArray over a lamina tensor, and the operators.

An NDArray holds one lamina tensor (``._t``); operators unwrap, run lamina's kernels and wrap
the result, so nd code and torch-style lamina code share kernels, devices and the tape.
Autograd follows MXNet: ``attach_grad()`` marks a variable (its ``.grad`` starts at zeros),
operations are recorded only inside ``mx.autograd.record()``, and ``backward()`` overwrites
(``grad_req='write'``, the default) or adds to (``'add'``) the gradients of the variables it
reaches."""
from __future__ import annotations

import numpy as np

from .. import _C
from .. import dtypes as _dt
from ..autograd.grad_mode import _state as _grad_state
from . import context as _ctx
from ._ops import OPS, MXNetError
from .autograd import _st, backward_tensors

__all__ = ["NDArray", "array", "zeros", "ones", "empty", "full", "arange", "waitall",
           "concat", "dot"]

_NP = {"float32": np.float32, "float64": np.float64, "int64": np.int64, "bool": np.bool_}


def _run(fn, *args):
    """Call ``fn`` recording on lamina's tape only inside ``mx.autograd.record()``."""
    if _st.recording or not _grad_state.enabled:
        return fn(*args)
    _grad_state.enabled = False
    try:
        return fn(*args)
    finally:
        _grad_state.enabled = True


def _unwrap(v, like=None):
    if isinstance(v, NDArray):
        return v._t
    if like is not None and isinstance(v, np.ndarray):
        return _tensor(v, like.device, _dt.to_numpy_dtype(like.dtype))
    return v


def _tensor(a, device, dtype):
    t = _C._from_numpy(np.ascontiguousarray(a, dtype=dtype))
    return t if device.type == "cpu" else t.to(device)


def _wrap(t):
    return NDArray(t) if isinstance(t, _C.Tensor) else t


def _unaries(*names):
    def make(name):
        def f(self, *args, **kwargs):
            return _wrap(_run(lambda t: getattr(t, name)(*args, **kwargs), self._t))
        f.__name__ = name
        return f
    return [make(n) for n in names]


class NDArray:
    """An MXNet NDArray backed by a lamina tensor (``.tensor``)."""

    __slots__ = ("_t", "_grad_nd", "__weakref__")
    __array_priority__ = 1000.0

    def __init__(self, tensor):
        self._t = tensor
        self._grad_nd = None

    # --- basics -----------------------------------------------------------------------------
    @property
    def tensor(self):
        return self._t

    @property
    def shape(self):
        return tuple(self._t.shape)

    @property
    def ndim(self):
        return self._t.ndim

    @property
    def size(self):
        return self._t.numel()

    @property
    def dtype(self):
        return _NP[self._t.dtype.name]

    @property
    def context(self):
        return _ctx.Context.from_device(self._t.device)

    ctx = context

    @property
    def stype(self):
        return "default"

    def asnumpy(self):
        t = self._t.detach()
        if t.device.type != "cpu":
            t = t.cpu()
        return np.array(t._numpy_view(), copy=True)

    def asscalar(self):
        if self.size != 1:
            raise ValueError("[asscalar] the array must have exactly one element")
        return self.asnumpy().reshape(()).item()

    def astype(self, dtype, copy=True):
        return NDArray(_C.cast(self._t, _dt.resolve(np.dtype(dtype).name)))

    def copy(self):
        return NDArray(_C.clone(self._t.detach()))

    def as_in_context(self, ctx):
        dev = _ctx.resolve(ctx)
        return self if self._t.device == dev else NDArray(self._t.detach().to(dev))

    def copyto(self, other):
        if isinstance(other, _ctx.Context):
            return NDArray(_C.clone(self._t.detach()).to(other.device))
        other[:] = self
        return other

    def wait_to_read(self):
        pass

    def detach(self):
        return NDArray(self._t.detach())

    def __repr__(self):
        return f"\n{self.asnumpy()}\n<NDArray {'x'.join(map(str, self.shape))} @{self.context}>"

    def __len__(self):
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        a = self.asnumpy()
        return a if dtype is None else a.astype(dtype)

    # --- autograd ---------------------------------------------------------------------------
    def attach_grad(self, grad_req="write", stype=None):
        """Mark this array as a variable: ``.grad`` becomes zeros of its shape; backward
        writes ('write') or adds ('add') into it; 'null' detaches it."""
        if grad_req not in ("write", "add", "null"):
            raise ValueError(f"[attach_grad] grad_req must be 'write', 'add' or 'null', got "
                             f"{grad_req!r}")
        t = self._t.detach()
        if grad_req != "null":
            t.requires_grad_(True)
            t.grad = _C.full(list(t.shape), 0.0, t.dtype, t.device)
            t._mx_req = grad_req
        self._t = t
        self._grad_nd = None

    @property
    def grad(self):
        g = self._t.grad
        if g is None:
            return None
        if self._grad_nd is None:
            self._grad_nd = NDArray(g)
        else:
            self._grad_nd._t = g
        return self._grad_nd

    def backward(self, out_grad=None, retain_graph=False, train_mode=True):
        _backward([self], None if out_grad is None else [out_grad], retain_graph)

    # --- shape and indexing -----------------------------------------------------------------
    def reshape(self, *shape, **kwargs):
        shape = kwargs.get("shape", shape[0] if len(shape) == 1 and
                           isinstance(shape[0], (tuple, list)) else shape)
        s = list(shape)
        for i, d in enumerate(s):  # MXNet's 0: keep this dim
            if d == 0:
                s[i] = self.shape[i]
        return NDArray(_run(self._t.reshape, *s))

    def flatten(self):
        return self.reshape(self.shape[0], -1)

    @property
    def T(self):
        return NDArray(_run(lambda t: t.t() if t.ndim == 2 else t.permute(
            *reversed(range(t.ndim))), self._t))

    def __getitem__(self, key):
        return NDArray(_run(self._t.__getitem__, _unwrap(key)))

    def __setitem__(self, key, value):
        if isinstance(value, NDArray):
            value = value._t
        elif isinstance(value, np.ndarray):
            value = _tensor(value, self._t.device, _dt.to_numpy_dtype(self._t.dtype))
        t = self._t
        if t.requires_grad:
            t = t.detach()  # in-place writes to a variable are not recorded (as in MXNet)
        if isinstance(key, slice) and key == slice(None):
            if isinstance(value, _C.Tensor):
                _C.copy_(t, value.expand(*t.shape) if value.shape != t.shape else value)
            else:
                t.fill_(float(value))
        else:
            t[key] = value

    # --- arithmetic -------------------------------------------------------------------------
    def _binary(self, other, name):
        return NDArray(_run(getattr(self._t, name), _unwrap(other, self._t)))

    def __add__(self, o): return self._binary(o, "__add__")
    def __radd__(self, o): return self._binary(o, "__radd__")
    def __sub__(self, o): return self._binary(o, "__sub__")
    def __rsub__(self, o): return self._binary(o, "__rsub__")
    def __mul__(self, o): return self._binary(o, "__mul__")
    def __rmul__(self, o): return self._binary(o, "__rmul__")
    def __truediv__(self, o): return self._binary(o, "__truediv__")
    def __rtruediv__(self, o): return self._binary(o, "__rtruediv__")
    def __pow__(self, o): return self._binary(o, "__pow__")
    def __gt__(self, o): return NDArray(_C.cast(self._binary(o, "__gt__")._t, self._t.dtype))
    def __lt__(self, o): return NDArray(_C.cast(self._binary(o, "__lt__")._t, self._t.dtype))
    def __eq__(self, o): return NDArray(_C.cast(self._binary(o, "__eq__")._t, self._t.dtype))
    __hash__ = object.__hash__

    def __neg__(self):
        return NDArray(_run(self._t.__neg__))

    def _inplace(self, other, name):
        t = self._t.detach() if self._t.requires_grad else self._t
        getattr(_C, name)(t, _unwrap(other, self._t))
        return self

    def __iadd__(self, o): return self._inplace(o, "add_")
    def __isub__(self, o): return self._inplace(o, "sub_")
    def __imul__(self, o): return self._inplace(o, "mul_")
    def __itruediv__(self, o): return self._inplace(o, "div_")

    exp, log, sqrt, abs, relu, sigmoid, tanh, square = _unaries(
        "exp", "log", "sqrt", "abs", "relu", "sigmoid", "tanh", "square")

    def sum(self, axis=None, keepdims=False):
        return _reduce(self, "sum", axis, keepdims)

    def mean(self, axis=None, keepdims=False):
        return _reduce(self, "mean", axis, keepdims)

    def max(self, axis=None, keepdims=False):
        return _reduce(self, "amax", axis, keepdims)

    def argmax(self, axis=None):
        return NDArray(_C.cast(self._t.detach().argmax(axis), self._t.dtype))

    def softmax(self, axis=-1):
        return NDArray(_run(self._t.softmax, axis))


def _reduce(a, name, axis, keepdims):
    def f(t):
        if axis is None:
            r = getattr(t, name)() if name != "amax" else t.amax(list(range(t.ndim)))
            return r.reshape(1) if not keepdims else r.reshape(*([1] * t.ndim))
        return getattr(t, name)(axis, keepdims)
    return NDArray(_run(f, a._t))


def _backward(heads, head_grads, retain_graph):
    roots = [h._t for h in heads]
    for r in roots:
        if not r.requires_grad:
            raise MXNetError("[backward] cannot differentiate: the head was not computed "
                             "inside mx.autograd.record() from arrays with attach_grad()")
    grads = []
    for i, r in enumerate(roots):
        g = None if head_grads is None else head_grads[i]
        if g is None:
            g = _C.full(list(r.shape), 1.0, r.dtype, r.device)
        else:
            g = _unwrap(g, r)
        grads.append(g)
    backward_tensors(roots, grads, retain_graph)


# --- creation: array, zeros, ones, ... (lamina/mx/_nd_creation.py) ---------------------------

from ._nd_creation import arange, array, concat, dot, empty, full, ones, waitall, zeros  # noqa

# --- the operators (FullyConnected, ...: lamina/mx/_nd_ops.py) ------------------------------

from ._nd_ops import FUNCTIONS as _FUNCTIONS, make_operator as _make_operator  # noqa: E402

for _name in OPS:
    globals()[_name] = _make_operator(_name)
    __all__.append(_name)
globals().update(_FUNCTIONS)
__all__ += list(_FUNCTIONS)
