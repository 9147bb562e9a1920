"""Reductions against NumPy float64 and torch through check_op (any axes, keepdim,
non-contiguous inputs, gradients), plus ties, NaN, empty, integer and bool inputs."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import reference as R
from lamina.testing import Input, check_op
from reference import arr, check, distinct, lam, rounded

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool


def _np_axis(dim):
    return tuple(dim) if isinstance(dim, (list, tuple)) else dim


def _tdim(t, dim):
    """torch's spelling of 'every dim' for the reductions that take no None."""
    return (tuple(range(t.ndim)) or 0) if dim is None else dim


# name: (lamina fn(t, dim, keepdim), numpy fn(a, axis, keepdims)); the lamina fns are
# methods torch has too (amin also goes through lamina.amin).
REDUCTIONS = {
    "sum": (lambda t, d, k: t.sum(d, keepdim=k), lambda a, d, k: a.sum(d, keepdims=k)),
    "mean": (lambda t, d, k: t.mean(d, keepdim=k), lambda a, d, k: a.mean(d, keepdims=k)),
    "var": (lambda t, d, k: t.var(d, keepdim=k), lambda a, d, k: a.var(d, ddof=1, keepdims=k)),
    "var0": (lambda t, d, k: t.var(d, correction=0, keepdim=k), lambda a, d, k: a.var(d, keepdims=k)),
    "std": (lambda t, d, k: t.std(d, keepdim=k), lambda a, d, k: a.std(d, ddof=1, keepdims=k)),
    "std0": (lambda t, d, k: t.std(d, unbiased=False, keepdim=k), lambda a, d, k: a.std(d, keepdims=k)),
    "amax": (lambda t, d, k: t.amax(d, keepdim=k), lambda a, d, k: a.max(d, keepdims=k)),
    "amin": (lambda t, d, k: t.amin(d, keepdim=k), lambda a, d, k: a.min(d, keepdims=k)),
    "logsumexp": (lambda t, d, k: t.logsumexp(d, keepdim=k), lambda a, d, k: R.logsumexp(a, d, k)),
}
# (shape, dims) pairs: ints, negative, tuples, None (everything)
AXES = [((257,), None), ((257,), 0), ((7, 33), 1), ((7, 33), -2), ((7, 33), None),
        ((3, 1, 127), (0, 2)), ((3, 1, 127), (-1, 0)), ((2, 5, 7, 3), (1, 3)), ((2, 5, 7, 3), 2),
        ((2, 5, 7, 3), (0, 1, 2, 3)), ((4, 6), (1,)), ((), None), ((), 0),
        ((3, 4), None), ((3, 4), 1), ((2, 3, 4), (0, 2)), ((2, 3, 4), -2), ((5,), 0)]
AXES += [((6, 9, 33), dim) for dim in [None, 0, 1, -1, (0, 2), (1, 2)]]


def _tol(n):
    """float32 results of many-term sums: the kernel may accumulate in float32."""
    return {F32: (2e-5, 1e-4 if n > 32 else 1e-5)}


@pytest.mark.parametrize("name", REDUCTIONS)
def test_reduction(name, device, rng):
    fn, ref = REDUCTIONS[name]
    lfn = (lambda t, d, k: lamina.amin(t, d, keepdim=k)) if name == "amin" else fn
    for shape, dim in AXES:
        if name.startswith(("var", "std")) and shape == ():
            continue  # one element: nan with correction 1, covered below
        n = int(np.prod(shape if dim is None or not shape else
                        [shape[d] for d in np.atleast_1d(dim)]))
        x = distinct(rng, shape) if name in ("amax", "amin") else shape  # no near ties
        for keepdim in (False, True):
            check_op(lambda t: lfn(t, dim, keepdim), [x],
                     lambda a: ref(a, _np_axis(dim) if shape else None, keepdim),
                     lambda t: fn(t, _tdim(t, dim), keepdim), rng=rng, device=device,
                     tol=_tol(n), fd_numel=24, name=f"{name} {shape} dim={dim} keepdim={keepdim}")
    # a permuted view reduced over two of its dims
    x = distinct(rng, (6, 9, 33)) if name in ("amax", "amin") else (6, 9, 33)
    check_op(lambda t: lfn(t.permute(2, 0, 1), (0, 2), True), [x],
             lambda a: ref(a.transpose(2, 0, 1), (0, 2), True),
             lambda t: fn(t.permute(2, 0, 1), (0, 2), True), rng=rng, device=device,
             tol=_tol(33 * 9), name=f"{name} permuted")


def test_sum_many_terms_accuracy(device, rng):
    x = arr(rng, (100_003,), 0, 1)
    check(lam(x, F64, device).sum(), x.sum(), F64, rtol=1e-12)
    check(lam(x, F32, device).sum(), rounded(x, F32).sum(), F32, rtol=1e-5)
    m = arr(rng, (257, 129))
    check(lam(m, F32, device).sum(0), rounded(m, F32).sum(0), F32, rtol=1e-5, atol=1e-4)
    check(lam(m, F32, device).mean(1), rounded(m, F32).mean(1), F32, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("op", ["max", "min"])
def test_max_min_dim_values_and_indices(op, device, rng):
    npv, npi = (np.max, np.argmax) if op == "max" else (np.min, np.argmin)
    for shape, dim in [((257,), 0), ((7, 33), 1), ((7, 33), -2), ((3, 5, 127), 1), ((4, 1), 1),
                       ((2, 3, 4), 1), ((2, 3, 4), -1)]:
        for keepdim in (False, True):
            def ref(a):
                i = npi(a, dim)  # numpy picks the first of tied extremes, like torch
                return npv(a, dim, keepdims=keepdim), (np.expand_dims(i, dim) if keepdim else i)

            def fn(t):
                return tuple(getattr(t, op)(dim, keepdim=keepdim))

            ties = np.round(arr(rng, shape, -3, 3))  # few distinct values: many ties
            check_op(fn, [ties], ref, fn, rng=rng, device=device, grad=False,
                     name=f"{op} ties {shape} {dim}")
            check_op(fn, [distinct(rng, shape)], ref, fn, rng=rng, device=device,
                     name=f"{op} {shape} {dim}")
        res = getattr(lam(arr(rng, shape), device=device), op)(dim)
        assert res.values is res[0] and res.indices is res[1]
    fn = lambda t: getattr(t, op)()  # noqa: E731
    check_op(fn, [distinct(rng, (2, 3, 4))], getattr(np, op), fn, rng=rng, device=device)


def test_ties_pick_the_first_index(device):
    x = lamina.tensor([[3.0, 1.0, 3.0, 1.0], [2.0, 2.0, 2.0, 2.0]], device=device)
    check(x.max(1).indices, np.array([0, 0]), I64)
    check(x.min(1).indices, np.array([1, 0]), I64)
    check(x.argmax(1), np.array([0, 0]), I64)
    check(x.argmin(1), np.array([1, 0]), I64)
    check(x.argmax(), np.array(0), I64)
    check(x.argmin(), np.array(1), I64)
    check(x.t().argmin(0), np.array([1, 0]), I64)


def test_argmax_argmin(device, rng):
    x = np.round(arr(rng, (5, 7, 9), -4, 4))
    for dim in (None, 0, 1, -1):
        for keepdim in (False, True):
            for name in ("argmax", "argmin"):
                fn = (lambda t: getattr(t, name)(dim, keepdim=keepdim)) if dim is not None else \
                    (lambda t: getattr(t, name)())
                ref = getattr(np, name)
                check_op(fn, [x], lambda a: ref(a, dim, keepdims=keepdim) if dim is not None
                         else ref(a), fn, rng=rng, device=device, name=f"{name} {dim}")
    check_op(lambda t: lamina.argmin(t, 1, keepdim=True), [x],
             lambda a: np.argmin(a, 1, keepdims=True), rng=rng, device=device)


def test_nan_propagates(device):
    nan = float("nan")
    x = lamina.tensor([[1.0, nan, 3.0, nan], [4.0, 5.0, -1.0, 0.0]], device=device)
    values, indices = x.max(1)
    check(values, np.array([nan, 5.0]), F32)
    check(indices, np.array([1, 1]), I64)  # the first NaN
    values, indices = x.min(1)
    check(values, np.array([nan, -1.0]), F32)
    check(indices, np.array([1, 2]), I64)
    check(x.amax(1), np.array([nan, 5.0]), F32)
    check(x.amin(0), np.array([1.0, nan, -1.0, nan]), F32)
    assert np.isnan(x.max().item()) and np.isnan(x.min().item())
    check(x.argmax(1), np.array([1, 1]), I64)
    check(x.sum(1), np.array([nan, 8.0]), F32)
    check(x.logsumexp(1), np.array([nan, R.logsumexp(np.array([4.0, 5.0, -1.0, 0.0]))]), F32)


def test_logsumexp_edge_cases(device):
    inf = float("inf")
    x = lamina.tensor([[-inf, -inf, -inf], [1000.0, 1000.0, 999.0], [-1e4, -1e4, 0.0],
                       [inf, 1.0, 2.0], [-inf, 0.0, -inf]], dtype=F64, device=device)
    want = np.array([-inf, 1000.0 + np.log(2 + np.exp(-1.0)), np.log(1 + 2 * np.exp(-1e4)), inf, 0.0])
    check(x.logsumexp(1), want, F64)
    check(x.float().logsumexp(1), want, F32)
    check(x.logsumexp(1, keepdim=True), want[:, None], F64)
    big = lamina.full((3, 50), 88.0, device=device)  # exp(88) * 50 overflows float32
    check(big.logsumexp(1), np.full(3, 88.0 + np.log(50)), F32)


def test_softmax_and_log_softmax(device, rng):
    for dim in (0, 1, -1):
        for name, ref in (("softmax", lambda a: np.exp(a - R.logsumexp(a, dim, True))),
                          ("log_softmax", lambda a: a - R.logsumexp(a, dim, True))):
            fn = lambda t: getattr(t, name)(dim)  # noqa: E731
            check_op(fn, [Input((7, 33), -5, 5)], ref, fn, rng=rng, device=device,
                     name=f"{name} {dim}")
            check_op(fn, [(3, 5)], ref, fn, rng=rng, device=device, name=f"{name} {dim}")


def test_all_any(device, rng):
    m = rng.random((6, 7, 5)) < 0.8
    m[0] = True
    m[1] = False
    for dim in (None, 0, 1, -1, (0, 2)):
        for keepdim in (False, True):
            for name in ("all", "any"):
                if dim is None and keepdim:
                    continue
                fn = (lambda t: getattr(t, name)(dim, keepdim=keepdim)) if dim is not None else \
                    (lambda t: getattr(t, name)())
                ref = getattr(np, name)
                check_op(fn, [m], lambda a: ref(a, _np_axis(dim), keepdims=keepdim), fn,
                         rng=rng, device=device, name=f"{name} {dim}")
    f = arr(rng, (4, 5))
    f[0, 1] = 0.0
    check(lam(f, device=device).all(1), (f != 0).all(1), B)
    check(lamina.all(lam(f, device=device)), (f != 0).all(), B)
    check(lamina.any(lamina.zeros(3, device=device)), np.array(False), B)
    check(lamina.tensor([], dtype=B, device=device).all(), np.array(True), B)
    check(lamina.tensor([], dtype=B, device=device).any(), np.array(False), B)


def test_integer_and_bool_inputs(device, rng):
    x = R.ints(rng, (5, 9), -100, 100)
    t = lam(x, I64, device)
    check(t.sum(), x.sum(), I64)
    check(t.sum(1), x.sum(1), I64)
    check(t.amax(0), x.max(0), I64)
    check(t.max(1).values, x.max(1), I64)
    check(t.min(), x.min(), I64)
    check(t.argmin(1), x.argmin(1), I64)
    check(t.mean(1), x.mean(1), F32)
    check(lam(x > 0, B, device).sum(1), (x > 0).sum(1), I64)
    big = lamina.full((3,), 2**40, dtype=I64, device=device)
    check(big.sum(), np.array(3 * 2**40), I64)  # no float round trip


def test_empty_reductions(device):
    e = lamina.zeros(0, 3, device=device)
    check(e.sum(0), np.zeros(3), F32)
    check(e.sum(), np.array(0.0), F32)
    check(lamina.zeros(0, device=device).sum(), np.array(0.0), F32)
    check(lamina.zeros(0, dtype=I64, device=device).sum(), np.array(0), I64)
    check(e.sum(1), np.zeros(0), F32)
    check(e.mean(0), np.full(3, np.nan), F32)
    check(e.logsumexp(0), np.full(3, -np.inf), F32)
    check(e.var(0), np.full(3, np.nan), F32)
    check(e.amax(1), np.zeros(0), F32)  # nothing reduced over an empty dim: an empty result
    values, indices = e.max(1)
    assert values.shape == (0,) and indices.shape == (0,)
    for fn in [lambda: e.max(), lambda: e.amax(0), lambda: e.max(0), lambda: e.argmax(),
               lambda: lamina.zeros(0, device=device).max()]:
        with pytest.raises(ValueError, match=r"^\[(max|argmax)\]"):
            fn()
    for fn in [lambda: e.min(), lambda: e.amin(0), lambda: e.min(0), lambda: e.argmin()]:
        with pytest.raises(ValueError, match=r"^\[(min|argmin)\]"):
            fn()


def test_single_element_var_is_nan(device):
    check(lamina.ones(1, device=device).var(), np.array(np.nan), F32)
    check(lamina.ones(1, device=device).var(correction=0), np.array(0.0), F32)
    check(lamina.ones(3, 1, device=device).std(1), np.full(3, np.nan), F32)


def test_sum_dtype_argument(device, rng):
    x = arr(rng, (4, 5))
    out = lam(x, F32, device).sum(1, dtype=F64)
    check(out, rounded(x, F32).sum(1), F64)
    check(lam(x > 0, B, device).sum(dtype=F32), np.array((x > 0).sum(), float), F32)


def test_tied_extremes_share_the_gradient(device):
    x = lamina.tensor([1.0, 3.0, 3.0, 2.0], dtype=F64, device=device, requires_grad=True)
    x.amax().backward()
    check(x.grad, np.array([0.0, 0.5, 0.5, 0.0]), F64)
    y = lamina.tensor([1.0, 3.0, 3.0, 2.0], dtype=F64, device=device, requires_grad=True)
    y.max(0).values.backward()  # max(dim) sends it all to the chosen index
    check(y.grad, np.array([0.0, 1.0, 0.0, 0.0]), F64)


def test_reduction_grad_noncontiguous(device, rng):
    for fn, ref in [(lambda t: t.t()[::2].sum(0), lambda a: a.T[::2].sum(0)),
                    (lambda t: t[:, 1::2].var(1), lambda a: a[:, 1::2].var(1, ddof=1)),
                    (lambda t: t.t().logsumexp(1), lambda a: R.logsumexp(a.T, 1))]:
        check_op(fn, [(4, 6)], ref, fn, rng=rng, device=device)
