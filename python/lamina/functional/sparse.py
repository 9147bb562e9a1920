"""Integer-indexed ops: one_hot (class targets) and embedding lookups.

``embedding`` gathers rows with index_select; its backward adds the output gradient's rows
into a zero weight gradient with index_add (the kernel that sums repeated indices), then zeroes
the padding row and, with scale_grad_by_freq, divides each row by how often it was looked up."""
from __future__ import annotations

from .. import _C
from ..autograd.function import Function
from ..autograd.grad_mode import no_grad
from .. import dtypes as _dt
from ..autograd.functions import views as _v


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


def _count_rows(flat, n, like):
    """How often each of the n rows is looked up (float, like ``like``)."""
    ones = _C.full([int(flat.shape[0])], 1.0, like.dtype, like.device)
    return _C.index_add(_C.full([n], 0.0, like.dtype, like.device), 0, flat, ones)


class Embedding(Function):
    """rows = weight[flat]; d weight = index_add of the output rows (padding row zero)."""

    @staticmethod
    def forward(ctx, weight, flat, padding_idx, scale_grad_by_freq):
        ctx.n = weight.shape[0]
        ctx.padding_idx, ctx.scale = padding_idx, scale_grad_by_freq
        ctx.save_for_backward(flat)
        return _C.index_select(weight, 0, flat)

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved_tensors
        zeros = _C.full([ctx.n, int(g.shape[1])], 0.0, g.dtype, g.device)
        if ctx.scale:
            count = _count_rows(flat, ctx.n, g)
            g = _C.div(g, _C.unsqueeze(_C.index_select(count, 0, flat), 1))
        dw = _C.index_add(zeros, 0, flat, g)
        if ctx.padding_idx is not None:
            _C.copy_(_C.select(dw, 0, ctx.padding_idx),
                     _C.full([], 0.0, dw.dtype, dw.device))
        return dw, None, None, None


def check_padding_idx(op, padding_idx, num_embeddings):
    """``padding_idx`` in [-num_embeddings, num_embeddings) made non-negative, or None."""
    if padding_idx is None:
        return None
    if isinstance(padding_idx, bool) or not isinstance(padding_idx, int):
        raise TypeError(f"[{op}] padding_idx must be an int or None, got "
                        f"{type(padding_idx).__name__}")
    if not -num_embeddings <= padding_idx < num_embeddings:
        raise ValueError(f"[{op}] padding_idx must be within num_embeddings "
                         f"[-{num_embeddings}, {num_embeddings}), got {padding_idx}")
    return padding_idx % num_embeddings


def _renorm_(weight, flat, max_norm, norm_type):
    """Scale the looked-up rows of ``weight`` whose norm exceeds max_norm to norm max_norm
    (in place, not recorded), as torch's embedding_renorm_."""
    with no_grad():
        rows = _C.index_select(weight, 0, flat)
        if norm_type == 2:
            norms = _C.sqrt(_C.sum(_C.mul(rows, rows), [1], True))
        else:
            p = float(norm_type)
            norms = _C.pow(_C.sum(_C.pow(_C.abs(rows), p), [1], True), 1.0 / p)
        scale = _C.div(_C.full([], float(max_norm), rows.dtype, rows.device),
                       _C.add(norms, 1e-7))
        scale = _C.where(_C.gt(norms, float(max_norm)), scale,
                         _C.full([], 1.0, rows.dtype, rows.device))
        new = _C.mul(rows, scale)
        # rows repeated in flat get the same new value, so the order of writes does not matter
        delta = _C.sub(new, rows)
        count = _count_rows(flat, int(weight.shape[0]), weight)
        delta = _C.div(delta, _C.unsqueeze(_C.index_select(count, 0, flat), 1))
        _C.copy_(weight, _C.index_add(weight, 0, flat, delta))


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,
              scale_grad_by_freq=False, sparse=False):
    """Rows of ``weight`` (num_embeddings, dim) picked by int64 ``input`` of any shape:
    output (*input.shape, dim). ``padding_idx``: that row gets no gradient. ``max_norm``:
    looked-up rows with a larger ``norm_type``-norm are first rescaled in place (as torch).
    ``scale_grad_by_freq``: each row's gradient is divided by its count in ``input``."""
    if not isinstance(weight, _C.Tensor):
        raise TypeError(f"[embedding] expected weight to be a lamina tensor, got "
                        f"{type(weight).__name__}")
    if weight.ndim != 2:
        raise ValueError(f"[embedding] weight must be 2-D (num_embeddings, embedding_dim), got "
                         f"{tuple(weight.shape)}")
    if not isinstance(input, _C.Tensor) or input.dtype != _dt.int64:
        got = input.dtype if isinstance(input, _C.Tensor) else type(input).__name__
        raise TypeError(f"[embedding] indices must be an int64 tensor, got {got}")
    if sparse:
        raise ValueError("[embedding] sparse gradients are not supported; use sparse=False")
    if input.device != weight.device:
        raise ValueError(f"[embedding] indices are on {input.device} but the weight is on "
                         f"{weight.device}")
    n = int(weight.shape[0])
    padding_idx = check_padding_idx("embedding", padding_idx, n)
    flat = _C.reshape(input, [-1])
    if flat.numel():
        lo = _C.amax(flat, None, False, False).item()
        hi = _C.amax(flat, None, False, True).item()
        if lo < 0 or hi >= n:
            raise IndexError(f"[embedding] index out of range: indices must be in [0, {n}), got "
                             f"values in [{lo}, {hi}]")
    if max_norm is not None:
        _renorm_(weight, flat, max_norm, norm_type)
    rows = Embedding.apply(weight, flat, padding_idx, bool(scale_grad_by_freq))
    return _v.reshape(rows, list(input.shape) + [weight.shape[1]])
