"""Keras metrics as running means over an epoch (total / count, each sample counted once):
accuracy (resolved by the loss, as Keras's compile does), the categorical / sparse / binary
accuracies, MSE and MAE, and Mean (the loss tracker)."""
from __future__ import annotations

from .. import _C
from ..autograd.functions import views as _v
from . import losses as _losses


class Metric:
    def __init__(self, name=None, dtype=None):
        self.name = name or type(self).__name__.lower()
        self.reset_state()

    def reset_state(self):
        self.total, self.count = 0.0, 0.0

    def result(self):
        return self.total / self.count if self.count else 0.0

    def _values(self, y_true, y_pred):
        raise NotImplementedError

    def update_state(self, y_true, y_pred, sample_weight=None):
        v = self._values(y_true, y_pred)
        self.total += float(v.to(_C.DType.float64).sum().item())
        self.count += float(v.numel())


class Mean(Metric):
    """The weighted mean of the values given to ``update_state(value, sample_weight=1)``."""

    def update_state(self, values, sample_weight=1.0):
        v = float(values.item()) if hasattr(values, "item") else float(values)
        self.total += v * float(sample_weight)
        self.count += float(sample_weight)


class SparseCategoricalAccuracy(Metric):
    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(name)

    def _values(self, y_true, y_pred):
        t = y_true
        if t.ndim == y_pred.ndim and t.shape[-1] == 1:
            t = _v.squeeze(t, -1)
        return y_pred.argmax(-1).eq(t.to(_C.DType.int64))


class CategoricalAccuracy(Metric):
    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(name)

    def _values(self, y_true, y_pred):
        return y_pred.argmax(-1).eq(y_true.argmax(-1))


class BinaryAccuracy(Metric):
    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(name)
        self.threshold = float(threshold)

    def _values(self, y_true, y_pred):
        t = _losses._match_rank(y_true, y_pred)
        return y_pred.gt(self.threshold).to(y_pred.dtype).eq(t.to(y_pred.dtype))


class Accuracy(Metric):
    """Exact equality of predictions and targets."""

    def _values(self, y_true, y_pred):
        return y_pred.eq(y_true.to(y_pred.dtype))


class MeanSquaredError(Metric):
    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(name)

    def _values(self, y_true, y_pred):
        return _losses.mean_squared_error(y_true, y_pred)


class MeanAbsoluteError(Metric):
    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(name)

    def _values(self, y_true, y_pred):
        return _losses.mean_absolute_error(y_true, y_pred)


def get(identifier, loss=None):
    """A Metric for a name or object; 'accuracy' / 'acc' follow the loss as in Keras."""
    if isinstance(identifier, Metric):
        return identifier
    key = identifier.lower() if isinstance(identifier, str) else None
    if key in ("accuracy", "acc"):
        if isinstance(loss, _losses.BinaryCrossentropy):
            m = BinaryAccuracy()
        elif isinstance(loss, _losses.SparseCategoricalCrossentropy):
            m = SparseCategoricalAccuracy()
        elif isinstance(loss, _losses.CategoricalCrossentropy):
            m = CategoricalAccuracy()
        else:
            m = Accuracy()
        m.name = identifier
        return m
    table = {"sparse_categorical_accuracy": SparseCategoricalAccuracy,
             "categorical_accuracy": CategoricalAccuracy, "binary_accuracy": BinaryAccuracy,
             "mse": MeanSquaredError, "mean_squared_error": MeanSquaredError,
             "mae": MeanAbsoluteError, "mean_absolute_error": MeanAbsoluteError}
    if key in table:
        m = table[key]()
        m.name = identifier
        return m
    raise ValueError(f"[metrics] unknown metric {identifier!r}")
