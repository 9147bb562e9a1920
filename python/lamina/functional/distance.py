"""Norms and distances along a dim: normalize, cosine_similarity, pairwise_distance (torch's
signatures and eps rules), composed of ``norm`` and elementwise ops."""
from __future__ import annotations

from .. import _C
from ..autograd.functions.linalg import norm as _norm

Tensor = _C.Tensor

__all__ = ["normalize", "cosine_similarity", "pairwise_distance"]


def _float(op, name, x):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got {type(x).__name__}")
    if not x.dtype.is_floating_point:
        raise TypeError(f"[{op}] expected a floating {name}, got {x.dtype}")


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):
    """input / max(||input||_p, eps) along ``dim``."""
    _float("normalize", "input", input)
    if out is not None:
        raise TypeError("[normalize] out= is not supported")
    return input / _norm(input, p, dim, True).clamp(min=eps)


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """sum(x1 x2) / (max(||x1||, eps) max(||x2||, eps)) along ``dim`` (inputs broadcast)."""
    _float("cosine_similarity", "x1", x1)
    _float("cosine_similarity", "x2", x2)
    n1 = _norm(x1, 2, dim, True).clamp(min=eps)
    n2 = _norm(x2, 2, dim, True).clamp(min=eps)
    return ((x1 / n1) * (x2 / n2)).sum(dim)


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """||x1 - x2 + eps||_p over the last dim (inputs broadcast)."""
    _float("pairwise_distance", "x1", x1)
    _float("pairwise_distance", "x2", x2)
    d = x1 - x2 + eps
    if d.ndim == 0:
        return _norm(d.reshape(1), p, 0, keepdim).reshape(())
    return _norm(d, p, -1, keepdim)
