"""Fused softmax / log_softmax and the losses against NumPy float64 (awkward sizes,
non-contiguous inputs, large logits), float64 gradchecks, torch (when installed) for every loss
option, and bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import gradcheck as lgradcheck
from reference import FLOATS, SIZES, arr, check, gradcheck, lam, layouts, logsumexp, rounded, to_np

F32, F64 = lamina.float32, lamina.float64
TOL32 = dict(rtol=2e-5, atol=2e-6)


def tol(dtype):
    return TOL32 if dtype == F32 else dict(rtol=1e-10, atol=1e-12)


# --- float64 references ------------------------------------------------------------------------

def np_log_softmax(x, axis):
    return x - logsumexp(x, axis, True)


def np_softmax_grad(y, dy, axis, log):
    if log:
        return dy - np.exp(y) * dy.sum(axis, keepdims=True)
    return y * (dy - (dy * y).sum(axis, keepdims=True))


def ce_ref(x, t, w=None, ignore=-100, eps=0.0, reduction="mean"):
    """torch's cross_entropy on rows (N, C): loss and d loss / d x (for a unit upstream grad
    of the reduced loss, or of sum(loss) for 'none')."""
    N, C = x.shape
    logp = np_log_softmax(x, 1)
    p = np.exp(logp)
    wv = np.ones(C) if w is None else w
    if t.dtype.kind == "f":  # probabilities
        q = ((1 - eps) * t + eps / C) * wv
        rows, keep, denom = -(logp * q).sum(1), np.ones(N, bool), float(N)
    else:
        keep = t != ignore
        ts = np.where(keep, t, 0)
        q = (1 - eps) * np.eye(C)[ts] * wv[ts][:, None] + eps / C * wv[None, :]
        q[~keep] = 0
        rows = -(logp * q).sum(1)
        denom = (wv[ts] * keep).sum()
    grad = p * q.sum(1, keepdims=True) - q
    if reduction == "none":
        return rows, grad
    if reduction == "sum":
        return rows.sum(), grad
    with np.errstate(invalid="ignore", divide="ignore"):  # every row ignored: NaN, as torch
        return rows.sum() / denom, grad / denom


# --- softmax -----------------------------------------------------------------------------------

SHAPES_DIMS = [((257,), 0), ((7, 33), 1), ((33, 7), 0), ((3, 127, 5), 1), ((2, 1, 257), -1),
               ((1,), 0), ((), 0), ((4, 7, 33), 0), ((5, 300, 2), 1)]


@pytest.mark.parametrize("log", [False, True])
@pytest.mark.parametrize("dtype", FLOATS)
def test_softmax_forward_backward(log, dtype, device, rng):
    fn = F.log_softmax if log else F.softmax
    for shape, dim in SHAPES_DIMS:
        x = arr(rng, shape, -4, 4)
        t = lam(x, dtype, device, requires_grad=True)
        y = fn(t, dim)
        xr = rounded(x, dtype)
        ax = dim if shape else None
        want = np_log_softmax(xr, ax) if log else np.exp(np_log_softmax(xr, ax))
        check(y, want, dtype, msg=f"{shape} dim={dim}", **tol(dtype))
        dy = arr(rng, shape)
        y.backward(lam(dy, dtype, device))
        gw = np_softmax_grad(want, rounded(dy, dtype), ax, log)
        check(t.grad, gw, dtype, msg=f"grad {shape} dim={dim}", **tol(dtype))


@pytest.mark.parametrize("log", [False, True])
def test_softmax_noncontiguous_and_methods(log, device, rng):
    x = arr(rng, (7, 33), -3, 3)
    for kind, t in layouts(x, F32, device):
        for dim in (0, 1, -1):
            want = np_log_softmax(rounded(x, F32), dim)
            got = t.log_softmax(dim) if log else lamina.softmax(t, dim)
            check(got, want if log else np.exp(want), F32, msg=f"{kind} dim={dim}", **TOL32)


def test_softmax_large_and_infinite_inputs(device):
    x = np.array([[1e4, 1e4 - 1, -1e4, 0.0], [-1e4, -1e4 - 2, -1e4 - 3, -1e4 - 30]])
    for dtype in FLOATS:
        want = np_log_softmax(rounded(x, dtype), 1)
        check(F.log_softmax(lam(x, dtype, device), 1), want, dtype, **tol(dtype))
        check(F.softmax(lam(x, dtype, device), 1), np.exp(want), dtype, **tol(dtype))
    inf = np.array([[0.0, -np.inf, 1.0], [-np.inf, -np.inf, -np.inf]])
    got = to_np(F.softmax(lam(inf, F32, device), 1))
    np.testing.assert_allclose(got[0], np.exp(np_log_softmax(inf[:1], 1))[0], rtol=1e-6)
    assert np.isnan(got[1]).all()  # as torch: a row of -inf has no softmax


@pytest.mark.parametrize("log", [False, True])
def test_softmax_gradcheck(log, device, rng):
    fn = F.log_softmax if log else F.softmax
    gradcheck(lambda t: fn(t, 1), arr(rng, (3, 7)), device=device)
    gradcheck(lambda t: fn(t, 0), arr(rng, (5, 2, 3)), device=device)
    gradcheck(lambda t: fn(t * t, -1).sum(-1), arr(rng, (4, 6)), device=device)


def test_softmax_matches_torch(rng):
    torch = pytest.importorskip("torch")
    x = arr(rng, (4, 33, 7), -5, 5)
    for name in ("softmax", "log_softmax"):
        for dim in (0, 1, 2):
            t = lam(x, F32, requires_grad=True)
            tt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
            y, yt = getattr(F, name)(t, dim), getattr(torch.nn.functional, name)(tt, dim)
            dy = arr(rng, x.shape)
            y.backward(lam(dy, F32))
            yt.backward(torch.tensor(dy, dtype=torch.float32))
            check(y, yt.detach().double().numpy(), F32, **TOL32)
            check(t.grad, tt.grad.double().numpy(), F32, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call, err, op", [
    (lambda: F.softmax(lamina.tensor([1, 2]), 0), TypeError, "softmax"),
    (lambda: F.log_softmax(lamina.ones(3, 4), 2), IndexError, "log_softmax"),
    (lambda: F.softmax(lamina.ones(3, 4), 1.5), TypeError, "softmax"),
    (lambda: lamina._C.softmax_backward(lamina.ones(3), lamina.ones(4), 0, False), ValueError,
     "softmax_backward"),
])
def test_softmax_errors(call, err, op):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()


# --- cross-entropy -----------------------------------------------------------------------------

NC = [(1, 257), (7, 33), (33, 7), (127, 1), (257, 127), (3, 1)]
CE_OPTS = [dict(), dict(weight=True), dict(label_smoothing=0.15), dict(ignore=True),
           dict(weight=True, ignore=True, label_smoothing=0.3)]


def _index_target(rng, N, C, ignore):
    t = rng.integers(0, C, size=N)
    if ignore and N > 1:
        t[rng.random(N) < 0.3] = -100
        t[0] = -100
    return t


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_index_targets(reduction, dtype, device, rng):
    for N, C in NC:
        for opts in CE_OPTS:
            x = arr(rng, (N, C), -6, 6)
            t = _index_target(rng, N, C, opts.get("ignore"))
            w = rng.uniform(0.2, 2.0, C) if opts.get("weight") else None
            eps = opts.get("label_smoothing", 0.0)
            xt = lam(x, dtype, device, requires_grad=True)
            loss = F.cross_entropy(xt, lam(t, lamina.int64, device),
                                   weight=None if w is None else lam(w, dtype, device),
                                   reduction=reduction, label_smoothing=eps)
            want, gwant = ce_ref(rounded(x, dtype), t, None if w is None else rounded(w, dtype),
                                 eps=eps, reduction=reduction)
            msg = f"N={N} C={C} {opts} {reduction}"
            if reduction == "mean" and not np.isfinite(want):
                assert np.isnan(to_np(loss))  # every row ignored: 0 / 0, as torch
                continue
            check(loss, want, dtype, msg=msg, **tol(dtype))
            loss.sum().backward()
            check(xt.grad, gwant, dtype, msg="grad " + msg, **tol(dtype))


@pytest.mark.parametrize("dtype", FLOATS)
def test_cross_entropy_probability_targets(dtype, device, rng):
    for N, C in NC:
        for eps, weighted in [(0.0, False), (0.2, False), (0.0, True), (0.1, True)]:
            x = arr(rng, (N, C), -6, 6)
            q = rng.random((N, C))
            q /= q.sum(1, keepdims=True)
            w = rng.uniform(0.2, 2.0, C) if weighted else None
            xt = lam(x, dtype, device, requires_grad=True)
            loss = F.cross_entropy(xt, lam(q, dtype, device), label_smoothing=eps,
                                   weight=None if w is None else lam(w, dtype, device))
            want, gwant = ce_ref(rounded(x, dtype), rounded(q, dtype),
                                 None if w is None else rounded(w, dtype), eps=eps)
            check(loss, want, dtype, msg=f"N={N} C={C} eps={eps} w={weighted}", **tol(dtype))
            loss.backward()
            check(xt.grad, gwant, dtype, msg=f"grad N={N} C={C}", **tol(dtype))


def test_cross_entropy_noncontiguous_and_spatial(device, rng):
    x = arr(rng, (33, 7))
    t = rng.integers(0, 7, size=33)
    for kind, xt in layouts(x, F32, device):
        want, _ = ce_ref(rounded(x, F32), t)
        check(F.cross_entropy(xt, lam(t, lamina.int64, device)), want, F32, msg=kind, **TOL32)
    # (N, C, d1, d2): classes moved last; 'none' keeps (N, d1, d2)
    x4 = arr(rng, (2, 5, 3, 4))
    t4 = rng.integers(0, 5, size=(2, 3, 4))
    rows, _ = ce_ref(np.moveaxis(x4, 1, -1).reshape(-1, 5), t4.reshape(-1), reduction="none")
    got = F.cross_entropy(lam(x4, F64, device), lam(t4, lamina.int64, device), reduction="none")
    check(got, rows.reshape(2, 3, 4), F64)
    gradcheck(lambda a: F.cross_entropy(a, lam(t4, lamina.int64, device), label_smoothing=0.1),
              x4, device=device)
    # unbatched (C,) with a 0-d target
    x1 = arr(rng, (7,))
    got = F.cross_entropy(lam(x1, F64, device), lam(np.array(3), lamina.int64, device),
                          reduction="none")
    check(got, ce_ref(x1[None], np.array([3]), reduction="none")[0][0], F64)


def test_cross_entropy_large_logits(device, rng):
    x = arr(rng, (33, 127), -1, 1) * 1e4
    t = rng.integers(0, 127, size=33)
    want, gwant = ce_ref(rounded(x, F32), t, eps=0.1)
    for dtype in FLOATS:
        xt = lam(x, dtype, device, requires_grad=True)
        loss = F.cross_entropy(xt, lam(t, lamina.int64, device), label_smoothing=0.1)
        loss.backward()
        assert np.isfinite(to_np(loss)).all() and np.isfinite(to_np(xt.grad)).all()
        if dtype == F32:
            check(loss, want, F32, rtol=1e-5, atol=1e-3)
            check(xt.grad, gwant, F32, rtol=1e-4, atol=1e-6)


def test_cross_entropy_gradchecks(device, rng):
    x = arr(rng, (5, 4))
    t = np.array([0, 3, -100, 1, 2])
    ti = lam(t, lamina.int64, device)
    w = lam(rng.uniform(0.5, 2, 4), F64, device)
    for kw in [dict(), dict(weight=w), dict(label_smoothing=0.25), dict(reduction="sum"),
               dict(reduction="none", weight=w, label_smoothing=0.1)]:
        gradcheck(lambda a: F.cross_entropy(a, ti, **kw), x, device=device)
    q = rng.random((5, 4))
    q /= q.sum(1, keepdims=True)
    # probability targets: gradients for the logits and for the target
    gradcheck(lambda a, b: F.cross_entropy(a, b, weight=w, label_smoothing=0.2), x, q,
              device=device)
    gradcheck(lambda a, b: F.cross_entropy(a, b, reduction="none"), x, q, device=device)


# --- composite losses ------------------------------------------------------------------------

def test_other_losses_gradcheck(device, rng):
    x, y = arr(rng, (4, 5)), arr(rng, (4, 5))
    t = lam(np.array([1, 0, -100, 4]), lamina.int64, device)
    w = lam(rng.uniform(0.5, 2, 5), F64, device)
    cases = [
        lambda a, b: F.mse_loss(a, b), lambda a, b: F.l1_loss(a, b, reduction="sum"),
        lambda a, b: F.huber_loss(a, b, delta=0.7), lambda a, b: F.huber_loss(a, b, "none", 2.0),
        lambda a, b: F.binary_cross_entropy_with_logits(a, b.sigmoid()),
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=w * 1.5, weight=w),
        lambda a, b: F.nll_loss(a.log_softmax(1), t, weight=w) + b.sum() * 0,
    ]
    for fn in cases:
        gradcheck(fn, x, y, device=device)
    pw = lam(rng.uniform(0.5, 2, 5), F64, device, requires_grad=True)
    lgradcheck(lambda p: F.binary_cross_entropy_with_logits(lam(x, F64, device),
                                                            lam(y, F64, device).sigmoid(),
                                                            pos_weight=p), [pw])


def test_losses_against_numpy(device, rng):
    x, y = arr(rng, (7, 33)), arr(rng, (7, 33))
    d = x - y
    check(F.mse_loss(lam(x, F64, device), lam(y, F64, device)), (d * d).mean(), F64)
    check(F.l1_loss(lam(x, F64, device), lam(y, F64, device), reduction="sum"),
          np.abs(d).sum(), F64)
    hub = np.where(np.abs(d) < 0.5, 0.5 * d * d, 0.5 * (np.abs(d) - 0.25))
    check(F.huber_loss(lam(x, F64, device), lam(y, F64, device), "none", 0.5), hub, F64)
    big = np.array([-1e4, -30.0, 0.0, 30.0, 1e4])
    tb = np.array([1.0, 0.0, 0.3, 1.0, 0.0])
    bce = np.maximum(big, 0) - big * tb + np.log1p(np.exp(-np.abs(big)))
    got = F.binary_cross_entropy_with_logits(lam(big, F32, device), lam(tb, F32, device),
                                             reduction="none")
    check(got, bce, F32, rtol=1e-6, atol=1e-6)


TORCH_LOSSES = [
    ("CrossEntropyLoss", dict(), "index"), ("CrossEntropyLoss", dict(reduction="sum"), "index"),
    ("CrossEntropyLoss", dict(reduction="none", label_smoothing=0.1), "index"),
    ("CrossEntropyLoss", dict(weight=True, ignore_index=2), "index"),
    ("CrossEntropyLoss", dict(weight=True, label_smoothing=0.2, ignore_index=0), "index"),
    ("CrossEntropyLoss", dict(), "prob"), ("CrossEntropyLoss", dict(weight=True), "prob"),
    ("CrossEntropyLoss", dict(label_smoothing=0.3, reduction="sum"), "prob"),
    ("CrossEntropyLoss", dict(weight=True, reduction="none"), "spatial"),
    ("NLLLoss", dict(), "index"), ("NLLLoss", dict(weight=True, ignore_index=1), "index"),
    ("NLLLoss", dict(reduction="none"), "spatial"), ("NLLLoss", dict(reduction="sum"), "index"),
    ("MSELoss", dict(), "real"), ("MSELoss", dict(reduction="none"), "real"),
    ("L1Loss", dict(reduction="sum"), "real"), ("HuberLoss", dict(delta=0.5), "real"),
    ("HuberLoss", dict(delta=2.0, reduction="sum"), "real"),
    ("BCEWithLogitsLoss", dict(), "binary"), ("BCEWithLogitsLoss", dict(weight=True), "binary"),
    ("BCEWithLogitsLoss", dict(pos_weight=True, reduction="sum"), "binary"),
    ("BCEWithLogitsLoss", dict(pos_weight=True, weight=True, reduction="none"), "binary"),
]


@pytest.mark.parametrize("name, kw, kind", TORCH_LOSSES)
def test_loss_modules_match_torch(name, kw, kind, rng):
    torch = pytest.importorskip("torch")
    N, C = 33, 7
    shape = (N, C, 3) if kind == "spatial" else (N, C)
    x = arr(rng, shape, -4, 4)
    if kind in ("index", "spatial"):
        tgt = rng.integers(0, C, size=(N,) + shape[2:])
        lt, tt = lam(tgt, lamina.int64), torch.tensor(tgt)
    else:
        tgt = rng.random(shape) if kind != "real" else arr(rng, shape)
        if kind == "prob":
            tgt /= tgt.sum(1, keepdims=True)
        lt, tt = lam(tgt, F32), torch.tensor(tgt, dtype=torch.float32)
    if name == "NLLLoss":
        x = np_log_softmax(x, 1)
    lkw, tkw = dict(kw), dict(kw)
    for key in ("weight", "pos_weight"):
        if kw.get(key):
            v = rng.uniform(0.3, 2.0, C)
            lkw[key], tkw[key] = lam(v, F32), torch.tensor(v, dtype=torch.float32)
    lm, tm = getattr(nn, name)(**lkw), getattr(torch.nn, name)(**tkw)
    assert sorted(lm.state_dict()) == sorted(tm.state_dict())
    xl = lam(x, F32, requires_grad=True)
    xt = torch.tensor(x, dtype=torch.float32, requires_grad=True)
    out, ref = lm(xl, lt), tm(xt, tt)
    check(out, ref.detach().double().numpy(), F32, rtol=1e-5, atol=1e-6, msg=f"{name} {kw}")
    out.sum().backward()
    ref.sum().backward()
    check(xl.grad, xt.grad.double().numpy(), F32, rtol=1e-5, atol=1e-7, msg=f"grad {name} {kw}")


def _x(*shape):
    return lamina.ones(*shape)


def _i(*vals):
    return lamina.tensor(list(vals), dtype=lamina.int64)


@pytest.mark.parametrize("call, err, op", [
    (lambda: F.cross_entropy(_x(3, 4), _i(0, 1)), ValueError, "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _i(0, 1, 4)), IndexError, "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _i(0, -1, 2)), IndexError, "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _x(3, 5)), ValueError, "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), lamina.ones(3, dtype=lamina.bool)), TypeError,
     "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _i(0, 1, 2), weight=_x(3)), ValueError, "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _i(0, 1, 2), label_smoothing=1.5), ValueError,
     "cross_entropy"),
    (lambda: F.cross_entropy(_x(3, 4), _i(0, 1, 2), reduction="avg"), ValueError,
     "cross_entropy"),
    (lambda: F.cross_entropy(_x(2, 4, 5), _i(0, 1)), ValueError, "cross_entropy"),
    (lambda: F.cross_entropy(lamina.tensor(2.0), _i(0)), ValueError, "cross_entropy"),
    (lambda: F.cross_entropy(lamina.ones(3, 4, dtype=lamina.int64), _i(0, 1, 2)), TypeError,
     "cross_entropy"),
    (lambda: F.nll_loss(_x(3, 4), _i(0, 9, 1)), IndexError, "nll_loss"),
    (lambda: F.nll_loss(_x(3, 4), _x(3)), TypeError, "nll_loss"),
    (lambda: F.mse_loss(_x(3, 4), _x(3, 5)), ValueError, "mse_loss"),
    (lambda: F.l1_loss(_x(3), _i(1, 2, 3)), TypeError, "l1_loss"),
    (lambda: F.huber_loss(_x(3), _x(3), delta=0.0), ValueError, "huber_loss"),
    (lambda: F.binary_cross_entropy_with_logits(_x(3, 2), _x(3)), ValueError,
     "binary_cross_entropy_with_logits"),
    (lambda: F.binary_cross_entropy_with_logits(_x(3, 2), _x(3, 2), pos_weight=_x(3)),
     ValueError, "binary_cross_entropy_with_logits"),
    (lambda: nn.CrossEntropyLoss(label_smoothing=-0.1), ValueError, "CrossEntropyLoss"),
    (lambda: nn.MSELoss(reduction="mean!"), ValueError, "MSELoss"),
])
def test_loss_errors(call, err, op):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()


def test_cross_entropy_cpu_cuda_twins(rng):
    if not lamina.cuda.is_available():
        pytest.skip("CUDA unavailable")
    x = arr(rng, (257, 33), -8, 8)
    t = _index_target(rng, 257, 33, True)
    w = rng.uniform(0.5, 2, 33)
    for dev in ("cpu", "cuda"):
        xt = lam(x, F32, dev, requires_grad=True)
        loss = F.cross_entropy(xt, lam(t, lamina.int64, dev), weight=lam(w, F32, dev),
                               label_smoothing=0.1)
        loss.backward()
        if dev == "cpu":
            ref, gref = to_np(loss), to_np(xt.grad)
        else:
            check(loss, ref, F32, rtol=1e-5, atol=1e-6)
            check(xt.grad, gref, F32, rtol=1e-5, atol=1e-7)
    for shape, dim in SHAPES_DIMS:
        x = arr(rng, shape)
        for fn in (F.softmax, F.log_softmax):
            a, b = fn(lam(x, F32, "cpu"), dim), fn(lam(x, F32, "cuda"), dim)
            check(b, to_np(a), F32, rtol=1e-5, atol=1e-6)
