"""Fused softmax / log_softmax and the losses through check_op (NumPy float64 references,
awkward sizes, non-contiguous inputs, float64 gradchecks, torch when installed, for every
loss option), large logits, the modules against torch's, and bad calls that must raise errors
naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import Input, check_op
from reference import FLOATS, arr, check, lam, logsumexp, rounded, to_np, torch

F32, F64 = lamina.float32, lamina.float64
TOL32 = dict(rtol=2e-5, atol=2e-6)
TOL = {F32: (2e-5, 2e-6), F64: (1e-10, 1e-12)}  # check_op's, for softmax and the losses


def tol(dtype):
    return TOL32 if dtype == F32 else dict(rtol=1e-10, atol=1e-12)


def _tf(name):
    """torch.nn.functional.<name>, looked up when called (torch is optional)."""
    return lambda *a, **kw: getattr(torch.nn.functional, name)(*a, **kw)


# --- float64 references ------------------------------------------------------------------------

def np_log_softmax(x, axis):
    return x - logsumexp(x, axis, True)


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


def ce_loss(x, t, w=None, ignore_index=-100, reduction="mean", label_smoothing=0.0):
    """cross_entropy's loss with F.cross_entropy's arguments; classes in dim 1 of (N, C, ...),
    or an unbatched (C,)."""
    if x.ndim == 1:
        return ce_ref(x[None], t[None], w, ignore_index, label_smoothing, reduction)[0][0] \
            if reduction == "none" else \
            ce_ref(x[None], t[None], w, ignore_index, label_smoothing, reduction)[0]
    rows = np.moveaxis(x, 1, -1).reshape(-1, x.shape[1])
    tr = np.moveaxis(t, 1, -1).reshape(-1, x.shape[1]) if t.dtype.kind == "f" else t.reshape(-1)
    out = ce_ref(rows, tr, w, ignore_index, label_smoothing, reduction)[0]
    return out.reshape((x.shape[0],) + x.shape[2:]) if reduction == "none" else out


def _reduce(loss, w, reduction):
    return loss if reduction == "none" else loss.sum() if reduction == "sum" else loss.mean()


def nll_loss(x, t, w=None, ignore_index=-100, reduction="mean"):
    C = x.shape[1]
    rows = np.moveaxis(x, 1, -1).reshape(-1, C)
    tr = t.reshape(-1)
    keep = tr != ignore_index
    ts = np.where(keep, tr, 0)
    wt = (np.ones(C) if w is None else w)[ts] * keep
    loss = -rows[np.arange(len(tr)), ts] * wt
    if reduction == "none":
        return loss.reshape(t.shape)
    return loss.sum() if reduction == "sum" else loss.sum() / wt.sum()


def mse_loss(x, y, reduction="mean"):
    return _reduce((x - y) ** 2, None, reduction)


def l1_loss(x, y, reduction="mean"):
    return _reduce(np.abs(x - y), None, reduction)


def huber_loss(x, y, reduction="mean", delta=1.0):
    d = np.abs(x - y)
    return _reduce(np.where(d < delta, 0.5 * d * d, delta * (d - 0.5 * delta)), None, reduction)


def bce_with_logits(x, t, weight=None, pos_weight=None, reduction="mean"):
    """torch's formula: (1 - t) x + (1 + (pw - 1) t) (log1p(exp(-|x|)) + max(-x, 0))."""
    pw = 1.0 if pos_weight is None else pos_weight
    loss = (1 - t) * x + (1 + (pw - 1) * t) * (np.log1p(np.exp(-np.abs(x))) + np.maximum(-x, 0))
    return _reduce(loss * (1.0 if weight is None else weight), None, reduction)


# --- softmax -----------------------------------------------------------------------------------

SHAPES_DIMS = [((257,), 0), ((7, 33), 1), ((33, 7), 0), ((3, 127, 5), 1), ((2, 1, 257), -1),
               ((1,), 0), ((), 0), ((4, 7, 33), 0), ((5, 300, 2), 1), ((3, 7), 1), ((5, 2, 3), 0),
               ((4, 33, 7), 0), ((4, 33, 7), 1), ((4, 33, 7), 2), ((7, 33), -1), ((3, 5, 300), 1)]


@pytest.mark.parametrize("log", [False, True])
def test_softmax(log, device, rng):
    name = "log_softmax" if log else "softmax"
    fn = getattr(F, name)
    for shape, dim in SHAPES_DIMS:
        check_op(fn, [Input(shape, -4, 4), dim],
                 lambda x, d: np_log_softmax(x, d if shape else None) if log else
                 np.exp(np_log_softmax(x, d if shape else None)),
                 _tf(name), rng=rng, device=device, tol=TOL, fd_numel=30,
                 name=f"{name} {shape} {dim}")
    # the method and the top-level function, and a composition
    for dim in (0, 1, -1):
        method = (lambda t: t.log_softmax(dim)) if log else (lambda t: lamina.softmax(t, dim))
        check_op(method, [Input((7, 33), -3, 3)],
                 lambda x: np_log_softmax(x, dim) if log else np.exp(np_log_softmax(x, dim)),
                 lambda t: getattr(t, name)(dim), rng=rng, device=device, tol=TOL)
    check_op(lambda t: fn(t * t, -1).sum(-1), [(4, 6)],
             lambda x: (np_log_softmax(x * x, -1) if log else np.exp(np_log_softmax(x * x, -1))
                        ).sum(-1), lambda t: getattr(t * t, name)(-1).sum(-1), rng=rng,
             device=device, tol=TOL, fd_numel=24)


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

NC = [(1, 257), (7, 33), (33, 7), (127, 1), (257, 127), (3, 1), (5, 4)]
CE_OPTS = [dict(), dict(weight=True), dict(label_smoothing=0.15), dict(ignore=True),
           dict(weight=True, ignore=True, label_smoothing=0.3)]


def _index_target(rng, N, C, ignore):
    t = rng.integers(0, C, size=N)
    if ignore and N > 1:
        t[rng.random(N) < 0.3] = -100
        t[0] = -100
        t[-1] = rng.integers(0, C)  # one row kept: a mean over no row is NaN (tested below)
    return t


def _weight(rng, C, on):
    return Input(rng.uniform(0.2, 2.0, C), grad=False) if on else None


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_cross_entropy_index_targets(reduction, device, rng):
    for N, C in NC:
        for opts in CE_OPTS:
            eps = opts.get("label_smoothing", 0.0)
            t = _index_target(rng, N, C, opts.get("ignore"))
            w = _weight(rng, C, opts.get("weight"))
            check_op(F.cross_entropy, [Input((N, C), -6, 6), t, w], ce_loss, _tf("cross_entropy"),
                     rng=rng, device=device, tol=TOL,
                     kwargs=dict(reduction=reduction, label_smoothing=eps),
                     name=f"cross_entropy N={N} C={C} {opts} {reduction}")


def test_cross_entropy_every_row_ignored(device):
    x = lamina.ones(3, 4, device=device, requires_grad=True)
    t = lamina.full((3,), -100, dtype=lamina.int64, device=device)
    assert np.isnan(to_np(F.cross_entropy(x, t)))  # 0 / 0, as torch
    check(F.cross_entropy(x, t, reduction="sum"), np.array(0.0), F32)


def test_cross_entropy_probability_targets(device, rng):
    for N, C in NC:
        for eps, weighted in [(0.0, False), (0.2, False), (0.0, True), (0.1, True)]:
            q = rng.random((N, C))
            q /= q.sum(1, keepdims=True)
            for reduction in ("mean",) if N * C > 64 else ("mean", "none"):
                check_op(F.cross_entropy, [Input((N, C), -6, 6), q, _weight(rng, C, weighted)],
                         ce_loss, _tf("cross_entropy"), rng=rng, device=device, tol=TOL,
                         kwargs=dict(label_smoothing=eps, reduction=reduction),
                         name=f"cross_entropy probabilities N={N} C={C} eps={eps} w={weighted}")


def test_cross_entropy_spatial_and_unbatched(device, rng):
    # (N, C, d1, d2): classes moved last; 'none' keeps (N, d1, d2)
    t4 = rng.integers(0, 5, size=(2, 3, 4))
    for kw in (dict(reduction="none"), dict(label_smoothing=0.1)):
        check_op(F.cross_entropy, [(2, 5, 3, 4), t4, _weight(rng, 5, True)], ce_loss,
                 _tf("cross_entropy"), rng=rng, device=device, tol=TOL, kwargs=kw)
    q4 = rng.random((2, 5, 3))
    q4 /= q4.sum(1, keepdims=True)
    check_op(F.cross_entropy, [(2, 5, 3), q4], ce_loss, _tf("cross_entropy"), rng=rng,
             device=device, tol=TOL)
    # unbatched (C,) with a 0-d target
    check_op(F.cross_entropy, [(7,), np.array(3)], ce_loss, _tf("cross_entropy"), rng=rng,
             device=device, tol=TOL, kwargs=dict(reduction="none"))


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


# --- composite losses ------------------------------------------------------------------------

@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_regression_losses(reduction, device, rng):
    for shape in ((4, 5), (7, 33), (257,)):
        for fn, ref, name, kw in [(F.mse_loss, mse_loss, "mse_loss", {}),
                                  (F.l1_loss, l1_loss, "l1_loss", {}),
                                  (F.huber_loss, huber_loss, "huber_loss", dict(delta=0.7)),
                                  (F.huber_loss, huber_loss, "huber_loss", dict(delta=2.0))]:
            check_op(fn, [shape, shape], ref, _tf(name), rng=rng, device=device, tol=TOL,
                     kwargs=dict(reduction=reduction, **kw), name=f"{name} {shape} {kw}")


def _bce(x, t, w, pw, **kw):
    return F.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw, **kw)


def _tbce(x, t, w, pw, **kw):
    return torch.nn.functional.binary_cross_entropy_with_logits(x, t, weight=w, pos_weight=pw,
                                                                **kw)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_with_logits(reduction, device, rng):
    for shape in ((4, 5), (7, 33)):
        C = shape[-1]
        for weight, pos_weight in [(None, None), ((C,), None), (None, (C,)), (shape, (C,))]:
            pw = pos_weight and Input(pos_weight, 0.5, 2, grad=False)
            check_op(_bce, [shape, Input(shape, 0, 1), weight and Input(weight, 0.5, 2, grad=False),
                            pw], bce_with_logits, _tbce, rng=rng, device=device, tol=TOL,
                     kwargs=dict(reduction=reduction),
                     name=f"bce_with_logits {shape} {weight} {pos_weight}")
    # the gradient of pos_weight (torch has none)
    check_op(_bce, [(4, 5), Input((4, 5), 0, 1), None, Input((5,), 0.5, 2)], bce_with_logits,
             rng=rng, device=device, tol=TOL, kwargs=dict(reduction=reduction))
    # large logits: no overflow
    big = np.array([-1e4, -30.0, 0.0, 30.0, 1e4])
    tb = np.array([1.0, 0.0, 0.3, 1.0, 0.0])
    bce = np.maximum(big, 0) - big * tb + np.log1p(np.exp(-np.abs(big)))
    got = F.binary_cross_entropy_with_logits(lam(big, F32, device), lam(tb, F32, device),
                                             reduction="none")
    check(got, bce, F32, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_nll_loss(reduction, device, rng):
    for ignore_index, w in [(-100, None), (-100, (5,)), (1, (5,))]:
        t = np.array([1, 0, ignore_index, 4])
        check_op(F.nll_loss, [(4, 5), t, w and Input(w, 0.5, 2, grad=False)], nll_loss,
                 _tf("nll_loss"), rng=rng, device=device, tol=TOL,
                 kwargs=dict(reduction=reduction, ignore_index=ignore_index))
    check_op(F.nll_loss, [(33, 7, 3), rng.integers(0, 7, (33, 3))], nll_loss, _tf("nll_loss"),
             rng=rng, device=device, tol=TOL, kwargs=dict(reduction=reduction))


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
    """The modules (float32 parameters: float32 only) against torch's, values and gradients."""
    pytest.importorskip("torch")
    N, C = 33, 7
    shape = (N, C, 3) if kind == "spatial" else (N, C)
    if kind in ("index", "spatial"):
        tgt = rng.integers(0, C, size=(N,) + shape[2:])
    else:
        tgt = rng.random(shape) if kind != "real" else arr(rng, shape)
        if kind == "prob":
            tgt /= tgt.sum(1, keepdims=True)
        tgt = Input(tgt, grad=False)
    lkw, tkw = dict(kw), dict(kw)
    for key in ("weight", "pos_weight"):
        if kw.get(key):
            v = rng.uniform(0.3, 2.0, C).astype(np.float32)
            lkw[key], tkw[key] = lam(v, F32), torch.tensor(v)
    lm, tm = getattr(nn, name)(**lkw), getattr(torch.nn, name)(**tkw)
    assert sorted(lm.state_dict()) == sorted(tm.state_dict())
    # gradients: torch's own float32 error reaches 4e-7 |w| for upstream weights w (lamina's
    # 1.2e-7 |w|, both against float64), so atol 1e-6 where unit weights had 1e-7
    check_op(lm, [Input(shape, -4, 4), tgt], None, tm, rng=rng, dtypes=(F32,),
             tol={F32: (1e-5, 1e-6)}, grad_tol={F32: (1e-5, 1e-6)}, name=f"{name} {kw}")


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
