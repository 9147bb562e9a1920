"""conv1d and conv_transpose2d (on the conv2d kernels) through check_op: NumPy float64
references written as direct loops over awkward sizes, non-contiguous inputs, float64
gradchecks, torch when installed, every device; the modules against torch's; bad calls that
must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import check_op
from reference import torch

TOL = {lamina.float32: (1e-4, 1e-5)}


def np_conv_transpose2d(x, w, b, stride, padding, output_padding, groups, dilation):
    """Scatter form: every input pixel adds its weighted kernel into the output."""
    N, C, H, W = x.shape
    _, Kg, R, S = w.shape
    (sh, sw), (ph, pw), (oh, ow), (dh, dw) = stride, padding, output_padding, dilation
    OH = (H - 1) * sh - 2 * ph + dh * (R - 1) + oh + 1
    OW = (W - 1) * sw - 2 * pw + dw * (S - 1) + ow + 1
    full = np.zeros((N, Kg * groups, OH + 2 * ph + sh * 2 + R * dh, OW + 2 * pw + sw * 2 + S * dw))
    cg = C // groups
    for g in range(groups):
        for c in range(g * cg, (g + 1) * cg):
            for i in range(H):
                for j in range(W):
                    for r in range(R):
                        for s in range(S):
                            full[:, g * Kg:(g + 1) * Kg, i * sh + r * dh, j * sw + s * dw] += \
                                x[:, c, i, j][:, None] * w[c, :, r, s][None, :]
    y = full[:, :, ph:ph + OH, pw:pw + OW]
    return y + (b[None, :, None, None] if b is not None else 0)


def np_conv1d(x, w, b, stride, padding, dilation, groups):
    N, C, L = x.shape
    K, cg, k = w.shape
    xp = np.pad(x, ((0, 0), (0, 0), (padding, padding)))
    OL = (L + 2 * padding - dilation * (k - 1) - 1) // stride + 1
    y = np.zeros((N, K, OL))
    kg = K // groups
    for o in range(K):
        g = o // kg
        for t in range(OL):
            seg = xp[:, g * cg:(g + 1) * cg, t * stride:t * stride + dilation * (k - 1) + 1:dilation]
            y[:, o, t] = (seg * w[o][None]).sum((1, 2))
    return y + (b[None, :, None] if b is not None else 0)


CASES = [  # (N, C_in, H, W, C_out, k, stride, padding, output_padding, groups, dilation, bias)
    (1, 1, 1, 1, 1, (1, 1), (1, 1), (0, 0), (0, 0), 1, (1, 1), False),
    (2, 3, 7, 5, 4, (3, 3), (1, 1), (0, 0), (0, 0), 1, (1, 1), True),
    (1, 4, 5, 6, 6, (3, 2), (2, 3), (1, 0), (1, 2), 2, (1, 1), True),
    (2, 2, 4, 7, 3, (2, 3), (3, 2), (2, 1), (0, 1), 1, (2, 1), False),
    (3, 6, 3, 3, 6, (3, 3), (2, 2), (1, 1), (1, 1), 6, (1, 1), True),
]


@pytest.mark.parametrize("case", CASES, ids=lambda c: "x".join(map(str, c[:5])))
def test_conv_transpose2d(case, device, rng):
    N, C, H, W, K, k, s, p, op, g, d, bias = case
    args = [(N, C, H, W), (C, K // g, *k)] + ([(K,)] if bias else [None])
    check_op(lambda x, w, b: F.conv_transpose2d(x, w, b, s, p, op, g, d), args,
             lambda x, w, b: np_conv_transpose2d(x, w, b, s, p, op, g, d),
             lambda x, w, b: torch.nn.functional.conv_transpose2d(x, w, b, s, p, op, g, d),
             rng=rng, device=device, tol=TOL, fd_numel=25)


@pytest.mark.parametrize("case", [(1, 1, 1, 1, 1, 1, 0, 1, 1), (2, 4, 33, 6, 3, 1, 1, 1, 2),
                                  (3, 6, 7, 3, 2, 2, 2, 3, 3), (1, 3, 127, 5, 5, 3, 2, 2, 1)],
                         ids=lambda c: "x".join(map(str, c)))
def test_conv1d(case, device, rng):
    N, C, L, K, k, s, p, d, g = case
    check_op(lambda x, w, b: F.conv1d(x, w, b, s, p, d, g), [(N, C, L), (K, C // g, k), (K,)],
             lambda x, w, b: np_conv1d(x, w, b, s, p, d, g),
             lambda x, w, b: torch.nn.functional.conv1d(x, w, b, s, p, d, g),
             rng=rng, device=device, tol=TOL, fd_numel=25)
    check_op(lambda x, w: F.conv1d(x, w, padding="same"), [(C, L), (K, C, 3)],
             lambda x, w: np_conv1d(x[None], w, None, 1, 1, 1, 1)[0],
             lambda x, w: torch.nn.functional.conv1d(x, w, padding="same"),
             rng=rng, device=device, tol=TOL, fd_numel=25)


@pytest.mark.skipif(torch is None, reason="compares with torch's modules")
def test_modules_match_torch(rng):
    pairs = [(nn.Conv1d(4, 6, 3, stride=2, padding=1, padding_mode="circular"),
              torch.nn.Conv1d(4, 6, 3, stride=2, padding=1, padding_mode="circular"), (2, 4, 9)),
             (nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2),
              torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1,
                                       groups=2), (2, 4, 5, 5))]
    for ours, theirs, shape in pairs:
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
        for k, v in theirs.state_dict().items():
            assert tuple(ours.state_dict()[k].shape) == tuple(v.shape)
        ours.load_state_dict({k: lamina.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
        x = rng.standard_normal(shape).astype(np.float32)
        np.testing.assert_allclose(ours(lamina.tensor(x)).detach().numpy(),
                                   theirs(torch.tensor(x)).detach().numpy(), rtol=1e-5,
                                   atol=1e-5)
    up = nn.ConvTranspose2d(3, 2, 3, stride=2, padding=1)
    assert up(lamina.randn(1, 3, 4, 4), output_size=(8, 8)).shape == (1, 2, 8, 8)


def test_errors():
    x, w = lamina.randn(1, 4, 5, 5), lamina.randn(4, 2, 3, 3)
    with pytest.raises(ValueError, match=r"^\[conv_transpose2d\] output_padding"):
        F.conv_transpose2d(x, w, stride=1, output_padding=1)
    with pytest.raises(ValueError, match=r"^\[conv_transpose2d\] input has 3 channels"):
        F.conv_transpose2d(lamina.randn(1, 3, 5, 5), w)
    with pytest.raises(ValueError, match=r"^\[conv_transpose2d\] expected a 4-D weight"):
        F.conv_transpose2d(x, lamina.randn(4, 2, 3))
    with pytest.raises(ValueError, match=r"^\[conv1d\] expected a 3-D weight"):
        F.conv1d(lamina.randn(1, 4, 9), w)
    with pytest.raises(TypeError, match=r"^\[conv1d\] stride must be an int"):
        F.conv1d(lamina.randn(1, 4, 9), lamina.randn(2, 4, 3), stride=1.5)
