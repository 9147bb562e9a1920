"""``unfold`` (im2col) and ``fold`` (col2im) with torch's semantics over (N, C, H, W): the
sliding blocks' positions are one int64 index into the padded plane, so unfold is one
index_select and fold its adjoint, one index_add (each the other's gradient)."""
from __future__ import annotations

import numpy as np

from .. import _C
from .. import dtypes as _dt
from ..creation import tensor as _tensor_from
from .conv import _pair
from .padding import pad as _pad

Tensor = _C.Tensor

__all__ = ["fold", "unfold"]


def _params(op, kernel_size, dilation, padding, stride):
    k, d = _pair("kernel_size", kernel_size, op), _pair("dilation", dilation, op)
    p, s = _pair("padding", padding, op), _pair("stride", stride, op)
    if min(k) < 1 or min(d) < 1 or min(s) < 1 or min(p) < 0:
        raise ValueError(f"[{op}] kernel_size, dilation and stride must be positive and padding "
                         f"non-negative, got {k}, {d}, {s}, {p}")
    return k, d, p, s


def _blocks(op, H, W, k, d, p, s):
    """(index (kh * kw * L,) into the padded H_p * W_p plane, L, padded sizes)."""
    Hp, Wp = H + 2 * p[0], W + 2 * p[1]
    oh = (Hp - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (Wp - d[1] * (k[1] - 1) - 1) // s[1] + 1
    if oh < 1 or ow < 1:
        raise ValueError(f"[{op}] the kernel {tuple(k)} with dilation {tuple(d)} does not fit the "
                         f"padded input ({Hp}, {Wp})")
    ki, kj, i, j = np.meshgrid(np.arange(k[0]), np.arange(k[1]), np.arange(oh), np.arange(ow),
                               indexing="ij")
    idx = (i * s[0] + ki * d[0]) * Wp + (j * s[1] + kj * d[1])
    return idx.reshape(-1).astype(np.int64), oh * ow, Hp, Wp


def unfold(input, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C, H, W) or (C, H, W) -> (N, C * kh * kw, L): every sliding block as a column."""
    op = "unfold"
    if not isinstance(input, Tensor) or input.ndim not in (3, 4):
        raise ValueError(f"[{op}] expected a 3-D or 4-D lamina tensor input")
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    x = input if input.ndim == 4 else input.unsqueeze(0)
    N, C, H, W = (int(v) for v in x.shape)
    idx, L, Hp, Wp = _blocks(op, H, W, k, d, p, s)
    if p != [0, 0]:
        x = _pad(x, (p[1], p[1], p[0], p[0]))
    cols = x.reshape(N, C, Hp * Wp).index_select(2, _tensor_from(idx, dtype=_dt.int64,
                                                                  device=x.device))
    out = cols.reshape(N, C * k[0] * k[1], L)
    return out if input.ndim == 4 else out.squeeze(0)


def fold(input, output_size, kernel_size, dilation=1, padding=0, stride=1):
    """(N, C * kh * kw, L) or (C * kh * kw, L) -> (N, C, H, W): the columns summed back into
    place (unfold's adjoint)."""
    op = "fold"
    if not isinstance(input, Tensor) or input.ndim not in (2, 3):
        raise ValueError(f"[{op}] expected a 2-D or 3-D lamina tensor input")
    k, d, p, s = _params(op, kernel_size, dilation, padding, stride)
    H, W = _pair("output_size", output_size, op)
    x = input if input.ndim == 3 else input.unsqueeze(0)
    N, CK, L = (int(v) for v in x.shape)
    if CK % (k[0] * k[1]):
        raise ValueError(f"[{op}] expected the size of dim 1 ({CK}) to be divisible by the "
                         f"kernel's {k[0] * k[1]} positions")
    idx, blocks, Hp, Wp = _blocks(op, H, W, k, d, p, s)
    if blocks != L:
        raise ValueError(f"[{op}] expected {blocks} blocks for output_size {(H, W)}, got L = {L}")
    C = CK // (k[0] * k[1])
    plane = _C.full([N, C, Hp * Wp], 0.0, x.dtype, x.device)
    out = plane.index_add(2, _tensor_from(idx, dtype=_dt.int64, device=x.device),
                          x.reshape(N, C, k[0] * k[1] * L)).reshape(N, C, Hp, Wp)
    out = out[:, :, p[0]:p[0] + H, p[1]:p[1] + W]
    return out if input.ndim == 3 else out.squeeze(0)
