"""``ReduceOp`` and ``Work``: the reduction names and the handle of a collective in flight."""
from __future__ import annotations

import enum

__all__ = ["ReduceOp", "Work"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` / ``reduce_scatter`` combine the ranks' values element by element.
    ``AVG`` is the sum divided by the world size (floating tensors only)."""
    SUM = "sum"
    AVG = "avg"
    MAX = "max"
    MIN = "min"


class Work:
    """A collective in flight (``async_op=True``); ``wait()`` completes it.

    ``requests``: the backend's pending requests (MPI requests; none for NCCL, whose kernels
    are ordered on the stream); ``finish``: callables run once, in order, after completion
    (the division of AVG, the write-back of a staging copy); ``keep``: objects (buffers) that
    must live until then."""

    def __init__(self, requests=(), finish=(), keep=(), waitall=None, testall=None):
        self._requests = list(requests)
        self._finish = list(finish)
        self._keep = list(keep)
        self._waitall = waitall
        self._testall = testall
        self._done = False

    def is_completed(self) -> bool:
        """True once the transfer has finished (it may still need ``wait()`` to finish up)."""
        if self._done or not self._requests:
            return True
        return bool(self._testall(self._requests))

    def wait(self, timeout=None) -> bool:
        if self._done:
            return True
        if self._requests:
            self._waitall(self._requests)
        self._done = True
        finish, self._finish, self._keep = self._finish, [], []
        for fn in finish:
            fn()
        return True

    def __repr__(self):
        return f"<Work {'done' if self._done else 'pending'}>"
