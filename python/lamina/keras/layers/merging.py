"""Merging layers: Add and Concatenate, over a list of inputs."""
from __future__ import annotations

from ...autograd.functions.index import cat as _cat
from .._core import Layer


class _Merge(Layer):
    def _check_input(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) < 1 or \
                not all(isinstance(s, tuple) for s in shapes):
            raise self._error(f"expected a list of inputs, got {shapes!r}")


class Add(_Merge):
    """``Add()``: the elementwise sum of a list of inputs of one shape (batch broadcast)."""

    def _check_input(self, shapes):
        super()._check_input(shapes)
        if len(shapes) < 2:
            raise self._error("expected a list of at least 2 inputs")
        first = shapes[0]
        for s in shapes[1:]:
            if len(s) != len(first) or any(a is not None and b is not None and a != b and
                                           1 not in (a, b) for a, b in zip(s, first)):
                raise self._error(f"inputs must have the same shape, got {list(shapes)}")

    def call(self, inputs):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out

    def compute_output_shape(self, input_shape):
        shapes = list(input_shape)
        return tuple(next((d for d in dims if d not in (None, 1)), dims[0])
                     for dims in zip(*shapes))


class Concatenate(_Merge):
    """``Concatenate(axis=-1)``: inputs joined along ``axis``; the others must match."""

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_input(self, shapes):
        super()._check_input(shapes)
        if len(shapes) < 2:
            raise self._error("expected a list of at least 2 inputs")
        nd = len(shapes[0])
        if any(len(s) != nd for s in shapes) or not -nd <= self.axis < nd:
            raise self._error(f"inputs must have one rank containing axis {self.axis}, got "
                              f"{list(shapes)}")
        a = self.axis % nd
        for s in shapes[1:]:
            for d, (x, y) in enumerate(zip(s, shapes[0])):
                if d != a and x is not None and y is not None and x != y:
                    raise self._error(f"inputs must match except on the concat axis "
                                      f"{self.axis}, got {list(shapes)}")

    def call(self, inputs):
        return _cat(list(inputs), self.axis % inputs[0].ndim)

    def compute_output_shape(self, input_shape):
        shapes = list(input_shape)
        a = self.axis % len(shapes[0])
        out = list(shapes[0])
        sizes = [s[a] for s in shapes]
        out[a] = None if None in sizes else sum(sizes)
        return tuple(out)
