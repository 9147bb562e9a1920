"""scatter / scatter_ (the scatter kernel's replacing mode), nonzero / argwhere, unfold /
fold, max_pool1d / avg_pool1d and their modules, F.multi_head_attention_forward (with
static_k / static_v) and TransformerDecoderLayer: NumPy float64 references and check_op's gradchecks over awkward
sizes, torch when installed, every device; bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import check_op
from reference import torch


def np_scatter(x, dim, idx, src):
    out = x.copy()
    for pos in np.ndindex(idx.shape):
        tgt = list(pos)
        tgt[dim] = idx[pos]
        out[tuple(tgt)] = src[pos]
    return out


@pytest.mark.parametrize("shape,dim", [((7,), 0), ((3, 33), 1), ((33, 4), 0), ((2, 5, 7), 2)])
def test_scatter(shape, dim, device, rng):
    n = shape[dim]
    ishape = list(shape)
    ishape[dim] = max(1, n // 2)
    # distinct targets per line, so the result does not depend on the write order
    idx = np.moveaxis(np.argsort(rng.random(np.moveaxis(np.zeros(shape), dim, -1).shape), -1),
                      -1, dim)
    idx = np.take(idx, range(ishape[dim]), axis=dim)
    check_op(lambda x, s: x.scatter(dim, lamina.tensor(idx, device=x.device), s),
             [shape, tuple(ishape)], lambda x, s: np_scatter(x, dim, idx, s),
             lambda x, s: x.scatter(dim, torch.tensor(idx), s), rng=rng, device=device,
             fd_numel=30, name=f"scatter {shape} {dim}")
    x = lamina.tensor(rng.standard_normal(shape), device=device)
    y = x.clone().scatter_(dim, lamina.tensor(idx, device=device), 2.5)
    np.testing.assert_array_equal(y.cpu().numpy(), np_scatter(x.cpu().numpy(), dim, idx,
                                                               np.full(idx.shape, 2.5)))
    z = x.scatter(dim, lamina.tensor(idx, device=device), x, reduce="add")
    np.testing.assert_allclose(z.cpu().numpy(), lamina.scatter_add(
        x, dim, lamina.tensor(idx, device=device), x).cpu().numpy())


def test_scatter_repeated_targets_keep_the_last_on_cpu():
    out = lamina.zeros(3).scatter(0, lamina.tensor([1, 1, 1]), lamina.tensor([1.0, 2.0, 3.0]))
    assert out.tolist() == [0.0, 3.0, 0.0]


@pytest.mark.parametrize("shape", [(1,), (7,), (3, 33), (2, 5, 7), (), (2, 0)])
def test_nonzero(shape, device, rng):
    x = rng.integers(-1, 2, shape).astype(np.float64) if shape != () else np.array(2.0)
    t = lamina.tensor(x, device=device)
    got = lamina.nonzero(t)
    np.testing.assert_array_equal(got.cpu().numpy(), np.argwhere(x))
    assert got.shape == (int((x != 0).sum()), len(shape))
    for a, b in zip(t.nonzero(as_tuple=True), np.nonzero(x) if shape != () else (np.zeros(1),)):
        np.testing.assert_array_equal(a.cpu().numpy(), b)
    np.testing.assert_array_equal(lamina.argwhere(t > 0).cpu().numpy(), np.argwhere(x > 0))


def np_unfold(x, k, d, p, s):
    N, C, H, W = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (H + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (W + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((N, C, k[0], k[1], oh, ow))
    for i in range(k[0]):
        for j in range(k[1]):
            out[:, :, i, j] = xp[:, :, i * d[0]:i * d[0] + s[0] * oh:s[0],
                                 j * d[1]:j * d[1] + s[1] * ow:s[1]][:, :, :oh, :ow]
    return out.reshape(N, C * k[0] * k[1], oh * ow)


@pytest.mark.parametrize("k,d,p,s", [((1, 1), (1, 1), (0, 0), (1, 1)), ((3, 3), (1, 1), (1, 1), (1, 1)),
                                     ((2, 3), (2, 1), (1, 0), (2, 1))])
def test_unfold_fold(k, d, p, s, device, rng):
    shape = (2, 3, 7, 6)
    check_op(lambda x: F.unfold(x, k, d, p, s), [shape], lambda x: np_unfold(x, k, d, p, s),
             lambda x: torch.nn.functional.unfold(x, k, d, p, s), rng=rng, device=device,
             fd_numel=30)
    cols = np_unfold(np.zeros(shape), k, d, p, s)
    # fold is unfold's adjoint: <fold(c), x> == <c, unfold(x)>
    c = rng.standard_normal(cols.shape)
    x = rng.standard_normal(shape)
    f = F.fold(lamina.tensor(c, device=device), shape[2:], k, d, p, s).cpu().numpy()
    np.testing.assert_allclose((f * x).sum(), (c * np_unfold(x, k, d, p, s)).sum(), rtol=1e-10)
    check_op(lambda c: F.fold(c, shape[2:], k, d, p, s), [cols.shape],
             lambda c: torch.nn.functional.fold(torch.tensor(c), shape[2:], k, d, p, s).numpy()
             if torch is not None else _fold_np(c, shape, k, d, p, s),
             rng=rng, device=device, fd_numel=30)


def _fold_np(c, shape, k, d, p, s):
    out = np.zeros(shape)
    x = np.zeros(shape)
    for pos in np.ndindex(shape):
        x[pos] = 1
        out[pos] = (c * np_unfold(x, k, d, p, s)).sum()
        x[pos] = 0
    return out


@pytest.mark.parametrize("L,k,s,p", [(1, 1, 1, 0), (7, 3, 2, 1), (33, 2, 2, 0), (127, 5, 3, 2)])
def test_pool1d(L, k, s, p, device, rng):
    def np_pool(x, op):
        xp = np.pad(x, ((0, 0), (0, 0), (p, p)), constant_values=-np.inf if op == "max" else 0)
        n = (L + 2 * p - k) // s + 1
        w = np.stack([xp[..., i * s:i * s + k] for i in range(n)], -2)
        return w.max(-1) if op == "max" else w.mean(-1)
    check_op(lambda x: F.max_pool1d(x, k, s, p), [(2, 3, L)], lambda x: np_pool(x, "max"),
             lambda x: torch.nn.functional.max_pool1d(x, k, s, p), rng=rng, device=device,
             fd_numel=30)
    check_op(lambda x: F.avg_pool1d(x, k, s, p), [(2, 3, L)], lambda x: np_pool(x, "avg"),
             lambda x: torch.nn.functional.avg_pool1d(x, k, s, p), rng=rng, device=device,
             fd_numel=30)
    x = lamina.tensor(rng.standard_normal((3, L)), device=device)
    assert nn.MaxPool1d(k, s, p)(x).shape == nn.AvgPool1d(k, s, p)(x).shape == (3, (L + 2 * p - k) // s + 1)


@pytest.mark.skipif(torch is None, reason="compares with torch's modules")
def test_decoder_layer_and_mha_forward_match_torch(rng):
    for norm_first in (False, True):
        ours = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first)
        theirs = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, norm_first=norm_first)
        assert sorted(ours.state_dict()) == sorted(theirs.state_dict())
        ours.load_state_dict({k: lamina.tensor(v.detach().numpy())
                              for k, v in theirs.state_dict().items()})
        t = rng.standard_normal((5, 2, 8)).astype(np.float32)
        m = rng.standard_normal((4, 2, 8)).astype(np.float32)
        mask = torch.nn.Transformer.generate_square_subsequent_mask(5)
        np.testing.assert_allclose(
            ours(lamina.tensor(t), lamina.tensor(m), tgt_mask=lamina.tensor(mask.numpy()))
            .detach().numpy(),
            theirs(torch.tensor(t), torch.tensor(m), tgt_mask=mask).detach().numpy(),
            rtol=1e-4, atol=1e-5)
    mha = torch.nn.MultiheadAttention(8, 2)
    q = rng.standard_normal((5, 2, 8)).astype(np.float32)
    args = lambda lib, conv: (conv(q), conv(q), conv(q), 8, 2, conv(mha.in_proj_weight.detach().numpy()),  # noqa: E731
                              conv(mha.in_proj_bias.detach().numpy()), None, None, False, 0.0,
                              conv(mha.out_proj.weight.detach().numpy()),
                              conv(mha.out_proj.bias.detach().numpy()))
    ours = F.multi_head_attention_forward(*args(lamina, lamina.tensor))[0]
    theirs = torch.nn.functional.multi_head_attention_forward(*args(torch, torch.tensor))[0]
    np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy(), rtol=1e-4,
                               atol=1e-5)
    sk = rng.standard_normal((4, 7, 4)).astype(np.float32)   # (N * heads, S', head_dim)
    sv = rng.standard_normal((4, 7, 4)).astype(np.float32)
    ours = F.multi_head_attention_forward(*args(lamina, lamina.tensor), static_k=lamina.tensor(sk),
                                          static_v=lamina.tensor(sv))
    theirs = torch.nn.functional.multi_head_attention_forward(
        *args(torch, torch.tensor), static_k=torch.tensor(sk), static_v=torch.tensor(sv))
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), rtol=1e-4, atol=1e-5)


def test_errors():
    x = lamina.randn(3, 4)
    with pytest.raises(IndexError, match=r"^\[scatter\]"):
        x.scatter(1, lamina.tensor([[4]]), 1.0)
    with pytest.raises(TypeError, match=r"^\[scatter\] give exactly one of src and value"):
        x.scatter(1, lamina.tensor([[0]]))
    with pytest.raises(ValueError, match=r"^\[unfold\] the kernel"):
        F.unfold(lamina.randn(1, 1, 2, 2), 3)
    with pytest.raises(ValueError, match=r"^\[fold\] expected 4 blocks"):
        F.fold(lamina.randn(1, 4, 3), (3, 3), 2)
    with pytest.raises(ValueError, match=r"^\[max_pool1d\] expected a 2-D"):
        F.max_pool1d(lamina.randn(1, 2, 3, 4), 2)
