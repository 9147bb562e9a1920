"""Integer-indexed ops: one_hot (class targets) and embedding lookups."""
from __future__ import annotations

from .. import _C
from .. import dtypes as _dt
from .. import tensor_shape as _s


def one_hot(tensor, num_classes=-1):
    """(..., ) int64 class indices -> (..., num_classes) int64 with a 1 at each index."""
    if not isinstance(tensor, _C.Tensor) or tensor.dtype != _dt.int64:
        raise TypeError("[one_hot] expected an int64 tensor of class indices")
    if tensor.numel() == 0 and num_classes < 0:
        raise ValueError("[one_hot] cannot infer num_classes from an empty tensor")
    lo = _C.amax(tensor, None, False, False).item() if tensor.numel() else 0
    hi = _C.amax(tensor, None, False, True).item() if tensor.numel() else -1
    if num_classes < 0:
        num_classes = hi + 1
    if lo < 0 or hi >= num_classes:
        raise ValueError(f"[one_hot] class values must be in [0, {num_classes}), got [{lo}, {hi}]")
    classes = _C.arange(0, num_classes, 1, _dt.int64, tensor.device)
    return _C.cast(_C.eq(_C.unsqueeze(tensor, -1), classes), _dt.int64)


def embedding(input, weight):
    """Rows of ``weight`` (num_embeddings, dim) picked by int64 ``input`` of any shape."""
    if weight.ndim != 2:
        raise ValueError(f"[embedding] weight must be 2-D (num_embeddings, dim), got {weight.shape}")
    if not isinstance(input, _C.Tensor) or input.dtype != _dt.int64:
        raise TypeError("[embedding] indices must be an int64 tensor")
    flat = _C.reshape(input, [-1])
    rows = _s.index_select(weight, 0, flat)
    return _s.reshape(rows, list(input.shape) + [weight.shape[1]])
