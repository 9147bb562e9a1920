"""searchsorted / bucketize / histc, median / kthvalue, take / repeat_interleave, and the
random draws randperm / normal / multinomial: NumPy references over awkward sizes (and torch
when installed), check_op's gradchecks where there is a gradient, every device, and bad calls
that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import Input, check_op
from reference import torch


@pytest.mark.parametrize("right", [False, True])
def test_searchsorted_and_bucketize(right, device, rng):
    side = "right" if right else "left"
    for S, V in [(1, 1), (7, 33), (257, 5), (33, 127)]:
        seq = np.sort(rng.integers(-5, 6, S).astype(np.float64))   # ties on purpose
        vals = rng.integers(-7, 8, (3, V)).astype(np.float64)
        got = lamina.searchsorted(lamina.tensor(seq, device=device),
                                  lamina.tensor(vals, device=device), right=right)
        np.testing.assert_array_equal(got.cpu().numpy(), np.searchsorted(seq, vals, side=side))
        got = lamina.bucketize(lamina.tensor(vals, device=device),
                               lamina.tensor(seq, device=device), right=right)
        np.testing.assert_array_equal(got.cpu().numpy(), np.searchsorted(seq, vals, side=side))
        rows = np.sort(rng.standard_normal((4, S)), 1)                # batched rows
        v = rng.standard_normal((4, V))
        got = lamina.searchsorted(lamina.tensor(rows, device=device),
                                  lamina.tensor(v, device=device), side=side)
        want = np.stack([np.searchsorted(rows[i], v[i], side=side) for i in range(4)])
        np.testing.assert_array_equal(got.cpu().numpy(), want)
    seq = lamina.tensor([1, 3, 5, 7], device=device)                  # int64, and a sorter
    assert lamina.searchsorted(seq, lamina.tensor([0, 3, 8], device=device)).tolist() == [0, 1, 4]
    unsorted = lamina.tensor([5.0, 1.0, 3.0], device=device)
    sorter = lamina.argsort(unsorted)
    assert lamina.searchsorted(unsorted, 4.0, sorter=sorter).item() == 2


def test_histc(device, rng):
    for n, bins, lo, hi in [(1, 3, 0, 0), (33, 7, -1, 1), (1000, 100, 0, 0), (127, 5, -0.5, 2)]:
        x = rng.standard_normal(n)
        got = lamina.histc(lamina.tensor(x, device=device), bins, lo, hi).cpu().numpy()
        if lo == hi:
            lo, hi = (x.min(), x.max()) if x.min() < x.max() else (x.min() - 1, x.max() + 1)
        want = np.histogram(x[(x >= lo) & (x <= hi)], bins, (lo, hi))[0]
        np.testing.assert_array_equal(got, want)
        if torch is not None:
            np.testing.assert_array_equal(got, torch.histc(torch.tensor(x), bins, *(
                (lo, hi) if (lo, hi) != (0, 0) else (0, 0))).numpy())


def distinct(shape, rng):
    n = int(np.prod(shape))
    return Input(np.asarray((rng.permutation(n) + rng.uniform(0, 0.5, n)) * 4 / max(n, 1) - 2)
                 .reshape(shape))


def test_median_and_kthvalue(device, rng):
    for shape, dim in [((7,), 0), ((33, 7), 0), ((4, 127), 1), ((3, 4, 8), -1), ((1,), 0)]:
        n = shape[dim]
        check_op(lambda x, d: lamina.median(x, d), [distinct(shape, rng), dim],
                 lambda x, d: (np.take_along_axis(x, _med_idx(x, d), d).squeeze(d),
                               _med_idx(x, d).squeeze(d)),
                 lambda x, d: tuple(torch.median(x, d)), rng=rng, device=device, fd_numel=30)
        k = max(1, n // 3)
        check_op(lambda x, d: lamina.kthvalue(x, k, d, keepdim=True), [distinct(shape, rng), dim],
                 lambda x, d: (np.take_along_axis(x, _kth_idx(x, d, k - 1), d),
                               _kth_idx(x, d, k - 1)),
                 lambda x, d: tuple(torch.kthvalue(x, k, d, keepdim=True)), rng=rng,
                 device=device, fd_numel=30)
    x = rng.standard_normal((3, 9))
    x[1, [2, 5]] = np.nan                                          # NaN rows give their first NaN
    m = lamina.median(lamina.tensor(x, device=device), 1)
    assert np.isnan(m.values.cpu().numpy()[1]) and m.indices.cpu().numpy()[1] == 2
    assert lamina.median(lamina.tensor(x[0], device=device)).item() == np.sort(x[0])[4]


def _kth_idx(x, d, k):
    return np.take(np.argsort(x, d, kind="stable"), [k], axis=d)


def _med_idx(x, d):
    return _kth_idx(x, d, (x.shape[d] - 1) // 2)


def test_take_and_repeat_interleave(device, rng):
    idx = np.array([[0, -1, 5], [6, 2, 2]])
    check_op(lambda x: lamina.take(x, lamina.tensor(idx, device=x.device)), [(3, 4)],
             lambda x: x.reshape(-1)[idx], rng=rng, device=device)
    for reps, dim in [(2, 0), (3, None), (np.array([1, 0, 3]), 1)]:
        r = lamina.tensor(reps) if isinstance(reps, np.ndarray) else reps
        check_op(lambda x: x.repeat_interleave(r, dim), [(2, 3)],
                 lambda x: np.repeat(x, reps, axis=dim), rng=rng, device=device)


def test_random_draws(device):
    lamina.manual_seed(3)
    for n in (0, 1, 7, 1000):
        p = lamina.randperm(n, device=device).cpu().numpy()
        assert sorted(p.tolist()) == list(range(n))
    z = lamina.normal(2.0, 3.0, (20000,), device=device).cpu().numpy()
    assert abs(z.mean() - 2) < 0.1 and abs(z.std() - 3) < 0.1
    m = lamina.normal(lamina.zeros(3, 1, device=device), lamina.ones(4, device=device) * 2)
    assert m.shape == (3, 4)
    w = lamina.tensor([[1.0, 0.0, 6.0, 3.0], [0.0, 5.0, 0.0, 5.0]], device=device)
    s = lamina.multinomial(w, 30000, replacement=True).cpu().numpy()
    np.testing.assert_allclose(np.bincount(s[0], minlength=4) / 30000, [0.1, 0, 0.6, 0.3],
                               atol=0.02)
    np.testing.assert_allclose(np.bincount(s[1], minlength=4) / 30000, [0, 0.5, 0, 0.5],
                               atol=0.02)
    first = np.bincount([int(lamina.multinomial(w[0], 2)[0]) for _ in range(2000)], minlength=4)
    np.testing.assert_allclose(first / 2000, [0.1, 0, 0.6, 0.3], atol=0.04)
    for _ in range(50):                                      # without replacement: distinct
        d = lamina.multinomial(w[0], 3).cpu().numpy()
        assert len(set(d.tolist())) == 3 and 1 not in d


def test_errors():
    with pytest.raises(ValueError, match=r"^\[searchsorted\] the leading dims"):
        lamina.searchsorted(lamina.randn(2, 5), lamina.randn(3, 4))
    with pytest.raises(ValueError, match=r"^\[bucketize\] boundaries must be 1-D"):
        lamina.bucketize(lamina.randn(3), lamina.randn(2, 2))
    with pytest.raises(IndexError, match=r"^\[kthvalue\] k = 5 is out of range"):
        lamina.kthvalue(lamina.randn(4), 5)
    with pytest.raises(ValueError, match=r"^\[multinomial\] cannot draw 5 samples"):
        lamina.multinomial(lamina.ones(4), 5)
    with pytest.raises(ValueError, match=r"^\[multinomial\] weights must be finite"):
        lamina.multinomial(lamina.tensor([1.0, -1.0]), 1)
    with pytest.raises(ValueError, match=r"^\[repeat_interleave\] repeats must have the same size"):
        lamina.randn(3).repeat_interleave(lamina.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"^\[randperm\] n must be"):
        lamina.randperm(-1)
    with pytest.raises(TypeError, match=r"^\[histc\] expected a float32"):
        lamina.histc(lamina.tensor([1, 2]))
