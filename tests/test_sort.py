"""sort, argsort, topk and msort through check_op (NumPy float64 references over awkward sizes,
every dim, non-contiguous inputs, float64 gradchecks, torch when installed, every device), the
order on ties and NaN (stable, NaN largest: torch's), int64 inputs, columns longer than the CUDA
kernel's shared memory, and bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import Input, check_op
from reference import torch

SHAPES_DIMS = [((1,), 0), ((7,), 0), ((257,), -1), ((33, 7), 0), ((7, 33), 1), ((3, 127, 5), 1),
               ((4, 7, 33), 0), ((2, 1, 257), -1), ((5, 300, 2), 1), ((), 0)]


def np_sort(x, dim, descending=False):
    """(values, indices) of a stable sort, NaN largest."""
    if x.ndim == 0:
        return x.copy(), np.zeros((), np.int64)
    idx = _stable_desc(x, dim) if descending else np.argsort(x, axis=dim, kind="stable")
    return np.take_along_axis(x, idx, dim), idx


def _stable_desc(x, dim):
    """Descending, NaN first, equal values in index order."""
    xm = np.moveaxis(x, dim, -1)
    out = np.empty(xm.shape, np.int64)
    for pos in np.ndindex(xm.shape[:-1]):
        row = xm[pos]
        out[pos] = sorted(range(row.shape[0]),
                          key=lambda r: (0 if np.isnan(row[r]) else 1,
                                         0.0 if np.isnan(row[r]) else -row[r], r))
    return np.moveaxis(out, -1, dim)


def distinct(shape, rng):
    """Random values in [-2, 2) at least 2 / size apart (finite differences never cross a tie,
    where the sorted values have a kink)."""
    n = int(np.prod(shape))
    return Input(np.asarray((rng.permutation(n) + rng.uniform(0, 0.5, n)) * 4 / max(n, 1) - 2)
                 .reshape(shape))


@pytest.mark.parametrize("descending", [False, True])
def test_sort(descending, device, rng):
    for shape, dim in SHAPES_DIMS:
        check_op(lambda x, d: lamina.sort(x, d, descending=descending), [distinct(shape, rng), dim],
                 lambda x, d: np_sort(x, d, descending),
                 lambda x, d: tuple(torch.sort(x, dim=d, descending=descending, stable=True)),
                 rng=rng, device=device, fd_numel=30, name=f"sort {shape} {dim}")


@pytest.mark.parametrize("largest", [True, False])
def test_topk(largest, device, rng):
    for shape, dim, k in [((7,), 0, 3), ((257,), 0, 1), ((33, 7), 0, 5), ((7, 33), 1, 33),
                          ((3, 127, 5), 1, 10), ((4, 7, 33), -1, 0), ((5, 300, 2), 1, 30)]:
        check_op(lambda x, d: lamina.topk(x, k, d, largest=largest), [distinct(shape, rng), dim],
                 lambda x, d: tuple(a.take(range(k), axis=d) for a in np_sort(x, d, largest)),
                 lambda x, d: tuple(torch.topk(x, k, d, largest=largest)),
                 rng=rng, device=device, fd_numel=30, name=f"topk {shape} {dim} {k}")


def test_argsort_and_msort(device, rng):
    for shape, dim in SHAPES_DIMS[:-1]:
        x = rng.standard_normal(shape)
        t = lamina.tensor(x, device=device)
        for desc in (False, True):
            got = lamina.argsort(t, dim, descending=desc).cpu().numpy()
            np.testing.assert_array_equal(got, np_sort(x, dim, desc)[1])
    x = rng.standard_normal((9, 4))
    np.testing.assert_array_equal(lamina.tensor(x, device=device).msort().cpu().numpy(),
                                  np.sort(x, 0))


def test_ties_and_nan_order(device, rng):
    x = rng.integers(0, 4, (6, 50)).astype(np.float64)
    x[rng.random(x.shape) < 0.1] = np.nan
    for dt in (lamina.float32, lamina.float64, lamina.int64):
        xv = np.nan_to_num(x, nan=-7) if dt == lamina.int64 else x
        t = lamina.tensor(xv, dtype=dt, device=device)
        for desc in (False, True):
            v, i = lamina.sort(t, 1, descending=desc)
            want_v, want_i = np_sort(xv, 1, desc)
            np.testing.assert_array_equal(i.cpu().numpy(), want_i)
            np.testing.assert_array_equal(v.cpu().numpy(), want_v.astype(v.cpu().numpy().dtype))
            if torch is not None:
                tv, ti = torch.sort(torch.from_numpy(xv), dim=1, descending=desc, stable=True)
                np.testing.assert_array_equal(i.cpu().numpy(), ti.numpy())


@pytest.mark.parametrize("n", [4095, 4097, 5000])
def test_long_columns(n, device, rng):
    """Past 48 KiB of (value, index) pairs the CUDA kernel sorts in global scratch."""
    x = rng.standard_normal((3, n))
    for dt in (lamina.float32, lamina.float64):
        t = lamina.tensor(x, dtype=dt, device=device)
        xs = x.astype(np.float32).astype(np.float64) if dt == lamina.float32 else x
        v, i = lamina.sort(t, 1)
        np.testing.assert_array_equal(i.cpu().numpy(), np.argsort(xs, 1, kind="stable"))
        v, i = lamina.topk(t.t(), 17, 0)
        np.testing.assert_array_equal(i.cpu().numpy(),
                                      np.argsort(-xs.T, 0, kind="stable")[:17])


def test_sort_empty_and_errors(device):
    e = lamina.zeros(0, 3, device=device)
    assert lamina.sort(e, 0).values.shape == (0, 3) and lamina.topk(e, 0, 0).indices.shape == (0, 3)
    x = lamina.randn(3, 4, device=device)
    with pytest.raises(IndexError, match=r"^\[topk\] k = 5 is out of range"):
        lamina.topk(x, 5)
    with pytest.raises(IndexError, match=r"^\[topk\] k must be non-negative"):
        lamina.topk(x, -1)
    with pytest.raises(IndexError, match=r"^\[sort\]"):
        lamina.sort(x, 2)
    with pytest.raises(TypeError, match=r"^\[argsort\] expected a float32, float64 or int64"):
        lamina.argsort(x > 0)
    with pytest.raises(TypeError, match=r"^\[topk\] k must be an int"):
        lamina.topk(x, 1.5)


@pytest.mark.parametrize("dtype", [lamina.float32, lamina.float64, lamina.int64, lamina.bool])
def test_unique(dtype, device, rng):
    for shape in [(1,), (7,), (33, 7), (0,), (4, 5, 6)]:
        x = rng.integers(-4, 5, shape)
        if dtype == lamina.bool:
            x = x > 0
        elif dtype.is_floating_point:
            x = x.astype(np.float64) / 2
            if x.size > 3:
                x.flat[[0, 2]] = np.nan                      # NaNs stay distinct, as in torch
        t = lamina.tensor(x, dtype=dtype, device=device)
        u, inv, cnt = lamina.unique(t, return_inverse=True, return_counts=True)
        un = np.unique(x[~np.isnan(x)] if dtype.is_floating_point else x)
        if dtype.is_floating_point:
            un = np.concatenate([un, np.full(int(np.isnan(x).sum()), np.nan)])
        np.testing.assert_array_equal(u.cpu().numpy(), un)
        assert u.dtype == dtype and inv.shape == t.shape
        np.testing.assert_array_equal(u.cpu().numpy()[inv.cpu().numpy()], x)
        assert int(cnt.sum()) == x.size and (cnt.cpu().numpy() >= 1).all()
        if torch is not None:  # NaNs are distinct in both; torch numbers them in its own order
            tu, ti, tc = torch.unique(torch.from_numpy(np.asarray(x)), return_inverse=True,
                                      return_counts=True)
            np.testing.assert_array_equal(u.cpu().numpy(), tu.numpy())
            np.testing.assert_array_equal(cnt.cpu().numpy(), tc.numpy())
            num = ~np.isnan(x) if dtype.is_floating_point else np.ones(x.shape, bool)
            np.testing.assert_array_equal(inv.cpu().numpy()[num], ti.numpy()[num])
    with pytest.raises(ValueError, match=r"^\[unique\] dim is not supported"):
        lamina.unique(lamina.randn(3, 3), dim=0)
