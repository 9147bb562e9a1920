"""``Parameter``: a tensor that a ``Module`` registers as one of its learnable weights.

``lamina.Tensor`` is the C++ tensor class (pybind11), subclassable in Python. A Parameter is a
new handle on ``data``'s storage (``Tensor.__init__(self, data)`` shares it, like
``torch.nn.Parameter``), marked as a leaf that requires grad. Ops on a Parameter return plain
tensors."""
from __future__ import annotations

import numpy as np

from .. import _C
from .. import creation as _creation

Tensor = _C.Tensor

__all__ = ["Parameter", "as_tensor"]


def as_tensor(value, op="Parameter"):
    """A lamina tensor for ``value``: lamina tensors pass through; torch tensors come over by
    DLPack (detached first); numpy arrays and other array-likes are shared or copied."""
    if isinstance(value, Tensor):
        return value
    if hasattr(value, "detach") and hasattr(value, "__dlpack__"):  # a torch tensor
        value = value.detach()
        try:
            return _creation.from_dlpack(value)
        except (TypeError, BufferError, ValueError, RuntimeError):
            if hasattr(value, "cpu") and hasattr(value, "numpy"):
                value = value.cpu().numpy()
    if isinstance(value, np.ndarray):
        if value.dtype == np.float16 or value.dtype == np.float32:
            value = value.astype(np.float32, copy=False)
        elif value.dtype.kind in "iu":
            value = value.astype(np.int64, copy=False)
        return _creation.tensor(value)
    try:
        return _creation.tensor(value)
    except (TypeError, ValueError) as e:
        raise TypeError(f"[{op}] expected a tensor, a numpy array or a torch tensor, got "
                        f"{type(value).__name__}: {e}") from None


class Parameter(Tensor):
    """A learnable tensor: ``Parameter(data=None, requires_grad=True)``.

    Shares ``data``'s storage (no copy). ``Parameter()`` is an empty float32 tensor, like
    torch's. Assigning one as a ``Module`` attribute registers it in ``parameters()``."""

    def __init__(self, data=None, requires_grad=True):
        if data is None:
            data = _C.empty([0], _C.DType.float32, _C.Device("cpu"))
        else:
            data = as_tensor(data, "Parameter")
        Tensor.__init__(self, data)
        if requires_grad and not self.dtype.is_floating_point:
            raise TypeError(f"[Parameter] only floating tensors can require grad, got "
                            f"{self.dtype}; pass requires_grad=False")
        self._requires_grad = bool(requires_grad)

    def __repr__(self):
        return "Parameter containing:\n" + Tensor.__repr__(self)

    __str__ = __repr__

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        out = Parameter(_C.clone(self), self.requires_grad)
        if self.grad is not None:
            out.grad = _C.clone(self.grad)
        memo[id(self)] = out
        return out

    def __reduce_ex__(self, proto):
        data = self.detach().cpu().numpy()
        return (_rebuild_parameter, (data.copy(), self.requires_grad, str(self.device)))


def _rebuild_parameter(array, requires_grad, device):
    t = _creation.tensor(array, device=device)
    return Parameter(t, requires_grad)
