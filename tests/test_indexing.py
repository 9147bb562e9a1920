"""cat / stack / split / chunk, gather / scatter_add, index_select / index_add and masked_fill
against NumPy, with negative and out-of-range indices and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from reference import FLOATS, arr, check, gradcheck, lam, layouts, rounded, to_np

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


# --- cat / stack / split / chunk ------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
def test_cat(dtype, device, rng):
    parts = [arr(rng, (3, n, 4)) for n in (1, 7, 33)]
    for dim in (1, -2):
        got = lamina.cat([lam(p, dtype, device) for p in parts], dim)
        check(got, np.concatenate([rounded(p, dtype) for p in parts], 1), dtype)
    rows = [arr(rng, (n, 5)) for n in (2, 0, 3)]
    check(lamina.cat([lam(r, dtype, device) for r in rows]), np.concatenate(rows), dtype)
    a = arr(rng, (4, 6))
    views = [lam(a, dtype, device).t(), lam(a, dtype, device)[:, ::2].t()]  # non-contiguous inputs
    check(lamina.cat(views, 0), np.concatenate([a.T, a[:, ::2].T], 0), dtype)
    check(lamina.cat(views[:1] * 3, 1), np.concatenate([a.T] * 3, 1), dtype)


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
    xs = [arr(rng, (3, 4)) for _ in range(5)]
    ts = [lam(x, F64, device) for x in xs]
    for dim in (0, 1, 2, -1, -3):
        check(lamina.stack(ts, dim), np.stack(xs, dim), F64)
    check(lamina.stack([t.t() for t in ts], 1), np.stack([x.T for x in xs], 1), F64)
    check(lamina.stack([lamina.tensor(1.0, device=device), lamina.tensor(2.0, device=device)]),
          np.array([1.0, 2.0]), F32)


def test_split_chunk_values(device, rng):
    x = arr(rng, (11, 6))
    t = lam(x, F64, device)
    for got, want in zip(t.split(4), np.split(x, [4, 8])):
        check(got, want, F64)
    for got, want in zip(t.split([2, 0, 9]), np.split(x, [2, 2])):
        check(got, want, F64)
    for got, want in zip(lamina.chunk(t, 3, 1), np.split(x, 3, 1)):
        check(got, want, F64)
    assert [c.shape[0] for c in t.chunk(4)] == [3, 3, 3, 2]
    assert [c.shape[0] for c in t.chunk(20)] == [1] * 11
    assert [p.shape for p in lamina.split(t, 6, dim=-1)] == [(11, 6)]


def test_cat_split_grad(device, rng):
    gradcheck(lambda a, b: lamina.cat([a, b.t(), a], 1), arr(rng, (3, 2)), arr(rng, (4, 3)), device=device)
    gradcheck(lambda a, b: lamina.stack([a, b], 1), arr(rng, (3, 2)), arr(rng, (3, 2)), device=device)
    gradcheck(lambda a: a.split([1, 3], 1)[1] * a.chunk(2, 1)[0].sum(), arr(rng, (3, 4)), device=device)
    gradcheck(lambda a: a.unbind(0)[1] * 2 + a.unbind(0)[2], arr(rng, (3, 4)), device=device)


# --- index_select / index_add ---------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS + (I64,))
def test_index_select(dtype, device, rng):
    x = arr(rng, (6, 7, 5)) * 10
    for dim in (0, 1, 2, -1):
        n = x.shape[dim]
        idx = rng.integers(-n, n, 9)
        got = lamina.index_select(lam(x, dtype, device), dim, lam(idx, I64, device))
        check(got, np.take(rounded(x, dtype) if dtype != I64 else x.astype(np.int64), idx, axis=dim), dtype)
    for kind, t in layouts(x[0], dtype, device):
        idx = np.array([4, 0, -1, 4])
        want = np.take(rounded(x[0], dtype) if dtype != I64 else x[0].astype(np.int64), idx, axis=1)
        check(t.index_select(1, lam(idx, I64, device)), want, dtype, msg=kind)
    check(lam(x, dtype, device).index_select(0, lamina.tensor([], dtype=I64, device=device)),
          np.zeros((0, 7, 5)), dtype)


def test_index_add(device, rng):
    x, src = arr(rng, (5, 4)), arr(rng, (5, 6))
    idx = np.array([0, 3, 3, -1, 1, 0])  # repeats accumulate
    want = x.copy()
    np.add.at(want, (slice(None), idx), src)
    check(lamina.index_add(lam(x, F64, device), 1, lam(idx, I64, device), lam(src, F64, device)), want, F64)
    want2 = x.copy()
    np.add.at(want2, (slice(None), idx), 2.5 * src)
    check(lam(x, F64, device).index_add(1, lam(idx, I64, device), lam(src, F64, device), alpha=2.5),
          want2, F64)
    t = lam(x, F64, device)
    lamina.index_add(t, 0, lamina.tensor([1], device=device), lamina.ones(1, 4, dtype=F64, device=device))
    check(t, x, F64)  # out of place: the input is untouched


def test_index_grads(device, rng):
    idx = lamina.tensor([2, 0, 2, -1], device=device)
    gradcheck(lambda x: x.index_select(1, idx), arr(rng, (3, 4)), device=device)
    gradcheck(lambda x, s: x.index_add(0, idx, s), arr(rng, (4, 3)), arr(rng, (4, 3)), device=device)


# --- gather / scatter_add -------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS + (I64,))
def test_gather(dtype, device, rng):
    x = np.round(arr(rng, (5, 7, 6)) * 10)
    for dim in (0, 1, 2, -1):
        n = x.shape[dim]
        shape = [4, 3, 2]
        shape[dim] = 9
        idx = rng.integers(-n, n, shape)
        want = _np_gather(x, dim % 3, np.where(idx < 0, idx + n, idx))
        check(lamina.gather(lam(x, dtype, device), dim, lam(idx, I64, device)), want, dtype)
    idx = rng.integers(0, 7, (6, 3))  # gather on a transposed input with a transposed index
    xt = lam(x[0], dtype, device).t()
    it = lam(np.ascontiguousarray(idx.T), I64, device).t()
    check(xt.gather(1, it), _np_gather(x[0].T, 1, idx), dtype)


def test_gather_cross_entropy_pick(device, rng):
    logits = arr(rng, (8, 10))
    y = rng.integers(0, 10, 8)
    got = lam(logits, device=device).gather(1, lam(y[:, None], I64, device)).squeeze(1)
    check(got, rounded(logits, F32)[np.arange(8), y], F32)


def test_scatter_add(device, rng):
    x = arr(rng, (4, 5))
    idx = rng.integers(-5, 5, (3, 5))
    src = arr(rng, (4, 6))  # larger than the index: only the index's extent is used
    want = _np_scatter_add(x, 1, np.where(idx < 0, idx + 5, idx), src[:3, :5])
    got = lamina.scatter_add(lam(x, F64, device), 1, lam(idx, I64, device), lam(src, F64, device))
    check(got, want, F64)
    idx0 = rng.integers(0, 4, (7, 5))
    src0 = arr(rng, (7, 5))
    check(lam(x, F64, device).scatter_add(0, lam(idx0, I64, device), lam(src0, F64, device)),
          _np_scatter_add(x, 0, idx0, src0), F64)
    z = lamina.zeros(3, dtype=I64, device=device)
    counts = z.scatter_add(0, lamina.tensor([0, 2, 2, 2], device=device), lamina.ones(4, dtype=I64, device=device))
    check(counts, np.array([1, 0, 3]), I64)


def test_gather_scatter_grads(device, rng):
    idx = lam(rng.integers(-4, 4, (3, 6)), I64, device)
    gradcheck(lambda x: x.gather(1, idx), arr(rng, (3, 4)), device=device)
    gradcheck(lambda x, s: x.scatter_add(1, idx, s), arr(rng, (3, 4)), arr(rng, (3, 6)), device=device)
    gradcheck(lambda x, s: x.scatter_add(1, idx[:2, :3], s), arr(rng, (3, 4)), arr(rng, (3, 6)),
              device=device)


# --- masked_fill ----------------------------------------------------------------------------

def test_masked_fill(device, rng):
    x = arr(rng, (4, 6))
    m = rng.random((1, 6)) < 0.5
    got = lam(x, device=device).masked_fill(lam(m, B, device), -1e9)
    check(got, np.where(m, -1e9, rounded(x, F32)), F32)
    gradcheck(lambda t: t.masked_fill(lam(m, B, device), 0.0), x, device=device)


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
