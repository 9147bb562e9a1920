"""Losses with torch.nn.functional names, signatures and semantics.

``cross_entropy`` runs the fused kernel (log-softmax + NLL per row in one pass, and one pass
back); ``binary_cross_entropy_with_logits`` has its own stable Function; the rest compose
differentiable tensor ops. Inputs (N, C, d1, ...) have their class dim moved last, as torch
allows. Every error names the loss."""
from __future__ import annotations

import itertools
import warnings

from .. import _C
from ..autograd.functions.elementwise import where as _where
from ..autograd.functions.loss import BCEWithLogits, CrossEntropy

Tensor = _C.Tensor

__all__ = ["cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss",
           "binary_cross_entropy_with_logits", "binary_cross_entropy", "smooth_l1_loss",
           "kl_div"]


# --- argument checks -------------------------------------------------------------------------

def _reduction(op, reduction, size_average=None, reduce=None):
    """The reduction string, with torch's legacy size_average / reduce flags folded in."""
    if size_average is not None or reduce is not None:
        size_average = True if size_average is None else size_average
        reduce = True if reduce is None else reduce
        reduction = "mean" if size_average and reduce else ("sum" if reduce else "none")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"[{op}] reduction must be 'none', 'mean' or 'sum', got {reduction!r}")
    return reduction


def _tensor(op, name, x, floating=True):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina Tensor, got {type(x).__name__}")
    if floating and not x.dtype.is_floating_point:
        raise TypeError(f"[{op}] expected a float {name}, got {x.dtype}")


def _broadcast_shape(a, b):
    out = []
    for x, y in itertools.zip_longest(reversed(a), reversed(b), fillvalue=1):
        if x != y and x != 1 and y != 1:
            return None
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


def _pair(op, input, target):
    """Float input and target that broadcast (torch warns when their shapes differ)."""
    _tensor(op, "input", input)
    _tensor(op, "target", target)
    if input.shape != target.shape:
        if _broadcast_shape(input.shape, target.shape) is None:
            raise ValueError(f"[{op}] target shape {target.shape} does not broadcast with "
                             f"input shape {input.shape}")
        warnings.warn(f"[{op}] target shape {target.shape} differs from input shape "
                      f"{input.shape}; they are broadcast, which is likely not intended",
                      stacklevel=3)


def _reduce(loss, reduction):
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _weighted(op, loss, weight, input, reduction, mean_by_weight):
    """torch's elementwise ``weight=`` of mse/l1/huber: same shape as input."""
    if weight is None:
        return _reduce(loss, reduction)
    _tensor(op, "weight", weight)
    if weight.shape != input.shape:
        raise ValueError(f"[{op}] weight shape {weight.shape} must equal the input shape "
                         f"{input.shape}")
    loss = loss * weight
    if reduction == "mean" and mean_by_weight:
        return loss.sum() / weight.sum()
    return _reduce(loss, reduction)


def _classes_last(op, input, target, prob):
    """Rows of classes: (C,) -> (1, C); (N, C) as is; (N, C, d1, ...) -> (N * d1 * ..., C).

    Returns the rows of input and of target, and the shape of the unreduced loss."""
    nd = input.ndim
    if nd == 0:
        raise ValueError(f"[{op}] expected input of shape (C,), (N, C) or (N, C, d1, ...), "
                         f"got ()")
    if nd == 1:
        out_shape, perm = (), None
    else:
        out_shape = (input.shape[0],) + tuple(input.shape[2:])
        perm = [0] + list(range(2, nd)) + [1] if nd > 2 else None
    want = tuple(input.shape) if prob else out_shape
    if tuple(target.shape) != want:
        kind = "probability target (float)" if prob else "class-index target (int64)"
        raise ValueError(f"[{op}] expected a {kind} of shape {want} for input of shape "
                         f"{tuple(input.shape)}, got {tuple(target.shape)}")
    C = input.shape[-1] if nd == 1 else input.shape[1]
    x2 = input if nd == 2 else (input.permute(*perm) if perm else input).reshape(-1, C)
    if prob:
        t2 = target if nd == 2 else (target.permute(*perm) if perm else target).reshape(-1, C)
    else:
        t2 = target if nd == 2 else target.reshape(-1)
    return x2, t2, out_shape


def _index_target(op, target):
    _tensor(op, "target", target, floating=False)
    if target.dtype != _C.DType.int64:
        raise TypeError(f"[{op}] expected an int64 class-index target, got {target.dtype}")


# --- losses ----------------------------------------------------------------------------------

def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
                  reduction="mean", label_smoothing=0.0):
    """Cross-entropy of logits against class indices (int64, ``ignore_index`` rows skipped) or
    class probabilities (float, input's shape); optional class ``weight`` (C,) and
    ``label_smoothing`` in [0, 1]. 'mean' is torch's: weighted by the targets' class weights
    for index targets, over N (and d1, ...) for probabilities."""
    op = "cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    # dtypes, label_smoothing and class indices are checked by the op (csrc/ops/loss.cpp)
    _tensor(op, "input", input, floating=False)
    _tensor(op, "target", target, floating=False)
    prob = target.dtype.is_floating_point
    if weight is not None:
        _tensor(op, "weight", weight, floating=False)
    x2, t2, shape = _classes_last(op, input, target, prob)
    out = CrossEntropy.apply(x2, t2, weight, int(ignore_index), float(label_smoothing), reduction)
    if reduction == "none" and tuple(out.shape) != shape:
        out = out.reshape(shape)
    return out


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None,
             reduction="mean"):
    """-w[t] * input[t] per row of log-probabilities; 'mean' divides by the summed weights of
    the rows not ignored."""
    op = "nll_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _tensor(op, "input", input)
    _index_target(op, target)
    x2, t2, shape = _classes_last(op, input, target, False)
    C = x2.shape[1]
    keep = t2 != ignore_index
    bad = keep & ((t2 < 0) | (t2 >= C))
    if bad.any().item():
        v = int(t2[bad.to(_C.DType.int64).argmax()].item())
        raise IndexError(f"[{op}] target {v} is out of range for {C} classes "
                         f"(ignore_index = {ignore_index})")
    safe = _where(keep, t2, 0)
    picked = x2.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(x2.dtype)
    if weight is not None:
        _tensor(op, "weight", weight)
        if tuple(weight.shape) != (C,):
            raise ValueError(f"[{op}] expected weight of shape ({C},), got {weight.shape}")
        w = weight.to(x2.dtype).index_select(0, safe) * w
    loss = -(picked * w)
    if reduction == "none":
        return loss.reshape(shape) if tuple(loss.shape) != shape else loss
    if reduction == "sum":
        return loss.sum()
    return loss.sum() / w.sum()


def mse_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    op = "mse_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _pair(op, input, target)
    d = input - target
    return _weighted(op, d * d, weight, input, reduction, True)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean", weight=None):
    op = "l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _pair(op, input, target)
    return _weighted(op, (input - target).abs(), weight, input, reduction, True)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):
    """0.5 d^2 where |d| < delta, else delta (|d| - delta / 2), d = input - target."""
    op = "huber_loss"
    reduction = _reduction(op, reduction)
    _pair(op, input, target)
    if not float(delta) > 0:
        raise ValueError(f"[{op}] delta must be positive, got {delta}")
    delta = float(delta)
    d = input - target
    a = d.abs()
    loss = _where(a < delta, 0.5 * (d * d), delta * (a - 0.5 * delta))
    return _weighted(op, loss, weight, input, reduction, False)


def binary_cross_entropy_with_logits(input, target, weight=None, size_average=None, reduce=None,
                                     reduction="mean", pos_weight=None):
    """max(x, 0) - x t + log1p(exp(-|x|)) per element (stable for any x); ``pos_weight``
    scales the positive term, broadcasting over the last dim; ``weight`` broadcasts too."""
    op = "binary_cross_entropy_with_logits"
    reduction = _reduction(op, reduction, size_average, reduce)
    _tensor(op, "input", input)
    _tensor(op, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"[{op}] target shape {target.shape} must equal the input shape "
                         f"{input.shape}")
    for name, t in (("pos_weight", pos_weight), ("weight", weight)):
        if t is not None:
            _tensor(op, name, t)
            if _broadcast_shape(t.shape, input.shape) != tuple(input.shape):
                raise ValueError(f"[{op}] {name} shape {t.shape} does not broadcast to the "
                                 f"input shape {input.shape}")
    loss = BCEWithLogits.apply(input, target, pos_weight)
    if weight is not None:
        loss = loss * weight
    return _reduce(loss, reduction)


def smooth_l1_loss(input, target, size_average=None, reduce=None, reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - beta / 2 (beta = 0: |d|), d = input - target."""
    op = "smooth_l1_loss"
    reduction = _reduction(op, reduction, size_average, reduce)
    _pair(op, input, target)
    beta = float(beta)
    if beta < 0:
        raise ValueError(f"[{op}] beta must be non-negative, got {beta}")
    d = input - target
    a = d.abs()
    if beta == 0:
        return _reduce(a, reduction)
    return _reduce(_where(a < beta, (0.5 / beta) * (d * d), a - 0.5 * beta), reduction)


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None,
                         reduction="mean"):
    """-(t log(x) + (1 - t) log(1 - x)) with each log clamped at -100 (torch's rule); input
    probabilities in [0, 1], target of the input's shape, ``weight`` broadcasting over it."""
    op = "binary_cross_entropy"
    reduction = _reduction(op, reduction, size_average, reduce)
    _tensor(op, "input", input)
    _tensor(op, "target", target)
    if target.shape != input.shape:
        raise ValueError(f"[{op}] Using a target size ({target.shape}) that is different to the "
                         f"input size ({input.shape}) is deprecated. Please ensure they have the "
                         f"same size.")
    if input.numel() and not (float(input.detach().amin()) >= 0 and
                              float(input.detach().amax()) <= 1):
        raise ValueError(f"[{op}] all elements of input should be between 0 and 1")
    log_x = input.log().clamp(min=-100.0)
    log_1mx = (1 - input).log().clamp(min=-100.0)
    loss = -(target * log_x + (1 - target) * log_1mx)
    if weight is not None:
        _tensor(op, "weight", weight)
        if _broadcast_shape(weight.shape, input.shape) != tuple(input.shape):
            raise ValueError(f"[{op}] weight shape {weight.shape} does not broadcast to the "
                             f"input shape {input.shape}")
        loss = loss * weight
    return _reduce(loss, reduction)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):
    """target (log target - input) pointwise (0 where target is 0), input holding
    log-probabilities; with ``log_target`` the target too: e^t (t - input). Reductions:
    'none', 'sum', 'mean' (over elements), 'batchmean' (sum / batch size, the KL divergence)."""
    op = "kl_div"
    if reduction == "batchmean":
        if size_average is not None or reduce is not None:
            raise ValueError(f"[{op}] reduction='batchmean' cannot be combined with "
                             f"size_average / reduce")
    else:
        reduction = _reduction(op, reduction, size_average, reduce)
    _pair(op, input, target)
    if log_target:
        loss = target.exp() * (target - input)
    else:
        pos = target > 0
        safe = _where(pos, target, _C.full([], 1.0, target.dtype, target.device))
        loss = target * safe.log() - target * input  # target log target is 0 at target 0
    if reduction == "batchmean":
        n = input.shape[0] if input.ndim else 1
        return loss.sum() / n
    return _reduce(loss, reduction)
