"""The Python face of ``lamina.Tensor``.

The class itself is the C++ tensor (``_C.Tensor``: storage, shape, strides, dtype, device);
Python adds the autograd attributes and the methods, so there is one object per tensor and no
wrapper in between. This module registers the core: autograd attributes, sizes, conversion to
Python and numpy, interop (DLPack, ``__cuda_array_interface__``), pickling and repr. The methods
of each op are registered next to the op, in ``lamina/autograd/functions/<family>.py`` (many are
also ``lamina.<name>`` functions); see ``lamina._registry``."""
from __future__ import annotations

import builtins
import weakref

import numpy as np

from . import _C
from . import _format
from . import dtypes as _dt
from .autograd import engine
from .device import resolve as _dev
from ._registry import tensor_method, tensor_property
from .autograd.functions._util import wrap_dim
from .autograd.functions.views import Select

Tensor = _C.Tensor
Tensor._requires_grad = False
Tensor.grad = None
Tensor.grad_fn = None
Tensor._output_nr = 0
Tensor._post_acc_hooks = None  # {handle id: hook} of a leaf (engine.py)
Tensor.__array_priority__ = 1000  # numpy defers to our reflected operators


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


Tensor.requires_grad = property(_get_requires_grad, _set_requires_grad)


@tensor_method
def requires_grad_(self, requires_grad=True):
    _set_requires_grad(self, requires_grad)
    return self


@tensor_method(export=True)
def detach(self):
    """A new tensor sharing storage, cut from the tape."""
    return Tensor(self)


@tensor_method
def detach_(self):
    self.grad_fn = None
    self._requires_grad = False
    return self


@tensor_method
def retain_grad(self):
    """Keep the gradient of a non-leaf tensor in ``.grad`` after backward."""
    if self.grad_fn is None:
        return
    node = self.grad_fn
    if node.retained is None:
        node.retained = {}
    node.retained[self._output_nr] = weakref.ref(self)


@tensor_method
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


class RemovableHandle:
    """What ``register_post_accumulate_grad_hook`` returns: ``remove()`` unregisters the hook."""

    _next_id = 0

    def __init__(self, hooks):
        self._hooks = hooks
        RemovableHandle._next_id += 1
        self.id = RemovableHandle._next_id

    def remove(self):
        self._hooks.pop(self.id, None)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()


@tensor_method
def register_post_accumulate_grad_hook(self, hook):
    """Call ``hook(tensor)`` during each backward pass, once the pass has added its last gradient
    to this leaf's ``.grad`` (torch's hook of the same name). Returns a handle with ``remove()``."""
    if self.grad_fn is not None:
        raise RuntimeError("[register_post_accumulate_grad_hook] only leaf tensors accumulate "
                           "gradients; this tensor has a grad_fn")
    if not self.requires_grad:
        raise RuntimeError("[register_post_accumulate_grad_hook] the tensor does not require grad")
    if not callable(hook):
        raise TypeError(f"[register_post_accumulate_grad_hook] hook must be callable, got "
                        f"{type(hook).__name__}")
    if self._post_acc_hooks is None:
        self._post_acc_hooks = {}
    handle = RemovableHandle(self._post_acc_hooks)
    self._post_acc_hooks[handle.id] = hook
    return handle


@tensor_property("is_leaf")
def _is_leaf(self):
    return self.grad_fn is None


Tensor.data = property(detach)  # the values, cut from the tape


# --- sizes, conversion, interop ------------------------------------------------------------

@tensor_method
def size(self, dim=None):
    if dim is None:
        return self.shape
    return self.shape[wrap_dim(dim, self.ndim, "size")]


@tensor_method
def stride(self, dim=None):
    if dim is None:
        return self._strides
    return self._strides[wrap_dim(dim, self.ndim, "stride")]


@tensor_method
def storage_offset(self):
    return self._offset


@tensor_method
def item(self):
    return self._item()


@tensor_method
def tolist(self):
    """Nested Python lists (a number for a 0-d tensor), from any device, as torch."""
    if not self.ndim:
        return self.item()
    return self.detach().cpu().numpy().tolist()


@tensor_method
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


@tensor_method
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


@tensor_method
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


@tensor_method
def __dlpack_device__(self):
    return (1, 0) if self.device.type == "cpu" else (2, self.device.index)


_TYPESTR = {"float32": "<f4", "float64": "<f8", "int64": "<i8", "bool": "|b1"}


@tensor_property("__cuda_array_interface__")
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


@tensor_property("is_cuda")
def _is_cuda(self):
    return self.device.type == "cuda"


@tensor_method
def __len__(self):
    if self.ndim == 0:
        raise TypeError("[len] len() of a 0-d tensor")
    return self.shape[0]


@tensor_method
def __iter__(self):
    if self.ndim == 0:
        raise TypeError("[iter] iteration over a 0-d tensor")
    return (Select.apply(self, 0, i) for i in range(self.shape[0]))


@tensor_method
def __bool__(self):
    if self.numel() != 1:
        raise RuntimeError(f"[bool] the truth value of a tensor with {self.numel()} elements is "
                           "ambiguous")
    return builtins.bool(self.item())


@tensor_method
def __float__(self):
    return builtins.float(self.item())


@tensor_method
def __int__(self):
    return builtins.int(self.item())


@tensor_method
def __index__(self):
    if self.dtype != _dt.int64 or self.numel() != 1:
        raise TypeError("[index] only single-element int64 tensors can be used as an index")
    return builtins.int(self.item())


@tensor_method
def __hash__(self):
    return id(self)


def _rebuild(array, device, requires_grad):
    t = _C._from_numpy(array)
    if device != "cpu":
        t = _C.to(t, _dev(device), t.dtype, False)
    if requires_grad:
        t._requires_grad = True
    return t


@tensor_method
def __reduce_ex__(self, protocol):
    """Pickling (and copy.deepcopy): the values, the device and requires_grad; not the tape."""
    arr = np.array(self.detach().cpu()._numpy_view(), copy=True)
    return (_rebuild, (arr, str(self.device), self.requires_grad))


@tensor_method
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


@tensor_method("__repr__", "__str__")
def __repr__(self):
    t = self.detach()
    if t.device.type != "cpu":
        t = _C.to(t, _dev("cpu"), t.dtype, False)
    return _format.tensor_repr(t._numpy_view(), self.dtype, self.device,
                               None if self.grad_fn is None else self.grad_fn.name(),
                               self.requires_grad)
