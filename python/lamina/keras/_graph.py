"""The functional API's placeholders: ``KerasTensor`` (a shape, a dtype and the layer call
that made it), ``Node`` (one layer call on KerasTensors), and the nested-structure helpers
(lists, tuples, dicts of tensors) the layers and models share."""
from __future__ import annotations


def flatten(x):
    if isinstance(x, (list, tuple)):
        return [leaf for item in x for leaf in flatten(item)]
    if isinstance(x, dict):
        return [leaf for k in x for leaf in flatten(x[k])]
    return [x]


def map_structure(fn, x):
    if isinstance(x, list):
        return [map_structure(fn, v) for v in x]
    if isinstance(x, tuple):
        return tuple(map_structure(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: map_structure(fn, v) for k, v in x.items()}
    return fn(x)


def is_shape(s):
    return isinstance(s, tuple) and all(d is None or isinstance(d, int) for d in s)


def shape_of(t):
    """A tensor's or KerasTensor's shape as a tuple; anything else unchanged."""
    return tuple(t.shape) if hasattr(t, "shape") and not isinstance(t, tuple) else t


class KerasTensor:
    """A placeholder of the functional API: a shape (None for the batch and unknown sizes),
    a dtype, and the layer call that produced it."""

    def __init__(self, shape, dtype="float32", name=None, history=None):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.name = name
        self._keras_history = history  # (layer, node, index)

    @property
    def ndim(self):
        return len(self.shape)

    def __repr__(self):
        return f"<KerasTensor shape={self.shape}, dtype={self.dtype}, name={self.name}>"


class Node:
    """One call of a layer on KerasTensors: its arguments (KerasTensors kept in place) and its
    output KerasTensors."""

    def __init__(self, layer, args, kwargs, outputs):
        self.layer, self.args, self.kwargs = layer, args, kwargs
        self.outputs = flatten(outputs)
        self.structure = outputs
        self.inputs = [t for t in flatten((args, kwargs)) if isinstance(t, KerasTensor)]


def is_symbolic(args, kwargs):
    return any(isinstance(t, KerasTensor) for t in flatten((list(args), kwargs)))
