"""The operator contract shared by ``nd`` and ``sym``, and MXNet's parameter parsing.

An :class:`Op` is built from MXNet's keyword parameters (ints, tuples, or the strings a symbol
file stores, e.g. ``kernel='(3, 3)'``) and validates them once. It names its inputs (``data``
first, then the learnable arguments), its auxiliary states, infers every input shape and the
output shape from the data shape, and runs forward on lamina tensors. Every error message
starts with the operator's name: ``[Convolution] kernel must have 2 entries, got (3,)``."""
from __future__ import annotations

import ast

__all__ = ["MXNetError", "Op", "OPS", "register", "fail"]

OPS = {}


class MXNetError(ValueError):
    """Bad parameters or shapes for an MXNet operator (a ValueError, like MXNet's own)."""


def fail(op, msg):
    raise MXNetError(f"[{op}] {msg}")


def register(cls):
    OPS[cls.name] = cls
    return cls


def _literal(op, name, v):
    if isinstance(v, str):
        try:
            return ast.literal_eval(v)
        except (ValueError, SyntaxError):
            fail(op, f"cannot parse {name}={v!r}")
    return v


def as_tuple(op, name, v, n=2, allow_empty=True):
    """An MXNet shape parameter: () / None (empty), an int (broadcast to ``n``), or n ints."""
    v = _literal(op, name, v)
    if v is None or v == ():
        if not allow_empty:
            fail(op, f"{name} is required")
        return ()
    if isinstance(v, bool):
        fail(op, f"{name} must be an int or a tuple of ints, got {v!r}")
    if isinstance(v, int):
        v = (v,) * n
    if not isinstance(v, (tuple, list)) or any(isinstance(e, bool) or not isinstance(e, int)
                                               for e in v):
        fail(op, f"{name} must be a tuple of ints, got {v!r}")
    if len(v) != n:
        fail(op, f"{name} must have {n} entries (only 2-D NCHW is supported), got {tuple(v)}")
    return tuple(int(e) for e in v)


def as_bool(op, name, v):
    v = _literal(op, name, v) if isinstance(v, str) and v not in ("true", "false") else v
    if v in ("true", "false"):
        return v == "true"
    if isinstance(v, (bool, int)) and v in (0, 1):
        return bool(v)
    fail(op, f"{name} must be a bool, got {v!r}")


def as_float(op, name, v):
    try:
        return float(v)
    except (TypeError, ValueError):
        fail(op, f"{name} must be a number, got {v!r}")


def as_int(op, name, v, minimum=None):
    v = _literal(op, name, v)
    if isinstance(v, bool) or not isinstance(v, int):
        fail(op, f"{name} must be an int, got {v!r}")
    if minimum is not None and v < minimum:
        fail(op, f"{name} must be >= {minimum}, got {v}")
    return int(v)


def as_choice(op, name, v, choices):
    if v not in choices:
        fail(op, f"{name} must be one of {', '.join(map(repr, choices))}, got {v!r}")
    return v


class Op:
    """One MXNet operator with its parameters parsed. Subclasses set ``name``, ``defaults``
    (MXNet's parameter names and defaults) and implement ``_parse``, ``infer`` and
    ``forward``."""

    name = "?"
    defaults = {}
    ignored = ("workspace", "cudnn_tune", "cudnn_off", "layout")  # accepted, no effect here

    def __init__(self, **kwargs):
        p = dict(self.defaults)
        for k, v in kwargs.items():
            if k not in p and k not in self.ignored:
                fail(self.name, f"unknown parameter {k!r}; expected one of "
                                f"{', '.join(sorted(self.defaults))}")
            p[k] = v
        self.attrs = dict(kwargs)
        self._checked = set()
        self._parse(p)

    def _parse(self, p):
        pass

    # names of the tensor inputs: data first, then learnable arguments (e.g. weight, bias)
    def arguments(self):
        return ("data",)

    def auxiliary(self):
        return ()

    def infer(self, data_shape):
        """(shapes of arguments() after data, output shape, shapes of auxiliary())."""
        return (), tuple(data_shape), ()

    def forward(self, inputs, aux, is_train):
        raise NotImplementedError

    def check_shapes(self, inputs, aux):
        """Every input and auxiliary state has the shape inferred from the data (each
        combination of shapes is checked once)."""
        try:
            key = tuple([t.shape for t in inputs] + [t.shape for t in aux])
        except AttributeError:
            key = None
        ok = self._checked
        if key in ok:
            return
        self._check_shapes(inputs, aux)
        if key is not None and len(ok) < 64:
            ok.add(key)

    def _check_shapes(self, inputs, aux):
        data = inputs[0]
        if data is None:
            fail(self.name, "missing the data input")
        arg_shapes, _, aux_shapes = self.infer(tuple(data.shape))
        for nm, t, want in zip(self.arguments()[1:] + self.auxiliary(), list(inputs[1:]) +
                               list(aux), list(arg_shapes) + list(aux_shapes)):
            if t is None:
                fail(self.name, f"missing input {nm!r}")
            if want is not None and tuple(t.shape) != tuple(want):
                fail(self.name, f"{nm} has shape {tuple(t.shape)}, expected {tuple(want)} for "
                                f"data of shape {tuple(data.shape)}")

    def __call__(self, inputs, aux=(), is_train=False):
        self.check_shapes(inputs, aux)
        try:
            return self.forward(inputs, aux, is_train)
        except (ValueError, RuntimeError, TypeError) as e:
            msg = str(e)
            if msg.startswith(f"[{self.name}]"):
                raise
            raise MXNetError(f"[{self.name}] {msg}") from e
