"""``lamina.save`` / ``lamina.load``: state dicts in the safetensors format.

A safetensors file is a flat mapping from names to arrays (an 8-byte header length, a JSON
header, then the raw data), so ``save`` takes a dict of names to tensors, such as
``model.state_dict()``; nested dicts and other values are refused. Files written by torch
(``safetensors.torch.save_file(model.state_dict(), path)``) load too: float16 and bfloat16
arrays come back as float32, smaller integer types as int64 (lamina's dtypes)."""
from __future__ import annotations

import json
import os
from collections import OrderedDict

import numpy as np

from . import _C
from . import creation as _creation
from .device import resolve as _dev

Tensor = _C.Tensor

__all__ = ["save", "load"]


def _safetensors():
    try:
        import safetensors.numpy as sn
        from safetensors import SafetensorError
    except ImportError as e:  # a declared dependency; say so if it is missing anyway
        raise ImportError("[save/load] the 'safetensors' package is required: "
                          "pip install 'safetensors>=0.4'") from e
    return sn, SafetensorError


def _to_numpy(key, value):
    if isinstance(value, Tensor):
        arr = value.detach()
        if arr.device.type != "cpu":
            arr = _C.to(arr, _dev("cpu"), arr.dtype, False)
        return np.asarray(arr.numpy(), order="C")
    if isinstance(value, np.ndarray):
        if value.dtype == object:
            raise TypeError(f"[save] value for key {key!r} is an object array; expected numbers")
        return np.asarray(value, order="C")
    raise TypeError(f"[save] value for key {key!r} has type {type(value).__name__}; lamina.save "
                    "writes safetensors files, a flat dict of names to tensors (e.g. "
                    "model.state_dict())")


def save(state_dict, path, metadata=None):
    """Write ``state_dict`` (names -> lamina tensors or numpy arrays) to ``path`` (a path or a
    binary file object) in the safetensors format. ``metadata``: optional str -> str dict."""
    sn, _ = _safetensors()
    if not isinstance(state_dict, dict):
        raise TypeError(f"[save] expected a dict of names to tensors, got "
                        f"{type(state_dict).__name__}")
    arrays = {}
    for key, value in state_dict.items():
        if not isinstance(key, str):
            raise TypeError(f"[save] keys must be strings, got {key!r}")
        arrays[key] = _to_numpy(key, value)
    if metadata is not None:
        if not isinstance(metadata, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in metadata.items()):
            raise TypeError("[save] metadata must be a dict of str to str")
    if hasattr(path, "write"):
        path.write(sn.save(arrays, metadata=metadata))
        return
    sn.save_file(arrays, os.fspath(path), metadata=metadata)


def _widen(arr):
    # bfloat16 arrays arrive as such once ml_dtypes (imported by keras, jax) is loaded
    if arr.dtype == np.float16 or arr.dtype.name == "bfloat16":
        return arr.astype(np.float32)
    if arr.dtype.kind in "iu" and arr.dtype != np.int64:
        return arr.astype(np.int64)
    return arr


_NP = {"F64": "<f8", "F32": "<f4", "F16": "<f2", "I64": "<i8", "I32": "<i4", "I16": "<i2",
       "I8": "i1", "U64": "<u8", "U32": "<u4", "U16": "<u2", "U8": "u1", "BOOL": "?"}


def _read_bf16(data, name):
    """Decode a file holding dtypes numpy lacks (bfloat16) from its header: each bfloat16 is
    the top half of a float32."""
    n = int.from_bytes(data[:8], "little")
    header = json.loads(data[8:8 + n])
    out = OrderedDict()
    base = 8 + n
    for key, entry in header.items():
        if key == "__metadata__":
            continue
        start, end = entry["data_offsets"]
        raw = data[base + start:base + end]
        if entry["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        elif entry["dtype"] in _NP:
            arr = np.frombuffer(raw, dtype=_NP[entry["dtype"]])
        else:
            raise ValueError(f"[load] {name}: tensor {key!r} has dtype {entry['dtype']}, "
                             "which lamina cannot represent")
        out[key] = arr.reshape(entry["shape"]).copy()
    return out


def _load_arrays(path):
    sn, SafetensorError = _safetensors()
    if hasattr(path, "read"):
        data, name = path.read(), getattr(path, "name", "<file object>")
    else:
        data, name = None, os.fspath(path)
        if not os.path.isfile(name):
            raise FileNotFoundError(f"[load] no such file: {name}")
    try:
        return sn.load(data) if data is not None else sn.load_file(name)
    except SafetensorError as e:
        raise ValueError(f"[load] {name} is not a valid safetensors file (corrupt or "
                         f"truncated?): {e}") from None
    except TypeError:  # a dtype numpy does not know (bfloat16): the header was valid
        try:
            if data is None:
                with open(name, "rb") as f:
                    data = f.read()
            return _read_bf16(data, name)
        except Exception as e:  # noqa: BLE001
            if str(e).startswith("[load]"):
                raise
            raise ValueError(f"[load] {name}: could not decode the file: {e}") from None
    except Exception as e:  # noqa: BLE001  anything else the reader raises on a bad file
        raise ValueError(f"[load] {name} could not be read as safetensors: "
                         f"{type(e).__name__}: {e}") from None


def load(path, device="cpu"):
    """Read a safetensors file into an ordered dict of names to lamina tensors on ``device``
    (pass it to ``module.load_state_dict``). Bad files raise ValueError("[load] ...")."""
    dev = _dev(device)
    out = OrderedDict()
    for key, arr in _load_arrays(path).items():
        t = _creation.tensor(np.asarray(_widen(arr), order="C"))
        out[key] = t if t.device == dev else _C.to(t, dev, t.dtype, False)
    return out
