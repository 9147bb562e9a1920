"""The Python face of ``lamina.Tensor``.

The class itself is the C++ tensor (``_C.Tensor``: storage, shape, strides, dtype, device);
this module adds the autograd attributes and every method, so there is one object per tensor
and no wrapper in between. Each method is also exported as a function (``lamina.exp(x)``)."""
from __future__ import annotations

import builtins
import collections
import numbers
import weakref

import numpy as np

from . import _C
from . import _format
from . import dtypes as _dt
from .autograd import engine
from .autograd.grad_mode import _state
from .device import resolve as _dev
from ._args import size_arg
from .ops import elementwise as E
from .ops import indexing as I
from .ops import reduction as R
from .ops import views as V

Tensor = _C.Tensor
_number = (numbers.Number,)
min_max = collections.namedtuple("min_max", ["values", "indices"])


# --- autograd attributes -------------------------------------------------------------------

def _get_requires_grad(self):
    return self._requires_grad


def _set_requires_grad(self, flag):
    flag = bool(flag)
    if flag and not self.dtype.is_floating_point:
        raise TypeError(f"[requires_grad] only floating tensors can require grad, got {self.dtype}")
    if not flag and self.grad_fn is not None:
        raise RuntimeError("[requires_grad] a non-leaf tensor always requires grad; use detach()")
    self._requires_grad = flag


def requires_grad_(self, requires_grad=True):
    _set_requires_grad(self, requires_grad)
    return self


def detach(self):
    """A new tensor sharing storage, cut from the tape."""
    return Tensor(self)


def detach_(self):
    self.grad_fn = None
    self._requires_grad = False
    return self


def retain_grad(self):
    """Keep the gradient of a non-leaf tensor in ``.grad`` after backward."""
    if self.grad_fn is None:
        return
    node = self.grad_fn
    if node.retained is None:
        node.retained = {}
    node.retained[self._output_nr] = weakref.ref(self)


def backward(self, gradient=None, retain_graph=False):
    if not self.requires_grad:
        raise RuntimeError("[backward] tensor does not require grad and has no grad_fn")
    if gradient is None:
        if self.numel() != 1:
            raise RuntimeError(f"[backward] grad can be implicitly created only for scalar "
                               f"outputs; got shape {self.shape}, pass gradient=")
        gradient = _C.full(list(self.shape), 1.0, self.dtype, self.device)
    elif not isinstance(gradient, Tensor):
        gradient = _C._from_numpy(np.asarray(gradient, dtype=_dt.to_numpy_dtype(self.dtype)))
    if gradient.shape != self.shape:
        raise ValueError(f"[backward] gradient shape {gradient.shape} does not match the tensor "
                         f"shape {self.shape}")
    engine.run_backward([self], [gradient], retain_graph=bool(retain_graph))


def _is_leaf(self):
    return self.grad_fn is None


# --- sizes, conversion, interop ------------------------------------------------------------

def size(self, dim=None):
    if dim is None:
        return self.shape
    return self.shape[_wrap(dim, self.ndim, "size")]


def stride(self, dim=None):
    if dim is None:
        return self._strides
    return self._strides[_wrap(dim, self.ndim, "stride")]


def storage_offset(self):
    return self._offset


def _wrap(dim, ndim, op):
    n = builtins.max(ndim, 1)
    if not -n <= dim < n:
        raise IndexError(f"[{op}] dim {dim} is out of range for a tensor with {ndim} dims")
    return dim % n


def item(self):
    return self._item()


def tolist(self):
    return self.numpy().tolist() if self.ndim else self.item()


def numpy(self, force=False):
    """A numpy array sharing this (host) tensor's memory."""
    if self.requires_grad and not force:
        raise RuntimeError("[numpy] tensor requires grad; call tensor.detach().numpy()")
    if not self.device.type == "cpu":
        if not force:
            raise TypeError(f"[numpy] can't convert a {self.device} tensor to numpy; "
                            "call .cpu() first")
        return _C.to(self, _dev("cpu"), self.dtype, False)._numpy_view()
    return self._numpy_view()


def __array__(self, dtype=None, copy=None):
    if self.device.type != "cpu":
        if copy is False:
            raise ValueError("[__array__] a cuda tensor cannot be viewed without a copy")
        arr = _C.to(self, _dev("cpu"), self.dtype, False)._numpy_view()
    else:
        arr = self._numpy_view()
    if dtype is not None and np.dtype(dtype) != arr.dtype:
        if copy is False:
            raise ValueError("[__array__] dtype change needs a copy")
        return arr.astype(dtype)
    return arr.copy() if copy else arr


def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
    if self.requires_grad:
        raise RuntimeError("[__dlpack__] can't export a tensor that requires grad; use detach()")
    t = self
    if dl_device is not None and tuple(dl_device) != self.__dlpack_device__():
        raise BufferError(f"[__dlpack__] cannot export a {self.device} tensor to device {dl_device}")
    if copy:
        t = _C.clone(self)
    if self.device.type == "cuda" and stream is not None and stream != -1:
        _C.cuda_synchronize(self.device.index)
    versioned = max_version is not None and tuple(max_version)[0] >= 1
    return _C.to_dlpack_capsule(t, versioned)


def __dlpack_device__(self):
    return (1, 0) if self.device.type == "cpu" else (2, self.device.index)


_TYPESTR = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "bool": "|b1"}


def _cuda_array_interface(self):
    if self.device.type != "cuda":
        raise AttributeError("[__cuda_array_interface__] only cuda tensors export it; "
                             f"this one is on {self.device}")
    if self.requires_grad:
        raise RuntimeError("[__cuda_array_interface__] tensor requires grad; use detach()")
    item_size = self.element_size()
    strides = None if self.is_contiguous() else tuple(s * item_size for s in self._strides)
    return {"shape": tuple(self.shape), "typestr": _TYPESTR[self.dtype.name],
            "data": (self.data_ptr() if self.numel() else 0, False), "version": 3,
            "strides": strides, "stream": 1}


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
    return E.Cast.apply(self, dev, dt, copy)


def cpu(self):
    return to(self, "cpu")


def cuda(self, device=None):
    return to(self, "cuda" if device is None else _dev(device if not isinstance(device, int)
                                                         else f"cuda:{device}"))


def type_as(self, other):
    return to(self, dtype=other.dtype)


def _is_cuda(self):
    return self.device.type == "cuda"


def clone(self):
    return V.Clone.apply(self, True)


def contiguous(self):
    return self if self.is_contiguous() else V.Clone.apply(self, False)


def _no_grad_write(op, t):
    if _state.enabled and t.requires_grad:
        raise RuntimeError(f"[{op}] in-place operation on a tensor that requires grad; "
                           "wrap it in lamina.no_grad() or use the out-of-place op")


def copy_(self, src):
    _no_grad_write("copy_", self)
    if not isinstance(src, Tensor):
        src = _C.full([], float(src), self.dtype, self.device)
    _C.copy_(self, src)
    return self


def fill_(self, value):
    _no_grad_write("fill_", self)
    _C.copy_(self, _C.full([], float(value), self.dtype, self.device))
    return self


def zero_(self):
    return fill_(self, 0.0)


def float_(self):
    return to(self, _dt.float32)


def double(self):
    return to(self, _dt.float64)


def long(self):
    return to(self, _dt.int64)


def bool_(self):
    return to(self, _dt.bool_)


def __len__(self):
    if self.ndim == 0:
        raise TypeError("[len] len() of a 0-d tensor")
    return self.shape[0]


def __iter__(self):
    if self.ndim == 0:
        raise TypeError("[iter] iteration over a 0-d tensor")
    return (V.Select.apply(self, 0, i) for i in range(self.shape[0]))


def __bool__(self):
    if self.numel() != 1:
        raise RuntimeError(f"[bool] the truth value of a tensor with {self.numel()} elements is "
                           "ambiguous")
    return builtins.bool(self.item())


def __float__(self):
    return builtins.float(self.item())


def __int__(self):
    return builtins.int(self.item())


def __index__(self):
    if self.dtype != _dt.int64 or self.numel() != 1:
        raise TypeError("[index] only single-element int64 tensors can be used as an index")
    return builtins.int(self.item())


def __hash__(self):
    return id(self)


def _rebuild(array, device, requires_grad):
    t = _C._from_numpy(array)
    if device != "cpu":
        t = _C.to(t, _dev(device), t.dtype, False)
    if requires_grad:
        t._requires_grad = True
    return t


def __reduce_ex__(self, protocol):
    """Pickling (and copy.deepcopy): the values, the device and requires_grad; not the tape."""
    arr = np.array(self.detach().cpu()._numpy_view(), copy=True)
    return (_rebuild, (arr, str(self.device), self.requires_grad))


def __deepcopy__(self, memo):
    if id(self) in memo:
        return memo[id(self)]
    out = _C.clone(self)
    if self.requires_grad:
        out._requires_grad = True
    if self.grad is not None:
        out.grad = _C.clone(self.grad)
    memo[id(self)] = out
    return out


def __repr__(self):
    t = self.detach()
    if t.device.type != "cpu":
        t = _C.to(t, _dev("cpu"), t.dtype, False)
    return _format.tensor_repr(t._numpy_view(), self.dtype, self.device,
                               None if self.grad_fn is None else self.grad_fn.name(),
                               self.requires_grad)


# --- elementwise ---------------------------------------------------------------------------

def add(self, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return E.Add.apply(self, other)


def sub(self, other, alpha=1):
    if alpha != 1:
        other = mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    return E.Sub.apply(self, other)


def mul(self, other):
    return E.Mul.apply(self, other)


def div(self, other, rounding_mode=None):
    if rounding_mode is None:
        return E.Div.apply(self, other)
    if rounding_mode not in ("floor", "trunc"):
        raise ValueError(f"[div] rounding_mode must be None, 'floor' or 'trunc', got {rounding_mode!r}")
    if rounding_mode == "floor":
        return _floordiv(self, other)
    if _all_int(self, other):  # exact in int64: the floor, one up where the signs differ
        b = _as_tensor("div", other, self)
        q = _C.floor_divide(self, b)
        inexact = _C.logical_and(_C.ne(_C.fmod(self, b), 0), _C.ne(_C.lt(self, 0), _C.lt(b, 0)))
        return _C.add(q, _C.cast(inexact, _dt.int64))
    out = _C.div(self, other)
    return _C.mul(_C.sign(out), _C.floor(_C.abs(out)))


def _all_int(*xs):
    return builtins.all(x.dtype == _dt.int64 if isinstance(x, Tensor) else
                        isinstance(x, builtins.int) and not isinstance(x, builtins.bool) for x in xs)


def pow(self, exponent):
    return E.Pow.apply(self, exponent)


def _radd(self, other):
    return E.Add.apply(self, other)


def _rsub(self, other):
    return E.RSub.apply(self, other)


def _rmul(self, other):
    return E.Mul.apply(self, other)


def _rdiv(self, other):
    return E.RDiv.apply(self, other)


def _rpow(self, other):
    return E.RPow.apply(self, other)


def _floordiv(self, other):
    return _C.floor_divide(self, _as_tensor("floordiv", other, self))


def _mod(self, other):  # Python's remainder: the sign of the divisor
    return _C.remainder(self, _as_tensor("remainder", other, self))


def _rfloordiv(self, other):
    return _C.floor_divide(_scalar_tensor("floordiv", other, self), self)


def _rmod(self, other):
    return _C.remainder(_scalar_tensor("remainder", other, self), self)


def _as_tensor(op, value, like):
    return value if isinstance(value, Tensor) else _scalar_tensor(op, value, like)


def _scalar_tensor(op, value, like):
    """A 0-d tensor holding a Python number (its dtype decided by the number and ``like``)."""
    if not isinstance(value, numbers.Real):
        raise TypeError(f"[{op}] expected a tensor or a number, got {type(value).__name__}")
    return _C.full([], builtins.float(value), _scalar_dtype(value, like), like.device)


def _unary(fn_cls):
    def method(self):
        return fn_cls.apply(self)
    method.__name__ = fn_cls.op
    method.__doc__ = f"Elementwise {fn_cls.op}."
    return method


neg = _unary(E.Neg)
exp = _unary(E.Exp)
log = _unary(E.Log)
sqrt = _unary(E.Sqrt)
rsqrt = _unary(E.Rsqrt)
abs = _unary(E.Abs)
relu = _unary(E.Relu)
sigmoid = _unary(E.Sigmoid)
tanh = _unary(E.Tanh)
reciprocal = _unary(E.Reciprocal)
sin = _unary(E.Sin)
cos = _unary(E.Cos)
log1p = _unary(E.Log1p)
expm1 = _unary(E.Expm1)
floor = _unary(E.Floor)
ceil = _unary(E.Ceil)
round = _unary(E.Round)
sign = _unary(E.Sign)


def gelu(self, approximate="none"):
    if approximate != "none":
        raise ValueError("[gelu] only the exact erf form (approximate='none') is implemented")
    return E.Gelu.apply(self)


def square(self):
    return E.Mul.apply(self, self)


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
    return E.Clamp.apply(x, lo, hi)


def maximum(self, other):
    return E.Maximum.apply(self, other)


def minimum(self, other):
    return E.Minimum.apply(self, other)


def where(condition, input, other):
    """``input`` where ``condition`` holds, else ``other`` (numbers allowed for either)."""
    ref = input if isinstance(input, Tensor) else other
    if not isinstance(ref, Tensor):
        ref = condition
    if not isinstance(input, Tensor):
        input = _C.full([], builtins.float(input), _scalar_dtype(input, other), ref.device)
    if not isinstance(other, Tensor):
        other = _C.full([], builtins.float(other), _scalar_dtype(other, input), ref.device)
    return E.Where.apply(condition, input, other)


def _scalar_dtype(value, other):
    if isinstance(value, builtins.bool):
        return other.dtype if isinstance(other, Tensor) else _dt.bool_
    if isinstance(other, Tensor) and (other.dtype.is_floating_point or
                                      (isinstance(value, numbers.Integral) and other.dtype == _dt.int64)):
        return other.dtype
    return _dt.int64 if isinstance(value, numbers.Integral) else _dt.float32


def _compare(name):
    fn = getattr(_C, name)

    def method(self, other):
        return fn(self, other)
    method.__name__ = name
    return method


eq = _compare("eq")
ne = _compare("ne")
lt = _compare("lt")
le = _compare("le")
gt = _compare("gt")
ge = _compare("ge")
logical_and = _compare("logical_and")
logical_or = _compare("logical_or")


def logical_not(self):
    return _C.logical_not(self)


def isnan(self):
    return _C.ne(self, self)


def _eq_dunder(self, other):
    if not isinstance(other, (Tensor,) + _number):
        return NotImplemented
    return _C.eq(self, other)


def _ne_dunder(self, other):
    if not isinstance(other, (Tensor,) + _number):
        return NotImplemented
    return _C.ne(self, other)


def _inplace(name, check_grad=True):
    fn = getattr(_C, name + "_")

    def method(self, other):
        _no_grad_write(name + "_", self)
        fn(self, other)
        return self
    method.__name__ = name + "_"
    return method


mul_ = _inplace("mul")
div_ = _inplace("div")
pow_ = _inplace("pow")


def add_(self, other, alpha=1):
    _no_grad_write("add_", self)
    if alpha != 1:
        other = _C.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    _C.add_(self, other)
    return self


def sub_(self, other, alpha=1):
    _no_grad_write("sub_", self)
    if alpha != 1:
        other = _C.mul(other, alpha) if isinstance(other, Tensor) else other * alpha
    _C.sub_(self, other)
    return self


def addcmul_(self, t1, t2, value=1):
    _no_grad_write("addcmul_", self)
    _C.add_(self, _C.mul(_C.mul(t1, t2), value))
    return self


def addcdiv_(self, t1, t2, value=1):
    _no_grad_write("addcdiv_", self)
    _C.add_(self, _C.mul(_C.div(t1, t2), value))
    return self


def clamp_(self, min=None, max=None):
    _no_grad_write("clamp_", self)
    if not self.dtype.is_floating_point and (isinstance(min, builtins.float) or
                                             isinstance(max, builtins.float)):
        raise TypeError(f"[clamp_] float bounds can't be applied in place to a {self.dtype} tensor")
    _C.clamp_(self, -np.inf if min is None else builtins.float(min),
              np.inf if max is None else builtins.float(max))
    return self


def _unary_inplace(name):
    fn = getattr(_C, name + "_")

    def method(self):
        _no_grad_write(name + "_", self)
        fn(self)
        return self
    method.__name__ = name + "_"
    return method


neg_ = _unary_inplace("neg")
exp_ = _unary_inplace("exp")
sqrt_ = _unary_inplace("sqrt")
relu_ = _unary_inplace("relu")
abs_ = _unary_inplace("abs")
