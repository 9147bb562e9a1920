"""Host memory: the caching allocator behind CPU tensors.

Blocks of 256 KiB and more are kept when freed and handed out again to the next tensor of the same
size (rounded up to 64 KiB), so a training loop does not fault its large outputs and gradients in
from the kernel on every step. The cache holds at most ``LAMINA_HOST_CACHE_MB`` megabytes (default:
a quarter of the physical memory, at most 2 GiB; ``0`` turns caching off); a block that would
overflow it empties the cache first. ``memory_cached()`` counts the bytes held in cached blocks,
not in any tensor; ``empty_cache()`` returns them to the system.
"""
from __future__ import annotations

from . import _C

__all__ = ["empty_cache", "memory_cached"]


def empty_cache() -> None:
    """Return every cached host block to the system (``memory_cached()`` drops to 0)."""
    _C.cpu_empty_cache()


def memory_cached() -> int:
    """Bytes in cached host blocks, held by lamina but in no tensor."""
    return _C.cpu_memory_cached()
