"""Searching sorted sequences: searchsorted and bucketize (one binary-search kernel,
csrc/kernels/sort.h) and histc (bucket indices, then a scatter-add of ones). None of them has
a gradient (their outputs are positions and counts)."""
from __future__ import annotations

from ... import _C
from ..._registry import export


def _tensor(op, name, t):
    if not isinstance(t, _C.Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina Tensor, got {type(t).__name__}")
    return t.detach()


@export
def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,
                 sorter=None):
    """Indices that keep ``sorted_sequence`` (ascending along its last dim) sorted when each
    value of ``input`` is inserted: the first position with seq >= v (``right`` / side='right':
    seq > v). A 1-D sequence serves every value; an N-D one pairs its rows with input's."""
    seq = _tensor("searchsorted", "sorted_sequence", sorted_sequence)
    if side is not None:
        if side not in ("left", "right"):
            raise ValueError(f"[searchsorted] side must be 'left' or 'right', got {side!r}")
        if right and side == "left":
            raise ValueError("[searchsorted] side='left' and right=True contradict each other")
        right = side == "right"
    if sorter is not None:
        seq = seq.gather(-1, _tensor("searchsorted", "sorter", sorter))
    scalar = not isinstance(input, _C.Tensor)
    values = _C.full([], float(input), seq.dtype, seq.device) if scalar else input.detach()
    if values.dtype != seq.dtype:
        common = _C.DType.float64 if _C.DType.float64 in (seq.dtype, values.dtype) else \
            _C.DType.float32
        seq, values = seq.to(common), values.to(common)
    if out_int32:
        raise ValueError("[searchsorted] out_int32=True is not supported: lamina has no int32")
    return _C.searchsorted(seq, values, bool(right))


@export
def bucketize(input, boundaries, *, out_int32=False, right=False):
    """For each value, the index of its bucket among the ascending 1-D ``boundaries``:
    boundaries[i - 1] < x <= boundaries[i] (``right``: boundaries[i - 1] <= x < boundaries[i])."""
    b = _tensor("bucketize", "boundaries", boundaries)
    if b.ndim != 1:
        raise ValueError(f"[bucketize] boundaries must be 1-D, got {list(b.shape)}")
    return searchsorted(b, input, out_int32=out_int32, right=right)


@export
def histc(input, bins=100, min=0, max=0):
    """Counts of ``input`` in ``bins`` equal-width bins over [min, max] (both 0: the data's
    range); values outside are ignored, a value equal to max counts in the last bin."""
    x = _tensor("histc", "input", input)
    if not x.dtype.is_floating_point:
        raise TypeError(f"[histc] expected a float32 or float64 input, got {x.dtype}")
    if isinstance(bins, bool) or not isinstance(bins, int) or bins < 1:
        raise ValueError(f"[histc] bins must be a positive int, got {bins!r}")
    flat = x.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and flat.numel():
        lo, hi = float(flat.min()), float(flat.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if lo > hi:
        raise ValueError(f"[histc] max must be larger than min, got min={min}, max={max}")
    inside = (flat >= lo).logical_and(flat <= hi)
    idx = ((flat - lo) * (bins / (hi - lo))).floor().clamp(0, bins - 1).to(_C.DType.int64)
    counts = _C.full([bins], 0.0, x.dtype, x.device)
    return _C.scatter_add(counts, 0, idx, inside.to(x.dtype))
