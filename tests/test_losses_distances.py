"""The functional losses, distances and pixel shuffles added for torch's surface:
smooth_l1_loss, binary_cross_entropy, kl_div, normalize, cosine_similarity,
pairwise_distance, pixel_shuffle / pixel_unshuffle, against NumPy float64, finite differences
and torch, on awkward sizes and non-contiguous inputs, on every device."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina.testing import Input, check_op
from reference import SIZES, torch

REDUCTIONS = ["none", "mean", "sum"]


def _reduce(loss, reduction):
    return loss if reduction == "none" else (loss.sum() if reduction == "sum" else loss.mean())


def _tf(name, **kw):
    return lambda *xs: getattr(torch.nn.functional, name)(*xs, **kw)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("beta", [1.0, 0.5, 0.0])
def test_smooth_l1_loss(beta, reduction, device, rng):
    def ref(x, t):
        d = x - t
        a = np.abs(d)
        loss = a if beta == 0 else np.where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta)
        return _reduce(loss, reduction)
    for shape in [(n,) for n in SIZES] + [(3, 33)]:
        x = rng.uniform(-2, 2, size=shape)
        t = x + rng.choice([-1, 1], size=shape) * rng.uniform(0.05, 2, size=shape)
        d = np.abs(x - t)
        t = np.where(np.abs(d - beta) < 0.02, t + 0.1, t)  # off the branch switch
        check_op(lambda a, b: F.smooth_l1_loss(a, b, reduction=reduction, beta=beta),
                 [x.astype(np.float32).astype(np.float64),
                  t.astype(np.float32).astype(np.float64)], ref,
                 _tf("smooth_l1_loss", reduction=reduction, beta=beta), rng=rng, device=device,
                 name=f"smooth_l1 {shape}")


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_binary_cross_entropy(reduction, device, rng):
    def ref(x, t, w=None):
        loss = -(t * np.log(x) + (1 - t) * np.log(1 - x))
        return _reduce(loss if w is None else loss * w, reduction)
    for shape in [(n,) for n in SIZES] + [(4, 33)]:
        check_op(lambda x, t: F.binary_cross_entropy(x, t, reduction=reduction),
                 [Input(shape, 0.05, 0.95), Input(shape, 0.0, 1.0)], ref,
                 _tf("binary_cross_entropy", reduction=reduction), rng=rng, device=device,
                 name=f"bce {shape}")
    check_op(lambda x, t, w: F.binary_cross_entropy(x, t, w, reduction=reduction),
             [Input((5, 7), 0.05, 0.95), Input((5, 7), 0.0, 1.0),
              Input((7,), 0.1, 2.0, grad=False)], ref,
             lambda x, t, w: torch.nn.functional.binary_cross_entropy(x, t, w,
                                                                      reduction=reduction),
             rng=rng, device=device, name="bce weight")


def test_binary_cross_entropy_clamps_log(device):
    x = lamina.tensor([0.0, 1.0, 0.5], dtype=lamina.float64, device=device)
    t = lamina.tensor([1.0, 0.0, 1.0], dtype=lamina.float64, device=device)
    got = F.binary_cross_entropy(x, t, reduction="none").cpu().numpy()
    np.testing.assert_allclose(got, [100.0, 100.0, np.log(2)])


@pytest.mark.parametrize("reduction", REDUCTIONS + ["batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div(reduction, log_target, device, rng):
    def ref(x, t):
        loss = np.exp(t) * (t - x) if log_target else t * (np.log(t) - x)
        if reduction == "batchmean":
            return loss.sum() / x.shape[0]
        return _reduce(loss, reduction)
    for shape in [(7,), (33, 5), (2, 3, 127)]:
        lo, hi = (-3, -0.1) if log_target else (0.05, 1)
        check_op(lambda x, t: F.kl_div(x, t, reduction=reduction, log_target=log_target),
                 [Input(shape, -3, -0.1), Input(shape, lo, hi)], ref,
                 _tf("kl_div", reduction=reduction, log_target=log_target), rng=rng,
                 device=device, name=f"kl_div {shape}")


def test_kl_div_zero_target(device):
    x = lamina.tensor([-1.0, -2.0], dtype=lamina.float64, device=device, requires_grad=True)
    t = lamina.tensor([0.0, 0.5], dtype=lamina.float64, device=device)
    loss = F.kl_div(x, t, reduction="sum")
    loss.backward()
    np.testing.assert_allclose(loss.item(), 0.5 * (np.log(0.5) + 2.0))
    np.testing.assert_allclose(x.grad.cpu().numpy(), [0.0, -0.5])


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, -1), (3.0, 0)])
def test_normalize(p, dim, device, rng):
    def ref(x):
        n = (np.abs(x) ** p).sum(axis=dim, keepdims=True) ** (1 / p)
        return x / np.maximum(n, 1e-12)
    for shape in [(7, 33), (4, 5, 6), (127, 3)]:
        check_op(lambda x: F.normalize(x, p, dim), [shape], ref, _tf("normalize", p=p, dim=dim),
                 rng=rng, device=device, name=f"normalize {shape}")


def test_cosine_similarity_and_pairwise_distance(device, rng):
    def cos(a, b, dim=1):
        na = np.maximum(np.sqrt((a * a).sum(dim, keepdims=True)), 1e-8)
        nb = np.maximum(np.sqrt((b * b).sum(dim, keepdims=True)), 1e-8)
        return ((a / na) * (b / nb)).sum(dim)
    for sa, sb in [((7, 33), (7, 33)), ((4, 5, 6), (1, 5, 6)), ((127, 3), (3,)), ((1, 257),
                                                                                 (2, 257))]:
        dim = 1 if len(sa) > 1 and len(sb) > 1 else -1
        check_op(lambda a, b: F.cosine_similarity(a, b, dim), [sa, sb],
                 lambda a, b: cos(a, b, dim), _tf("cosine_similarity", dim=dim), rng=rng,
                 device=device, name=f"cosine {sa} {sb}")
    for p in (2.0, 1.0, 3.0):
        def pd(a, b, keepdim=False):
            d = np.abs(a - b + 1e-6)
            return (d ** p).sum(-1, keepdims=keepdim) ** (1 / p)
        for sa, sb in [((7, 33), (7, 33)), ((4, 5), (5,)), ((127, 3), (127, 3))]:
            check_op(lambda a, b: F.pairwise_distance(a, b, p), [sa, sb], pd,
                     _tf("pairwise_distance", p=p), rng=rng, device=device,
                     name=f"pairwise {p} {sa}")
        check_op(lambda a, b: F.pairwise_distance(a, b, p, keepdim=True), [(3, 7), (3, 7)],
                 lambda a, b: pd(a, b, True), _tf("pairwise_distance", p=p, keepdim=True),
                 rng=rng, device=device)


@pytest.mark.parametrize("r", [1, 2, 3])
def test_pixel_shuffle(r, device, rng):
    def shuffle(x):
        *lead, c, h, w = x.shape
        y = x.reshape(*lead, c // (r * r), r, r, h, w)
        k = len(lead)
        y = np.transpose(y, list(range(k)) + [k, k + 3, k + 1, k + 4, k + 2])
        return y.reshape(*lead, c // (r * r), h * r, w * r)
    for shape in [(2, 4 * r * r, 3, 5), (r * r, 7, 1), (2, 1, r * r * 3, 4, 2)]:
        check_op(lambda x: F.pixel_shuffle(x, r), [shape], shuffle,
                 _tf("pixel_shuffle", upscale_factor=r), rng=rng, device=device,
                 name=f"pixel_shuffle {shape}")
        check_op(lambda x: F.pixel_unshuffle(F.pixel_shuffle(x, r), r), [shape], lambda x: x,
                 rng=rng, device=device, name=f"pixel_unshuffle {shape}")
    check_op(lambda x: F.pixel_unshuffle(x, r), [(2, 3, 2 * r, 3 * r)], None,
             _tf("pixel_unshuffle", downscale_factor=r), rng=rng, device=device)


ERRORS = [
    ("smooth_l1_loss", ValueError, lambda: F.smooth_l1_loss(lamina.ones(2), lamina.ones(2),
                                                            beta=-1)),
    ("binary_cross_entropy", ValueError, lambda: F.binary_cross_entropy(
        lamina.full((2,), 1.5), lamina.ones(2))),
    ("binary_cross_entropy", ValueError, lambda: F.binary_cross_entropy(
        lamina.full((2,), 0.5), lamina.ones(3))),
    ("kl_div", ValueError, lambda: F.kl_div(lamina.ones(2), lamina.ones(2), reduction="max")),
    ("normalize", TypeError, lambda: F.normalize(lamina.tensor([1, 2]))),
    ("cosine_similarity", TypeError, lambda: F.cosine_similarity(lamina.ones(2), [1.0, 2.0])),
    ("pixel_shuffle", ValueError, lambda: F.pixel_shuffle(lamina.ones(1, 3, 2, 2), 2)),
    ("pixel_shuffle", ValueError, lambda: F.pixel_shuffle(lamina.ones(4, 2), 2)),
    ("pixel_unshuffle", ValueError, lambda: F.pixel_unshuffle(lamina.ones(1, 1, 3, 4), 2)),
]


@pytest.mark.parametrize("op,err,call", ERRORS, ids=[f"{i}-{e[0]}" for i, e in enumerate(ERRORS)])
def test_errors_name_the_op(op, err, call):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()
