"""dtypes: float32 (the default), float64, int64, bool."""
from __future__ import annotations

import builtins

import numpy as np

from . import _C

dtype = _C.DType
float32 = _C.DType.float32
float64 = _C.DType.float64
int64 = _C.DType.int64
bool_ = _C.DType.bool
float = float32  # torch-style aliases
double = float64
long = int64

_C.DType.__repr__ = lambda self: "lamina." + self.name
_C.DType.__str__ = lambda self: "lamina." + self.name

_NUMPY = {float32: np.float32, float64: np.float64, int64: np.int64, bool_: np.bool_}
_BY_NAME = {"float32": float32, "float": float32, "float64": float64, "double": float64,
            "int64": int64, "long": int64, "bool": bool_}


def to_numpy_dtype(dt):
    return _NUMPY[dt]


def resolve(dt, default=None):
    """Accept lamina dtypes, their names, numpy dtypes and Python types."""
    if dt is None:
        return default
    if isinstance(dt, _C.DType):
        return dt
    if isinstance(dt, str) and dt in _BY_NAME:
        return _BY_NAME[dt]
    if dt is builtins.float:
        return float32
    if dt is builtins.int:
        return int64
    if dt is builtins.bool:
        return bool_
    try:
        nd = np.dtype(dt)
    except TypeError:
        raise TypeError(f"[dtype] unsupported dtype {dt!r}; lamina has float32, float64, int64 "
                        "and bool") from None
    if nd.kind == "f":
        return float64 if nd.itemsize == 8 else float32
    if nd.kind in "iu":
        return int64
    if nd.kind == "b":
        return bool_
    raise TypeError(f"[dtype] unsupported dtype {dt!r}; lamina has float32, float64, int64 and bool")


def from_numpy_dtype(nd):
    """The lamina dtype an array of numpy dtype ``nd`` is stored as (int32 widens to int64)."""
    return resolve(nd)
