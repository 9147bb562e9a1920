"""pixel_shuffle / pixel_unshuffle: (*, C r^2, H, W) <-> (*, C, H r, W r), one reshape, one
permute and one reshape (the copy is the permute's)."""
from __future__ import annotations

from .. import _C

Tensor = _C.Tensor

__all__ = ["pixel_shuffle", "pixel_unshuffle"]


def _check(op, input, factor, name):
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina tensor, got {type(input).__name__}")
    if isinstance(factor, bool) or not isinstance(factor, int) or factor <= 0:
        raise ValueError(f"[{op}] {name} must be a positive integer, got {factor!r}")
    if input.ndim < 3:
        raise ValueError(f"[{op}] expected an input of at least 3 dims, got {input.ndim}")


def pixel_shuffle(input, upscale_factor):
    """(*, C r^2, H, W) -> (*, C, H r, W r):
    out[c, h r + i, w r + j] = in[c r^2 + i r + j, h, w]."""
    op, r = "pixel_shuffle", upscale_factor
    _check(op, input, r, "upscale_factor")
    *lead, c, h, w = input.shape
    if c % (r * r):
        raise ValueError(f"[{op}] the channel dim {c} is not divisible by upscale_factor^2 = "
                         f"{r * r}")
    k = len(lead)
    x = input.reshape(lead + [c // (r * r), r, r, h, w])
    x = x.permute(list(range(k)) + [k, k + 3, k + 1, k + 4, k + 2])
    return x.reshape(lead + [c // (r * r), h * r, w * r])


def pixel_unshuffle(input, downscale_factor):
    """The inverse of pixel_shuffle: (*, C, H r, W r) -> (*, C r^2, H, W)."""
    op, r = "pixel_unshuffle", downscale_factor
    _check(op, input, r, "downscale_factor")
    *lead, c, h, w = input.shape
    if h % r or w % r:
        raise ValueError(f"[{op}] the spatial dims ({h}, {w}) are not divisible by "
                         f"downscale_factor {r}")
    k = len(lead)
    x = input.reshape(lead + [c, h // r, r, w // r, r])
    x = x.permute(list(range(k)) + [k, k + 2, k + 4, k + 1, k + 3])
    return x.reshape(lead + [c * r * r, h // r, w // r])
