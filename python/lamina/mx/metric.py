"""``mx.metric``: EvalMetric, Accuracy, CrossEntropy and ``create('acc')``."""
from __future__ import annotations

import numpy as np

__all__ = ["EvalMetric", "Accuracy", "CrossEntropy", "create"]


def _np(a):
    return a.asnumpy() if hasattr(a, "asnumpy") else np.asarray(a)


class EvalMetric:
    def __init__(self, name, output_names=None, label_names=None):
        self.name, self.output_names, self.label_names = name, output_names, label_names
        self.reset()

    def reset(self):
        self.num_inst, self.sum_metric = 0, 0.0

    def update(self, labels, preds):
        raise NotImplementedError

    def update_dict(self, label, pred):
        self.update(list(label.values()), list(pred.values()))

    def get(self):
        return (self.name, float("nan") if self.num_inst == 0 else
                self.sum_metric / self.num_inst)

    def get_name_value(self):
        name, value = self.get()
        return [(name, value)]

    def __str__(self):
        return "EvalMetric: {}".format(dict(self.get_name_value()))


class Accuracy(EvalMetric):
    """Fraction of rows whose argmax over ``axis`` equals the label."""

    def __init__(self, axis=1, name="accuracy", output_names=None, label_names=None):
        self.axis = axis
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        for label, pred in zip(labels, preds):
            p, lab = _np(pred), _np(label)
            if p.shape != lab.shape:
                p = np.argmax(p, axis=self.axis)
            p, lab = p.astype(np.int64).ravel(), lab.astype(np.int64).ravel()
            if p.shape != lab.shape:
                raise ValueError(f"[Accuracy] {lab.shape[0]} labels for {p.shape[0]} "
                                 "predictions")
            self.sum_metric += float((p == lab).sum())
            self.num_inst += len(p)


class CrossEntropy(EvalMetric):
    def __init__(self, eps=1e-12, name="cross-entropy", output_names=None, label_names=None):
        self.eps = eps
        super().__init__(name, output_names, label_names)

    def update(self, labels, preds):
        for label, pred in zip(labels, preds):
            p, lab = _np(pred), _np(label).ravel().astype(np.int64)
            prob = p[np.arange(lab.shape[0]), lab]
            self.sum_metric += float((-np.log(prob + self.eps)).sum())
            self.num_inst += lab.shape[0]


_BY_NAME = {"acc": Accuracy, "accuracy": Accuracy, "ce": CrossEntropy,
            "cross-entropy": CrossEntropy}


def create(metric, *args, **kwargs):
    if isinstance(metric, EvalMetric):
        return metric
    try:
        return _BY_NAME[metric.lower()](*args, **kwargs)
    except (KeyError, AttributeError):
        raise ValueError(f"[metric] unknown metric {metric!r}") from None
