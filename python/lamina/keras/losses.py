"""Keras 3 losses: per-sample values (mean over the last axis, as Keras), reduced by
'sum_over_batch_size' (the default: the mean over the per-sample values), 'sum' or 'none'.

Cross-entropies follow Keras's torch backend: with from_logits, log_softmax (sparse: lamina's
fused softmax + cross-entropy kernel); with probabilities, p / sum(p) clipped to [1e-7,
1 - 1e-7] before the log. Binary cross-entropy on probabilities clips the same way; with
from_logits it is lamina's stable fused BCE-with-logits."""
from __future__ import annotations

from .. import _C
from .. import functional as F
from ..autograd.functions import views as _v
from ..autograd.functions.elementwise import where as _where

EPSILON = 1e-7


def _float(t, like):
    return t if t.dtype == like.dtype else t.to(like.dtype)


def _match_rank(y_true, y_pred):
    """Keras's squeeze_or_expand_to_same_rank for regression targets."""
    if y_true.ndim == y_pred.ndim - 1 and y_pred.shape[-1] == 1:
        return _v.unsqueeze(y_true, -1)
    if y_true.ndim == y_pred.ndim + 1 and y_true.shape[-1] == 1:
        return _v.squeeze(y_true, -1)
    return y_true


def _sparse_target(y_true, y_pred):
    t = y_true
    if t.ndim == y_pred.ndim and t.shape[-1] == 1:
        t = _v.squeeze(t, -1)
    if tuple(t.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(f"[sparse_categorical_crossentropy] expected targets of shape "
                         f"{tuple(y_pred.shape[:-1])} for predictions of shape "
                         f"{tuple(y_pred.shape)}, got {tuple(y_true.shape)}")
    return t if t.dtype == _C.DType.int64 else t.to(_C.DType.int64)


def _log_probs(y_pred, from_logits):
    if from_logits:
        return F.log_softmax(y_pred, -1)
    p = y_pred / y_pred.sum(-1, keepdim=True)
    return p.clamp(EPSILON, 1.0 - EPSILON).log()


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, axis=-1):
    t = _sparse_target(y_true, y_pred)
    C = int(y_pred.shape[-1])
    lead = tuple(int(s) for s in y_pred.shape[:-1])
    if from_logits:
        per = F.cross_entropy(_v.reshape(y_pred, -1, C), _v.reshape(t, -1), reduction="none")
    else:
        per = F.nll_loss(_v.reshape(_log_probs(y_pred, False), -1, C), _v.reshape(t, -1),
                         reduction="none")
    return _v.reshape(per, *lead) if lead else per


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    t = _float(y_true, y_pred)
    if tuple(t.shape) != tuple(y_pred.shape):
        raise ValueError(f"[categorical_crossentropy] targets of shape {tuple(t.shape)} must "
                         f"match predictions of shape {tuple(y_pred.shape)}")
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + label_smoothing / int(y_pred.shape[-1])
    return -(t * _log_probs(y_pred, from_logits)).sum(-1)


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    t = _float(_match_rank(y_true, y_pred), y_pred)
    if label_smoothing:
        t = t * (1.0 - label_smoothing) + 0.5 * label_smoothing
    if from_logits:
        per = F.binary_cross_entropy_with_logits(y_pred, t, reduction="none")
    else:
        p = y_pred.clamp(EPSILON, 1.0 - EPSILON)
        per = -(t * p.log() + (1.0 - t) * (1.0 - p).log())
    return per.mean(-1)


def mean_squared_error(y_true, y_pred):
    d = y_pred - _float(_match_rank(y_true, y_pred), y_pred)
    return (d * d).mean(-1)


def mean_absolute_error(y_true, y_pred):
    return (y_pred - _float(_match_rank(y_true, y_pred), y_pred)).abs().mean(-1)


def huber(y_true, y_pred, delta=1.0):
    d = y_pred - _float(_match_rank(y_true, y_pred), y_pred)
    a = d.abs()
    return _where(a <= delta, 0.5 * (d * d), delta * a - 0.5 * delta * delta).mean(-1)


mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error


class Loss:
    """Base class: ``call(y_true, y_pred)`` gives per-sample losses, ``__call__`` reduces them
    (optionally weighted by ``sample_weight`` of shape (batch,))."""

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        if reduction not in ("sum_over_batch_size", "sum", "none", None):
            raise ValueError(f"[{type(self).__name__}] reduction must be 'sum_over_batch_size',"
                             f" 'sum' or 'none', got {reduction!r}")
        self.name = name or type(self).__name__.lower()
        self.reduction = reduction or "none"

    def call(self, y_true, y_pred):
        raise NotImplementedError

    def __call__(self, y_true, y_pred, sample_weight=None):
        per = self.call(y_true, y_pred)
        if sample_weight is not None:
            w = _float(sample_weight, per)
            while w.ndim < per.ndim:
                w = _v.unsqueeze(w, -1)
            per = per * w
        if self.reduction == "none":
            return per
        return per.sum() if self.reduction == "sum" else per.mean()


class SparseCategoricalCrossentropy(Loss):
    """``SparseCategoricalCrossentropy(from_logits=False)``: integer targets (batch, ...)."""

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 name="sparse_categorical_crossentropy", **kwargs):
        super().__init__(name, reduction)
        if ignore_class is not None:
            raise NotImplementedError("[SparseCategoricalCrossentropy] ignore_class is not "
                                      "supported")
        self.from_logits = bool(from_logits)

    def call(self, y_true, y_pred):
        return sparse_categorical_crossentropy(y_true, y_pred, self.from_logits)

    def __call__(self, y_true, y_pred, sample_weight=None):
        if self.from_logits and sample_weight is None and self.reduction != "none":
            # one fused kernel: log-softmax + NLL, mean (or sum) over every sample
            t = _sparse_target(y_true, y_pred)
            C = int(y_pred.shape[-1])
            return F.cross_entropy(_v.reshape(y_pred, -1, C), _v.reshape(t, -1),
                                   reduction="mean" if self.reduction != "sum" else "sum")
        return super().__call__(y_true, y_pred, sample_weight)


class CategoricalCrossentropy(Loss):
    """``CategoricalCrossentropy(from_logits=False, label_smoothing=0.0)``: one-hot targets."""

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size",
                 name="categorical_crossentropy", **kwargs):
        super().__init__(name, reduction)
        self.from_logits, self.label_smoothing = bool(from_logits), float(label_smoothing)

    def call(self, y_true, y_pred):
        return categorical_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing)


class BinaryCrossentropy(Loss):
    """``BinaryCrossentropy(from_logits=False, label_smoothing=0.0)``."""

    def __init__(self, from_logits=False, label_smoothing=0.0, reduction="sum_over_batch_size",
                 name="binary_crossentropy", **kwargs):
        super().__init__(name, reduction)
        self.from_logits, self.label_smoothing = bool(from_logits), float(label_smoothing)

    def call(self, y_true, y_pred):
        return binary_crossentropy(y_true, y_pred, self.from_logits, self.label_smoothing)


class MeanSquaredError(Loss):
    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", **kwargs):
        super().__init__(name, reduction)

    def call(self, y_true, y_pred):
        return mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(Loss):
    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", **kwargs):
        super().__init__(name, reduction)

    def call(self, y_true, y_pred):
        return mean_absolute_error(y_true, y_pred)


class Huber(Loss):
    """``Huber(delta=1.0)``: 0.5 d^2 where |d| <= delta, else delta |d| - delta^2 / 2."""

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss", **kwargs):
        super().__init__(name, reduction)
        self.delta = float(delta)

    def call(self, y_true, y_pred):
        return huber(y_true, y_pred, self.delta)


class _FnLoss(Loss):
    def __init__(self, fn):
        super().__init__(getattr(fn, "__name__", "loss"))
        self.fn = fn

    def call(self, y_true, y_pred):
        return self.fn(y_true, y_pred)


_BY_NAME = {
    "sparse_categorical_crossentropy": SparseCategoricalCrossentropy,
    "categorical_crossentropy": CategoricalCrossentropy,
    "binary_crossentropy": BinaryCrossentropy,
    "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
    "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError,
    "huber": Huber, "huber_loss": Huber,
}


def get(identifier):
    if isinstance(identifier, Loss):
        return identifier
    if isinstance(identifier, str):
        if identifier.lower() not in _BY_NAME:
            raise ValueError(f"[losses] unknown loss {identifier!r}; known: "
                             f"{', '.join(sorted(_BY_NAME))}")
        return _BY_NAME[identifier.lower()]()
    if callable(identifier):
        return _FnLoss(identifier)
    raise ValueError(f"[losses] expected a loss name, a Loss or a callable, got {identifier!r}")
