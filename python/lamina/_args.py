"""Argument parsing shared by the Python API: sizes given as ints or one sequence."""
from __future__ import annotations


def size_arg(op, size):
    """``f(2, 3)`` and ``f((2, 3))`` both mean shape (2, 3)."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    out = []
    for s in size:
        if isinstance(s, bool) or not hasattr(s, "__index__"):
            raise TypeError(f"[{op}] sizes must be integers, got {s!r}")
        s = s.__index__()
        out.append(s)
    return out


def check_sizes(op, size):
    for s in size:
        if s < 0:
            raise ValueError(f"[{op}] negative dimension {s} in size {tuple(size)}")
    return size
