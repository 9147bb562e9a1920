"""MXNet's automatic names: an operator without ``name=`` is called ``<op lowercased><k>``,
k counting per operator in the current NameManager (``fullyconnected0``, ...)."""
from __future__ import annotations

import threading

__all__ = ["NameManager", "Prefix", "current"]


class _Stack(threading.local):
    def __init__(self):
        self.managers = []


_stack = _Stack()


class NameManager:
    """``with mx.name.NameManager():`` starts the counters afresh inside the block."""

    def __init__(self):
        self._counter = {}

    def get(self, name, hint):
        if name:
            return name
        k = self._counter.get(hint, 0)
        self._counter[hint] = k + 1
        return f"{hint}{k}"

    def __enter__(self):
        _stack.managers.append(self)
        return self

    def __exit__(self, *exc):
        _stack.managers.pop()
        return False


class Prefix(NameManager):
    """Prefix every name made inside the block: ``with mx.name.Prefix('net_'):``."""

    def __init__(self, prefix):
        super().__init__()
        self._prefix = prefix

    def get(self, name, hint):
        return self._prefix + super().get(name, hint)


_default = NameManager()


def current():
    return _stack.managers[-1] if _stack.managers else _default
