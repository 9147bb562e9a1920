"""CUDA device queries. Importing lamina never touches the driver; these calls do."""
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
    """Return cached device blocks to the driver."""
    _C.cuda_empty_cache()


def memory_allocated(device=0) -> int:
    return _C.cuda_memory_allocated(int(device))


def memory_reserved(device=0) -> int:
    return _C.cuda_memory_reserved(int(device))
