"""``interpolate(input, size=None, scale_factor=None, mode='nearest', align_corners=None,
recompute_scale_factor=None)`` with torch's semantics over the spatial dims of (N, C, *):
'nearest' and 'nearest-exact' (1-3 spatial dims) gather one index per output position;
'linear' (3-D input) and 'bilinear' (4-D) are separable: along each spatial dim, two
index_selects and a lerp. Gradients come from those ops (index_add of the same indices)."""
from __future__ import annotations

import math

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt

Tensor = _C.Tensor

__all__ = ["interpolate"]

_LINEAR = {"linear": 3, "bilinear": 4}


def _sizes(op, x, size, scale_factor, recompute):
    """Output sizes and, per dim, the scale torch maps output to input coordinates with
    (in / out, or 1 / scale_factor when a scale is given and not recomputed)."""
    n = x.ndim - 2
    if (size is None) == (scale_factor is None):
        raise ValueError(f"[{op}] give exactly one of size and scale_factor")
    if size is not None:
        out = [size] * n if isinstance(size, int) else list(size)
        if len(out) != n or any(isinstance(s, bool) or not isinstance(s, int) or s < 1
                                for s in out):
            raise ValueError(f"[{op}] size must be {n} positive int(s) for a {x.ndim}-D input, "
                             f"got {size!r}")
        return out, [x.shape[2 + d] / out[d] for d in range(n)]
    sf = [scale_factor] * n if isinstance(scale_factor, (int, float)) else list(scale_factor)
    if len(sf) != n or any(not isinstance(s, (int, float)) or s <= 0 for s in sf):
        raise ValueError(f"[{op}] scale_factor must be {n} positive number(s), got "
                         f"{scale_factor!r}")
    out = [int(math.floor(x.shape[2 + d] * sf[d])) for d in range(n)]
    if any(o < 1 for o in out):
        raise ValueError(f"[{op}] scale_factor {scale_factor!r} gives an empty output")
    if recompute:
        return out, [x.shape[2 + d] / out[d] for d in range(n)]
    return out, [1.0 / s for s in sf]


def _index(values, device):
    return _creation.tensor(values, dtype=_dt.int64, device=device)


def _nearest(x, dim, out, scale, exact):
    n = int(x.shape[dim])
    if exact:
        idx = [min(int(math.floor((i + 0.5) * scale)), n - 1) for i in range(out)]
    else:
        idx = [min(int(math.floor(i * scale)), n - 1) for i in range(out)]
    return x.index_select(dim, _index(idx, x.device))


def _linear(x, dim, out, scale, align_corners):
    """Linear interpolation along ``dim``: x[i0] + (x[i1] - x[i0]) * lambda."""
    n = int(x.shape[dim])
    i0, i1, lam = [], [], []
    for i in range(out):
        if align_corners:
            src = i * (n - 1) / (out - 1) if out > 1 else 0.0
        else:
            src = max((i + 0.5) * scale - 0.5, 0.0)
        a = min(int(math.floor(src)), n - 1)
        i0.append(a)
        i1.append(min(a + 1, n - 1))
        lam.append(src - a)
    shape = [1] * x.ndim
    shape[dim] = out
    w = _creation.tensor(lam, dtype=x.dtype, device=x.device).reshape(shape)
    lo = x.index_select(dim, _index(i0, x.device))
    hi = x.index_select(dim, _index(i1, x.device))
    return lo + (hi - lo) * w


def interpolate(input, size=None, scale_factor=None, mode="nearest", align_corners=None,
                recompute_scale_factor=None, antialias=False):
    """Resize the spatial dims of ``input`` (N, C, *spatial)."""
    op = "interpolate"
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor, got {type(input).__name__}")
    if antialias:
        raise ValueError(f"[{op}] antialias=True is not supported")
    if mode in ("nearest", "nearest-exact"):
        if align_corners is not None:
            raise ValueError(f"[{op}] align_corners applies to the linear modes only")
        if not 3 <= input.ndim <= 5:
            raise ValueError(f"[{op}] mode {mode!r} takes a 3-D to 5-D input (N, C, *), got "
                             f"{input.ndim}-D")
    elif mode in _LINEAR:
        if input.ndim != _LINEAR[mode]:
            raise ValueError(f"[{op}] mode {mode!r} takes a {_LINEAR[mode]}-D input, got "
                             f"{input.ndim}-D")
    else:
        raise ValueError(f"[{op}] mode must be 'nearest', 'nearest-exact', 'linear' or "
                         f"'bilinear', got {mode!r}")
    out, scales = _sizes(op, input, size, scale_factor, recompute_scale_factor)
    x = input
    for d, (o, s) in enumerate(zip(out, scales)):
        dim = 2 + d
        if mode in _LINEAR:
            x = _linear(x, dim, o, s, bool(align_corners))
        else:
            x = _nearest(x, dim, o, s, mode == "nearest-exact")
    return x
