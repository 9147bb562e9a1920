"""Whether operations are recorded on the tape: ``no_grad``, ``enable_grad``, ``set_grad_enabled``.

Grad mode is per thread, like PyTorch's; the flag lives in C (csrc/bindings/autograd.cpp),
where ``Function.apply`` reads it, and ``_state.enabled`` reads and sets it."""
from __future__ import annotations

import functools

from .. import _C


class _State:
    enabled = property(lambda self: _C._grad_enabled(),
                       lambda self, on: _C._set_grad_enabled(bool(on)))


_state = _State()


def is_grad_enabled() -> bool:
    return _C._grad_enabled()


class set_grad_enabled:
    """Set grad mode for a ``with`` block (or immediately, when not used as a context)."""

    def __init__(self, mode: bool):
        self.prev = _state.enabled
        _state.enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False


class _GradModeContext:
    mode = True

    def __enter__(self):
        self.prev = _state.enabled
        _state.enabled = self.mode
        return self

    def __exit__(self, *exc):
        _state.enabled = self.prev
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with self.__class__():
                return fn(*args, **kwargs)

        return wrapper


class no_grad(_GradModeContext):
    """Context manager and decorator: operations inside are not recorded."""

    mode = False


class enable_grad(_GradModeContext):
    """Context manager and decorator: operations inside are recorded (inside ``no_grad`` too)."""

    mode = True
