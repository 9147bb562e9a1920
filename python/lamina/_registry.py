"""Tensor methods are registered where each op is defined, not from name lists.

``@tensor_method`` installs a function on ``lamina.Tensor`` under its own name (or the names
given); ``export=True`` also makes it a ``lamina.<name>`` function (``lamina.exp(x)``), which
``lamina/__init__.py`` picks up from ``exported``; ``@export`` makes a ``lamina.<name>``
function that is no Tensor method. ``@tensor_property`` installs a property."""
from __future__ import annotations

from . import _C

Tensor = _C.Tensor

exported: dict = {}  # name -> function, for lamina/__init__.py


def tensor_method(*names, export=False):
    """``@tensor_method`` / ``@tensor_method("name", "__dunder__", export=True)``: install the
    function as ``Tensor.<name>`` for each name (default: its ``__name__``); with ``export``,
    the first name is also ``lamina.<name>``."""
    if len(names) == 1 and callable(names[0]):  # bare @tensor_method
        return tensor_method()(names[0])

    def register(fn):
        for name in names or (fn.__name__,):
            setattr(Tensor, name, fn)
        if export:
            exported[names[0] if names else fn.__name__] = fn
        return fn
    return register


def export(fn):
    """``@export``: ``fn`` is ``lamina.<its name>`` (and no Tensor method)."""
    exported[fn.__name__] = fn
    return fn


def tensor_property(name):
    """``@tensor_property("T")``: install the getter as the read-only property ``Tensor.T``."""
    def register(fn):
        setattr(Tensor, name, property(fn))
        return fn
    return register
