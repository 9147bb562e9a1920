"""GRU and RNN: the fused GRU cell and whole sequences through check_op (NumPy float64
references, awkward sizes, float64 gradchecks, torch when installed, every device), the
modules against torch's (state_dict keys, outputs and gradients, multi-layer, bidirectional,
batch_first, unbatched), and bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.nn import rnn as _rnn
from lamina.testing import check_op
from reference import torch

TOL = {lamina.float32: (1e-4, 1e-5)}


def sig(v):
    return 1 / (1 + np.exp(-v))


def np_gru_cell(x, h, wih, whh, bih, bhh):
    gx, gh = x @ wih.T + bih, h @ whh.T + bhh
    H = h.shape[1]
    r = sig(gx[:, :H] + gh[:, :H])
    z = sig(gx[:, H:2 * H] + gh[:, H:2 * H])
    n = np.tanh(gx[:, 2 * H:] + r * gh[:, 2 * H:])
    return (1 - z) * n + z * h


def np_layer(mode, x, h, wih, whh, bih, bhh, reverse):
    ys = [None] * x.shape[0]
    for t in (range(x.shape[0] - 1, -1, -1) if reverse else range(x.shape[0])):
        if mode == "GRU":
            h = np_gru_cell(x[t], h, wih, whh, bih, bhh)
        else:
            s = x[t] @ wih.T + bih + h @ whh.T + bhh
            h = np.tanh(s) if mode == "RNN_TANH" else np.maximum(s, 0)
        ys[t] = h
    return np.stack(ys)


@pytest.mark.parametrize("B,I,H", [(1, 1, 1), (7, 5, 33), (3, 33, 7), (2, 4, 127)])
def test_gru_cell(B, I, H, device, rng):
    check_op(lambda x, h, wih, whh, bih, bhh: _rnn._step("GRU", F.linear(x, wih, bih), h, whh,
                                                          bhh),
             [(B, I), (B, H), (3 * H, I), (3 * H, H), (3 * H,), (3 * H,)], np_gru_cell,
             lambda x, h, *w: torch.gru_cell(x, h, *w), rng=rng, device=device, tol=TOL,
             fd_numel=20)


@pytest.mark.parametrize("mode", ["GRU", "RNN_TANH", "RNN_RELU"])
@pytest.mark.parametrize("reverse", [False, True])
def test_layer(mode, reverse, device, rng):
    T, B, I, H = 5, 3, 4, 7
    G = 3 if mode == "GRU" else 1
    m = nn.GRU(I, H) if mode == "GRU" else nn.RNN(I, H, nonlinearity=mode[4:].lower())
    check_op(lambda x, h, *w: m._layer(x, h, *w, reverse)[0],
             [(T, B, I), (B, H), (G * H, I), (G * H, H), (G * H,), (G * H,)],
             lambda x, h, *w: np_layer(mode, x, h, *w, reverse), rng=rng, device=device,
             tol=TOL, fd_numel=20, name=f"{mode} layer reverse={reverse}")


@pytest.mark.skipif(torch is None, reason="compares with torch's modules")
@pytest.mark.parametrize("cls", ["GRU", "RNN"])
@pytest.mark.parametrize("kw", [{}, {"num_layers": 2, "bidirectional": True, "batch_first": True},
                                {"bias": False, "nonlinearity": "relu"}], ids=["plain", "deep", "relu"])
def test_modules_match_torch(cls, kw, rng):
    if cls == "GRU" and "nonlinearity" in kw:
        kw = {"bias": False}
    ours, theirs = getattr(nn, cls)(5, 7, **kw), getattr(torch.nn, cls)(5, 7, **kw)
    assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
    ours.load_state_dict({k: lamina.tensor(v.detach().numpy())
                          for k, v in theirs.state_dict().items()})
    D = 2 if kw.get("bidirectional") else 1
    for batched in (True, False):
        shape = ((3, 4, 5) if kw.get("batch_first") else (4, 3, 5)) if batched else (4, 5)
        x = rng.standard_normal(shape).astype(np.float32)
        h = rng.standard_normal((kw.get("num_layers", 1) * D,) + ((3,) if batched else ()) +
                                (7,)).astype(np.float32)
        xl, xt = lamina.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        (y, hn), (ty, thn) = ours(xl, lamina.tensor(h)), theirs(xt, torch.tensor(h))
        (y.sum() + hn.sum()).backward()
        (ty.sum() + thn.sum()).backward()
        for a, b in ((y, ty), (hn, thn), (xl.grad, xt.grad),
                     (ours.weight_hh_l0.grad, theirs.weight_hh_l0.grad)):
            np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4,
                                       atol=1e-5)
        ours.zero_grad()
        theirs.zero_grad()


@pytest.mark.skipif(torch is None, reason="compares with torch's modules")
def test_cells_match_torch(rng):
    for ours, theirs in ((nn.GRUCell(5, 7), torch.nn.GRUCell(5, 7)),
                         (nn.RNNCell(5, 7, nonlinearity="relu"),
                          torch.nn.RNNCell(5, 7, nonlinearity="relu"))):
        ours.load_state_dict({k: lamina.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
        x = rng.standard_normal((3, 5)).astype(np.float32)
        h = rng.standard_normal((3, 7)).astype(np.float32)
        np.testing.assert_allclose(ours(lamina.tensor(x), lamina.tensor(h)).detach().numpy(),
                                   theirs(torch.tensor(x), torch.tensor(h)).detach().numpy(),
                                   rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours(lamina.tensor(x[0])).detach().numpy(),
                                   theirs(torch.tensor(x[0])).detach().numpy(), rtol=1e-5,
                                   atol=1e-6)


def test_errors():
    m = nn.GRU(4, 6)
    with pytest.raises(ValueError, match=r"^\[gru\] expected input of size \(\*, 4\)"):
        m(lamina.randn(3, 2, 5))
    with pytest.raises(ValueError, match=r"^\[gru\] expected hx of size"):
        m(lamina.randn(3, 2, 4), lamina.randn(2, 2, 6))
    with pytest.raises(ValueError, match=r"^\[RNN\] unknown nonlinearity"):
        nn.RNN(4, 6, nonlinearity="sigmoid")
    with pytest.raises(ValueError, match=r"^\[gru_cell\] expected gates of size"):
        lamina._C.gru_cell(lamina.randn(2, 4), lamina.randn(2, 4), None, False)
    with pytest.raises(ValueError, match=r"^\[gru_cell\] expected hx of size"):
        lamina._C.gru_cell(lamina.randn(2, 6), lamina.randn(2, 6), lamina.randn(2, 3), False)
