"""F.pad (constant with crops, reflect, replicate, circular) and F.interpolate (nearest,
nearest-exact, linear, bilinear with and without align_corners; size or scale_factor) through
check_op against NumPy float64 references (np.pad; interpolation as a dense matrix per dim),
torch when installed, every device; the modules; bad calls that must raise errors naming the
op."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import check_op
from reference import torch

NP_MODE = {"constant": "constant", "reflect": "reflect", "replicate": "edge", "circular": "wrap"}


def np_pad(x, pad, mode, value=0.0):
    widths = [(0, 0)] * x.ndim
    for k in range(len(pad) // 2):
        widths[x.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    crop = tuple(slice(max(-a, 0), x.shape[d] - max(-b, 0)) for d, (a, b) in enumerate(widths))
    x = x[crop]
    widths = [(max(a, 0), max(b, 0)) for a, b in widths]
    kw = {"constant_values": value} if mode == "constant" else {}
    return np.pad(x, widths, mode=NP_MODE[mode], **kw)


@pytest.mark.parametrize("mode,pad", [("constant", (1, 2)), ("constant", (2, -1, 0, 3)),
                                      ("reflect", (2, 1, 1, 3)), ("replicate", (3, 0, 2, 2)),
                                      ("circular", (1, 4, 2, 0)), ("reflect", (1, 1, 1, 1, 1, 1))])
def test_pad(mode, pad, device, rng):
    for shape in [(2, 3, 5, 7), (1, 1, 33, 6), (3, 4, 7, 5)]:
        if len(pad) == 6 and shape[1] < 2:  # reflect needs each padded dim longer than its pad
            continue
        check_op(lambda x: F.pad(x, pad, mode=mode), [shape], lambda x: np_pad(x, pad, mode),
                 lambda x: torch.nn.functional.pad(x, pad, mode=mode), rng=rng, device=device,
                 fd_numel=30, name=f"pad {mode} {pad} {shape}")
    check_op(lambda x: F.pad(x, (1, 1), value=2.5), [(7,)],
             lambda x: np_pad(x, (1, 1), "constant", 2.5), rng=rng, device=device)


def _matrix(n_in, n_out, scale, mode, align_corners):
    """(n_out, n_in): output row i as weights over the input (torch's coordinate rules)."""
    A = np.zeros((n_out, n_in))
    for i in range(n_out):
        if mode == "nearest":
            A[i, min(int(math.floor(i * scale)), n_in - 1)] = 1
        elif mode == "nearest-exact":
            A[i, min(int(math.floor((i + 0.5) * scale)), n_in - 1)] = 1
        else:
            if align_corners:
                src = i * (n_in - 1) / (n_out - 1) if n_out > 1 else 0.0
            else:
                src = max((i + 0.5) * scale - 0.5, 0.0)
            a = min(int(math.floor(src)), n_in - 1)
            A[i, a] += 1 - (src - a)
            A[i, min(a + 1, n_in - 1)] += src - a
    return A


def np_interpolate(x, out, scales, mode, align_corners):
    for d, (o, s) in enumerate(zip(out, scales)):
        A = _matrix(x.shape[2 + d], o, s, mode, align_corners)
        x = np.moveaxis(np.tensordot(A, np.moveaxis(x, 2 + d, 0), axes=1), 0, 2 + d)
    return x


@pytest.mark.parametrize("mode,align", [("nearest", None), ("nearest-exact", None),
                                        ("bilinear", False), ("bilinear", True)])
@pytest.mark.parametrize("how", [{"size": (9, 4)}, {"scale_factor": 2},
                                 {"scale_factor": (1.7, 0.6)}, {"size": (1, 33)}])
def test_interpolate_2d(mode, align, how, device, rng):
    shape = (2, 3, 5, 7)
    if "size" in how:
        out = list(how["size"])
        scales = [shape[2] / out[0], shape[3] / out[1]]
    else:
        sf = how["scale_factor"]
        sf = (sf, sf) if isinstance(sf, (int, float)) else sf
        out = [int(math.floor(shape[2 + d] * sf[d])) for d in range(2)]
        scales = [1 / s for s in sf]
    check_op(lambda x: F.interpolate(x, mode=mode, align_corners=align, **how), [shape],
             lambda x: np_interpolate(x, out, scales, mode, align),
             lambda x: torch.nn.functional.interpolate(x, mode=mode, align_corners=align, **how),
             rng=rng, device=device, fd_numel=30, tol={lamina.float32: (1e-5, 1e-5)})


def test_interpolate_1d_and_3d(device, rng):
    check_op(lambda x: F.interpolate(x, size=13, mode="linear"), [(2, 3, 7)],
             lambda x: np_interpolate(x, [13], [7 / 13], "linear", False),
             lambda x: torch.nn.functional.interpolate(x, size=13, mode="linear"),
             rng=rng, device=device, fd_numel=30)
    check_op(lambda x: F.interpolate(x, scale_factor=2), [(1, 2, 3, 4, 5)],
             lambda x: np_interpolate(x, [6, 8, 10], [0.5] * 3, "nearest", None),
             lambda x: torch.nn.functional.interpolate(x, scale_factor=2),
             rng=rng, device=device, fd_numel=30)


def test_modules(rng):
    x = lamina.tensor(rng.standard_normal((1, 2, 3, 4)), dtype=lamina.float32)
    assert nn.Upsample(scale_factor=2, mode="bilinear")(x).shape == (1, 2, 6, 8)
    np.testing.assert_array_equal(nn.ReflectionPad2d(1)(x).numpy(),
                                  np_pad(x.numpy(), (1, 1, 1, 1), "reflect"))
    np.testing.assert_array_equal(nn.ReplicationPad2d((1, 0, 2, 0))(x).numpy(),
                                  np_pad(x.numpy(), (1, 0, 2, 0), "replicate"))
    np.testing.assert_array_equal(nn.ConstantPad2d(1, 3.0)(x).numpy(),
                                  np_pad(x.numpy(), (1, 1, 1, 1), "constant", 3.0))
    np.testing.assert_array_equal(nn.ZeroPad2d((0, 1, 1, 0))(x).numpy(),
                                  np_pad(x.numpy(), (0, 1, 1, 0), "constant"))


def test_errors():
    x = lamina.randn(1, 2, 4, 4)
    with pytest.raises(ValueError, match=r"^\[pad\] padding \(4, 0\) must be smaller"):
        F.pad(x, (4, 0), mode="reflect")
    with pytest.raises(ValueError, match=r"^\[pad\] pad must hold an even number"):
        F.pad(x, (1, 2, 3))
    with pytest.raises(ValueError, match=r"^\[pad\] mode must be one of"):
        F.pad(x, (1, 1), mode="mirror")
    with pytest.raises(ValueError, match=r"^\[interpolate\] give exactly one of"):
        F.interpolate(x)
    with pytest.raises(ValueError, match=r"^\[interpolate\] mode 'bilinear' takes a 4-D"):
        F.interpolate(lamina.randn(1, 2, 4), size=3, mode="bilinear")
    with pytest.raises(ValueError, match=r"^\[interpolate\] mode must be"):
        F.interpolate(x, size=3, mode="bicubic")
