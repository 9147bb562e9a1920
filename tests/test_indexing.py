"""cat / stack / split / chunk, gather / scatter_add, index_select / index_add and masked_fill
through check_op (NumPy, torch, gradients, non-contiguous inputs and indices, negative
indices), type promotion, and out-of-range indices and other bad calls."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import check_op
from reference import arr, check, lam, to_np, torch

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool


def _np_scatter_add(x, dim, index, src):
    out = x.copy()
    for pos in np.ndindex(*index.shape):
        dst = list(pos)
        dst[dim] = index[pos]
        out[tuple(dst)] += src[pos]
    return out


def _np_gather(x, dim, index):
    out = np.empty(index.shape, dtype=x.dtype)
    for pos in np.ndindex(*index.shape):
        at = list(pos)
        at[dim] = index[pos]
        out[pos] = x[tuple(at)]
    return out


def _tscatter_add(x, dim, i, s):
    """torch's scatter_add with src cut to the index's extent (same values; torch's backward
    fails on a larger src)."""
    return x.scatter_add(dim, _wrap(i, x.shape[dim]), s[tuple(slice(0, n) for n in i.shape)])


def _wrap(i, n):
    """Negative indices made positive: torch's index_select / gather / scatter_add / index_add
    take none."""
    return i % n


# --- cat / stack / split / chunk ------------------------------------------------------------

def test_cat(device, rng):
    for dim in (1, -2):
        check_op(lambda *ps: lamina.cat(ps, dim), [(3, 1, 4), (3, 7, 4), (3, 33, 4)],
                 lambda *ps: np.concatenate(ps, dim), lambda *ps: torch.cat(ps, dim), rng=rng,
                 device=device)
    check_op(lambda *ps: lamina.cat(ps), [(2, 5), (0, 5), (3, 5)], lambda *ps: np.concatenate(ps),
             lambda *ps: torch.cat(ps), rng=rng, device=device)
    # views inside the op, one input used several times
    check_op(lambda a: lamina.cat([a.t(), a[:, ::2].t()], 0), [(4, 6)],
             lambda a: np.concatenate([a.T, a[:, ::2].T], 0),
             lambda a: torch.cat([a.t(), a[:, ::2].t()], 0), rng=rng, device=device)
    check_op(lambda a: lamina.cat([a.t()] * 3, 1), [(4, 6)], lambda a: np.concatenate([a.T] * 3, 1),
             lambda a: torch.cat([a.t()] * 3, 1), rng=rng, device=device)
    check_op(lambda a, b: lamina.cat([a, b.t(), a], 1), [(3, 2), (4, 3)],
             lambda a, b: np.concatenate([a, b.T, a], 1), lambda a, b: torch.cat([a, b.t(), a], 1),
             rng=rng, device=device)


def test_cat_promotion(device):
    i = lamina.tensor([1, 2], device=device)
    f = lamina.tensor([0.5], device=device)
    d = lamina.tensor([0.25], dtype=F64, device=device)
    b = lamina.tensor([True], device=device)
    check(lamina.cat([i, f]), np.array([1.0, 2.0, 0.5]), F32)
    check(lamina.cat([f, d]), np.array([0.5, 0.25]), F64)
    check(lamina.cat([b, i]), np.array([1, 1, 2]), I64)
    check(lamina.cat([b, b]), np.array([True, True]), B)
    check(lamina.stack([i, i.float()]), np.array([[1.0, 2.0], [1.0, 2.0]]), F32)


def test_stack(device, rng):
    for dim in (0, 1, 2, -1, -3):
        check_op(lambda *ts: lamina.stack(ts, dim), [(3, 4)] * 5, lambda *xs: np.stack(xs, dim),
                 lambda *ts: torch.stack(ts, dim), rng=rng, device=device)
    check_op(lambda *ts: lamina.stack([t.t() for t in ts], 1), [(3, 4)] * 5,
             lambda *xs: np.stack([x.T for x in xs], 1),
             lambda *ts: torch.stack([t.t() for t in ts], 1), rng=rng, device=device)
    check_op(lambda a, b: lamina.stack([a, b]), [(), ()], lambda a, b: np.stack([a, b]),
             lambda a, b: torch.stack([a, b]), rng=rng, device=device)


def test_split_chunk(device, rng):
    def split_use(t):
        return t.split([1, 3], 1)[1] * t.chunk(2, 1)[0].sum()

    def unbind_use(t):
        return t.unbind(0)[1] * 2 + t.unbind(0)[2]

    for op, shape, ref, tref in [
            (lambda t: t.split(4), (11, 6), lambda x: np.split(x, [4, 8]), None),
            (lambda t: t.split([2, 0, 9]), (11, 6), lambda x: np.split(x, [2, 2]), None),
            (lambda t: lamina.chunk(t, 3, 1), (11, 6), lambda x: np.split(x, 3, 1),
             lambda t: torch.chunk(t, 3, 1)),
            (split_use, (3, 4), lambda x: x[:, 1:4] * x[:, :2].sum(), None),
            (unbind_use, (3, 4), lambda x: x[1] * 2 + x[2], None)]:
        check_op(op, [shape], ref, tref or op, rng=rng, device=device)
    t = lamina.zeros(11, 6, device=device)
    assert [c.shape[0] for c in t.chunk(4)] == [3, 3, 3, 2]
    assert [c.shape[0] for c in t.chunk(20)] == [1] * 11
    assert [p.shape for p in lamina.split(t, 6, dim=-1)] == [(11, 6)]


# --- index_select / index_add ---------------------------------------------------------------

def test_index_select(device, rng):
    x = np.round(arr(rng, (6, 7, 5)) * 10)  # integral: the same values in every dtype
    for dim in (0, 1, 2, -1):
        n = x.shape[dim]
        check_op(lambda t, i: lamina.index_select(t, dim, i), [x, rng.integers(-n, n, 9)],
                 lambda a, i: np.take(a, i, axis=dim),
                 lambda t, i: torch.index_select(t, dim, _wrap(i, n)), rng=rng, device=device,
                 dtypes=(F32, F64, I64), name=f"index_select dim={dim}")
    check_op(lambda t, i: t.index_select(1, i), [x[0], np.array([4, 0, -1, 4])],
             lambda a, i: np.take(a, i, axis=1),
             lambda t, i: t.index_select(1, _wrap(i, t.shape[1])),
             rng=rng, device=device, dtypes=(F32, F64, I64))
    check_op(lambda t, i: t.index_select(0, i), [x, np.zeros(0, np.int64)],
             lambda a, i: np.take(a, i, axis=0), lambda t, i: t.index_select(0, i), rng=rng,
             device=device, dtypes=(F32, F64, I64))


def _np_index_add(x, dim, i, s, alpha=1.0):
    out = x.copy()
    np.add.at(out, (slice(None),) * (dim % x.ndim) + (i,), alpha * s)
    return out


def test_index_add(device, rng):
    idx = np.array([0, 3, 3, -1, 1, 0])  # repeats accumulate
    for kw in ({}, dict(alpha=2.5)):
        check_op(lambda x, i, s, **kw: lamina.index_add(x, 1, i, s, **kw), [(5, 4), idx, (5, 6)],
                 lambda x, i, s, **kw: _np_index_add(x, 1, i, s, **kw),
                 lambda x, i, s, **kw: x.index_add(1, _wrap(i, x.shape[1]), s, **kw), rng=rng,
                 device=device, kwargs=kw)
    check_op(lambda x, i, s: x.index_add(0, i, s), [(4, 3), np.array([2, 0, 2, -1]), (4, 3)],
             lambda x, i, s: _np_index_add(x, 0, i, s),
             lambda x, i, s: x.index_add(0, _wrap(i, x.shape[0]), s), rng=rng, device=device)
    x = arr(rng, (5, 4))
    t = lam(x, F64, device)
    lamina.index_add(t, 0, lamina.tensor([1], device=device), lamina.ones(1, 4, dtype=F64, device=device))
    check(t, x, F64)  # out of place: the input is untouched


# --- gather / scatter_add -------------------------------------------------------------------

def test_gather(device, rng):
    x = np.round(arr(rng, (5, 7, 6)) * 10)
    for dim in (0, 1, 2, -1):
        n = x.shape[dim]
        shape = [4, 3, 2]
        shape[dim] = 9
        check_op(lambda t, i: lamina.gather(t, dim, i), [x, rng.integers(-n, n, shape)],
                 lambda a, i: _np_gather(a, dim % 3, np.where(i < 0, i + n, i)),
                 lambda t, i: torch.gather(t, dim, _wrap(i, n)), rng=rng, device=device,
                 dtypes=(F32, F64, I64), name=f"gather dim={dim}")
    # the cross-entropy pick
    check_op(lambda t, y: t.gather(1, y[:, None]).squeeze(1), [(8, 10), rng.integers(0, 10, 8)],
             lambda a, y: a[np.arange(8), y], lambda t, y: t.gather(1, y[:, None]).squeeze(1),
             rng=rng, device=device)


def test_scatter_add(device, rng):
    idx = rng.integers(-5, 5, (3, 5))
    # src larger than the index: only the index's extent is used
    check_op(lambda x, i, s: lamina.scatter_add(x, 1, i, s), [(4, 5), idx, (4, 6)],
             lambda x, i, s: _np_scatter_add(x, 1, np.where(i < 0, i + 5, i), s[:3, :5]),
             lambda x, i, s: _tscatter_add(x, 1, i, s), rng=rng, device=device)
    check_op(lambda x, i, s: x.scatter_add(0, i, s), [(4, 5), rng.integers(0, 4, (7, 5)), (7, 5)],
             lambda x, i, s: _np_scatter_add(x, 0, i, s), lambda x, i, s: x.scatter_add(0, i, s),
             rng=rng, device=device)
    idx = rng.integers(-4, 4, (3, 6))
    for sub in (idx, idx[:2, :3]):
        check_op(lambda x, i, s: x.scatter_add(1, i, s), [(3, 4), sub, (3, 6)],
                 lambda x, i, s: _np_scatter_add(x, 1, np.where(i < 0, i + 4, i),
                                                 s[:i.shape[0], :i.shape[1]]),
                 lambda x, i, s: _tscatter_add(x, 1, i, s), rng=rng, device=device)
    z = lamina.zeros(3, dtype=I64, device=device)
    counts = z.scatter_add(0, lamina.tensor([0, 2, 2, 2], device=device), lamina.ones(4, dtype=I64, device=device))
    check(counts, np.array([1, 0, 3]), I64)


# --- masked_fill ----------------------------------------------------------------------------

def test_masked_fill(device, rng):
    for m in (rng.random((1, 6)) < 0.5, rng.random((4, 6)) < 0.5):
        for value in (-1e9, 0.0):
            check_op(lambda t, m: t.masked_fill(m, value), [(4, 6), m],
                     lambda x, m: np.where(m, value, x), lambda t, m: t.masked_fill(m, value),
                     rng=rng, device=device)


# --- errors ---------------------------------------------------------------------------------

@pytest.mark.parametrize("call,err,op", [
    (lambda d: lamina.index_select(lamina.ones(3, 4, device=d), 1, lamina.tensor([4], device=d)), IndexError, "index_select"),
    (lambda d: lamina.index_select(lamina.ones(3, 4, device=d), 0, lamina.tensor([-4], device=d)), IndexError, "index_select"),
    (lambda d: lamina.index_select(lamina.ones(3, 4, device=d), 2, lamina.tensor([0], device=d)), IndexError, "index_select"),
    (lambda d: lamina.index_select(lamina.ones(3, device=d), 0, lamina.tensor([0.0], device=d)), TypeError, "index_select"),
    (lambda d: lamina.index_select(lamina.ones(3, device=d), 0, lamina.zeros(2, 2, dtype=I64, device=d)), ValueError, "index_select"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), 1, lamina.tensor([[4]], device=d)), IndexError, "gather"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), 1, lamina.tensor([[-5]], device=d)), IndexError, "gather"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), 1, lamina.tensor([0], device=d)), ValueError, "gather"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), 1, lamina.zeros(4, 1, dtype=I64, device=d)), ValueError, "gather"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), 1, lamina.zeros(3, 1, device=d)), TypeError, "gather"),
    (lambda d: lamina.gather(lamina.ones(3, 4, device=d), -3, lamina.zeros(3, 1, dtype=I64, device=d)), IndexError, "gather"),
    (lambda d: lamina.scatter_add(lamina.ones(3, device=d), 0, lamina.tensor([3], device=d), lamina.ones(1, device=d)), IndexError, "scatter_add"),
    (lambda d: lamina.scatter_add(lamina.ones(3, device=d), 0, lamina.tensor([0, 1], device=d), lamina.ones(1, device=d)), ValueError, "scatter_add"),
    (lambda d: lamina.index_add(lamina.ones(3, device=d), 0, lamina.tensor([5], device=d), lamina.ones(1, device=d)), IndexError, "index_add"),
    (lambda d: lamina.index_add(lamina.ones(3, 2, device=d), 0, lamina.tensor([1], device=d), lamina.ones(2, device=d)), ValueError, "index_add"),
    (lambda d: lamina.cat([lamina.ones(2, 3, device=d), lamina.ones(2, 4, device=d)]), ValueError, "cat"),
    (lambda d: lamina.cat([lamina.ones(2, 3, device=d), lamina.ones(3, device=d)]), ValueError, "cat"),
    (lambda d: lamina.cat([lamina.ones(2, device=d)], 1), IndexError, "cat"),
    (lambda d: lamina.cat([]), ValueError, "cat"),
    (lambda d: lamina.cat([lamina.ones((), device=d)]), ValueError, "cat"),
    (lambda d: lamina.cat([lamina.ones(2, device=d), [1.0]]), TypeError, "cat"),
    (lambda d: lamina.stack([lamina.ones(2, device=d), lamina.ones(3, device=d)]), ValueError, "stack"),
    (lambda d: lamina.stack([lamina.ones(2, device=d)], 2), IndexError, "stack"),
    (lambda d: lamina.stack([]), ValueError, "stack"),
    (lambda d: lamina.ones(4, device=d).split([1, 2]), ValueError, "split"),
    (lambda d: lamina.ones(4, device=d).split(0), ValueError, "split"),
    (lambda d: lamina.ones(4, device=d).chunk(0), ValueError, "chunk"),
    (lambda d: lamina.ones(4, device=d).split(2, dim=1), IndexError, "split"),
])
def test_index_errors(call, err, op, device):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call(device)


def test_failed_index_leaves_input_untouched(device):
    x = lamina.zeros(3, device=device)
    with pytest.raises(IndexError):
        lamina.scatter_add(x, 0, lamina.tensor([0, 9], device=device), lamina.ones(2, device=device))
    check(x, np.zeros(3), F32)
    assert to_np(x).sum() == 0
