"""Attach the Python methods to the C++ tensor class (run once at import)."""
from __future__ import annotations

from . import _C
from . import tensor as T
from . import tensor_shape as S
from .ops import indexing as I

Tensor = _C.Tensor

_PLAIN = [
    # tensor.py
    "requires_grad_", "detach", "detach_", "retain_grad", "backward", "size", "stride",
    "storage_offset", "item", "tolist", "numpy", "__array__", "__dlpack__", "__dlpack_device__",
    "to", "cpu", "cuda", "type_as", "clone", "contiguous", "copy_", "fill_", "zero_", "double",
    "long", "__len__", "__iter__", "__bool__", "__float__", "__int__", "__index__", "__hash__", "__reduce_ex__", "__deepcopy__",
    "__repr__", "add", "sub", "mul", "div", "pow", "neg", "exp", "log", "sqrt", "rsqrt", "abs",
    "relu", "sigmoid", "tanh", "gelu", "reciprocal", "sin", "cos", "log1p", "expm1", "floor",
    "ceil", "round", "sign", "square", "clamp", "maximum", "minimum", "eq", "ne", "lt", "le",
    "gt", "ge", "logical_and", "logical_or", "logical_not", "isnan", "mul_", "div_", "pow_",
    "add_", "sub_", "addcmul_", "addcdiv_", "clamp_", "neg_", "exp_", "sqrt_", "relu_", "abs_",
]
_SHAPE = [
    "sum", "mean", "var", "std", "logsumexp", "amax", "amin", "max", "min", "argmax", "argmin",
    "all", "any", "softmax", "log_softmax", "reshape", "view", "view_as", "reshape_as", "flatten",
    "unflatten", "permute", "transpose", "t", "expand", "expand_as", "broadcast_to", "squeeze",
    "unsqueeze", "narrow", "select", "unbind", "split", "chunk", "repeat", "index_select",
    "gather", "scatter_add", "index_add", "masked_fill", "__getitem__", "__setitem__", "matmul",
    "mm", "bmm",
]


def _iop(name):
    inplace = getattr(T, name + "_")
    outplace = getattr(T, name)

    def method(self, other):
        # under autograd, rebind to a new tensor instead of writing into a recorded one
        if self.requires_grad and T._state.enabled:
            return outplace(self, other)
        return inplace(self, other)
    method.__name__ = f"__i{name}__"
    return method


def install():
    for name in _PLAIN:
        setattr(Tensor, name, getattr(T, name))
    for name in _SHAPE:
        setattr(Tensor, name, getattr(S, name))
    Tensor._requires_grad = False
    Tensor.grad = None
    Tensor.grad_fn = None
    Tensor._output_nr = 0
    Tensor.requires_grad = property(T._get_requires_grad, T._set_requires_grad)
    Tensor.is_leaf = property(T._is_leaf)
    Tensor.is_cuda = property(T._is_cuda)
    Tensor.data = property(T.detach)
    Tensor.T = property(S._T)
    Tensor.mT = property(S._mT)
    Tensor.__cuda_array_interface__ = property(T._cuda_array_interface)
    Tensor.float = T.float_
    Tensor.bool = T.bool_
    Tensor.__str__ = T.__repr__
    Tensor.__add__ = T.add
    Tensor.__radd__ = T._radd
    Tensor.__sub__ = T.sub
    Tensor.__rsub__ = T._rsub
    Tensor.__mul__ = T.mul
    Tensor.__rmul__ = T._rmul
    Tensor.__truediv__ = T.div
    Tensor.__rtruediv__ = T._rdiv
    Tensor.__pow__ = T.pow
    Tensor.__rpow__ = T._rpow
    Tensor.__floordiv__ = T._floordiv
    Tensor.__mod__ = T._mod
    Tensor.__rfloordiv__ = T._rfloordiv
    Tensor.__rmod__ = T._rmod
    Tensor.__neg__ = T.neg
    Tensor.__abs__ = T.abs
    Tensor.__matmul__ = S.matmul
    Tensor.__rmatmul__ = S._rmatmul
    Tensor.__eq__ = T._eq_dunder
    Tensor.__ne__ = T._ne_dunder
    Tensor.__lt__ = T.lt
    Tensor.__le__ = T.le
    Tensor.__gt__ = T.gt
    Tensor.__ge__ = T.ge
    Tensor.__and__ = T.logical_and
    Tensor.__or__ = T.logical_or
    Tensor.__invert__ = T.logical_not
    Tensor.__iadd__ = _iop("add")
    Tensor.__isub__ = _iop("sub")
    Tensor.__imul__ = _iop("mul")
    Tensor.__itruediv__ = _iop("div")
    Tensor.__array_priority__ = 1000  # numpy defers to our reflected operators


def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("[cat] expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"[cat] expected tensors, got {type(t).__name__}")
    return I.Cat.apply(dim, *tensors)


def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("[stack] expected a non-empty list of tensors")
    shape = tensors[0].shape
    for t in tensors:
        if t.shape != shape:
            raise ValueError(f"[stack] all tensors must have one shape, got {shape} and {t.shape}")
    n = tensors[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"[stack] dim {dim} is out of range for {n} dims")
    return cat([S.unsqueeze(t, dim % n) for t in tensors], dim % n)
