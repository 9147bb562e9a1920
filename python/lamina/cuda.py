"""CUDA device queries and the caching allocator. Importing lamina never touches the driver;
these calls do.

Streams. All lamina work (kernels, copies, memsets) runs on the legacy default stream, in
order; lamina has no stream API. Freed device memory goes back to a caching allocator
(``memory_allocated()`` counts the bytes in live tensors, ``memory_reserved()`` also the cached
blocks, ``empty_cache()`` returns the cached blocks to the driver; ``LAMINA_CUDA_NO_CACHE=1``
turns caching off) and is handed out again to the next lamina allocation without any
synchronisation: safe for lamina's own work, which is ordered on the one stream.

Memory shared with another library (``torch.from_dlpack(t)``, ``cupy.asarray(t)`` through
``__cuda_array_interface__``, ``lamina.from_dlpack(x)``) follows one rule:

- Export: ``__dlpack__(stream=s)`` synchronises lamina's work before the consumer reads, but a
  consumer that works on lamina memory on another stream (e.g. a ``torch.cuda.Stream``, which is
  non-blocking) must synchronise that stream before it drops its last reference to the memory
  (``del`` of the torch tensor / CuPy array and of the lamina tensor): after that the block may
  be reused by the next lamina kernel at once.
- Import: ``lamina.from_dlpack`` asks the producer to order its work before lamina's (the legacy
  stream); before the producer frees or overwrites the memory from a non-blocking stream, call
  ``lamina.cuda.synchronize()``.

The caching allocator records no stream events on free: an event on the legacy stream would
order nothing more than the stream already does, and lamina does not know the consumer's
streams (see csrc/cuda/allocator.cu).
"""
from __future__ import annotations

from . import _C


def is_compiled() -> bool:
    """True when this build contains the CUDA kernels."""
    return _C.cuda_compiled()


def device_count() -> int:
    return _C.cuda_device_count()[0]


def is_available() -> bool:
    """True when lamina has CUDA kernels and a usable device."""
    return device_count() > 0


def unavailable_reason():
    """Why ``is_available()`` is False (None when it is True)."""
    n, why = _C.cuda_device_count()
    return None if n > 0 else why


def get_device_name(device=0) -> str:
    return _C.cuda_device_name(int(device))


def synchronize(device=0):
    _C.cuda_synchronize(int(device))


def empty_cache():
    """Return cached device blocks to the driver (``memory_reserved()`` drops to
    ``memory_allocated()``)."""
    _C.cuda_empty_cache()


def memory_allocated(device=0) -> int:
    """Bytes of device memory in live lamina tensors and buffers on ``device``, in the
    allocator's rounded block sizes (512-byte multiples up to 1 MiB, then 2 MiB multiples)."""
    return _C.cuda_memory_allocated(int(device))


def memory_reserved(device=0) -> int:
    """Bytes the allocator holds from the driver on ``device``: ``memory_allocated()`` plus the
    cached free blocks (equal with ``LAMINA_CUDA_NO_CACHE=1``)."""
    return _C.cuda_memory_reserved(int(device))
