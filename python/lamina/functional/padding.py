"""``pad(input, pad, mode='constant', value=None)`` with torch's semantics: ``pad`` holds
(before, after) pairs from the last dim backwards; negative amounts crop. 'constant' joins
blocks of ``value`` (cat); 'reflect', 'replicate' and 'circular' gather each padded dim with
one index_select (their gradients are the index_add of the same indices)."""
from __future__ import annotations

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt

Tensor = _C.Tensor

__all__ = ["pad", "pad_index"]

_MODES = ("constant", "reflect", "replicate", "circular")


def pad_index(size, before, after, mode, op="pad"):
    """Source index of each padded position along one dim of length ``size``."""
    if mode == "reflect" and (before >= size or after >= size):
        raise ValueError(f"[{op}] padding ({before}, {after}) must be smaller than the input "
                         f"size {size} for mode 'reflect'")
    if mode == "circular" and (before > size or after > size):
        raise ValueError(f"[{op}] padding ({before}, {after}) must be at most the input size "
                         f"{size} for mode 'circular'")
    if mode == "replicate" and size == 0:
        raise ValueError(f"[{op}] mode 'replicate' needs a non-empty dim")
    out = []
    for i in range(-before, size + after):
        if mode == "reflect":
            j = -i if i < 0 else (2 * (size - 1) - i if i >= size else i)
        elif mode == "replicate":
            j = min(max(i, 0), size - 1)
        else:  # circular
            j = i % size
        out.append(j)
    return out


def _constant_block(x, dim, n, value):
    shape = list(x.shape)
    shape[dim] = n
    return _creation.full(shape, value, dtype=x.dtype, device=x.device)


def pad(input, pad, mode="constant", value=None):
    """Pad (or with negative amounts crop) the last ``len(pad) // 2`` dims of ``input``."""
    if not isinstance(input, Tensor):
        raise TypeError(f"[pad] expected a lamina Tensor, got {type(input).__name__}")
    pad = list(pad)
    if len(pad) % 2 or any(isinstance(p, bool) or not isinstance(p, int) for p in pad):
        raise ValueError(f"[pad] pad must hold an even number of ints, got {pad!r}")
    if len(pad) // 2 > input.ndim:
        raise ValueError(f"[pad] {len(pad) // 2} dims to pad, but the input has {input.ndim}")
    if mode not in _MODES:
        raise ValueError(f"[pad] mode must be one of {_MODES}, got {mode!r}")
    if mode != "constant" and value not in (None, 0, 0.0):
        raise ValueError(f"[pad] value applies to mode 'constant' only, got mode {mode!r}")
    if mode != "constant" and len(pad) // 2 >= input.ndim:
        raise ValueError(f"[pad] mode {mode!r} pads the trailing dims of a batched input: "
                         f"{len(pad) // 2} dims of a {input.ndim}-D input leave no batch dim")
    x = input
    for k in range(len(pad) // 2):
        dim = x.ndim - 1 - k
        before, after = pad[2 * k], pad[2 * k + 1]
        size = int(x.shape[dim])
        if before < 0 or after < 0:  # crop first
            lo, hi = max(-before, 0), size - max(-after, 0)
            if hi < lo:
                raise ValueError(f"[pad] cropping ({before}, {after}) exceeds the size {size}")
            x = x.narrow(dim, lo, hi - lo)
            before, after, size = max(before, 0), max(after, 0), hi - lo
        if before == after == 0:
            continue
        if mode == "constant":
            v = 0.0 if value is None else value
            parts = ([_constant_block(x, dim, before, v)] if before else []) + [x] + \
                ([_constant_block(x, dim, after, v)] if after else [])
            x = _cat(parts, dim)
        else:
            idx = pad_index(size, before, after, mode)
            x = x.index_select(dim, _creation.tensor(idx, dtype=_dt.int64, device=x.device))
    return x


def _cat(parts, dim):
    from ..autograd.functions.index import cat
    return cat(parts, dim)
