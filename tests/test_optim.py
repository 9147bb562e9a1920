"""Optimizers and schedulers: the fused update kernels against NumPy float64 over awkward
sizes, 20-step trajectories against torch (gradients computed by each library), state_dict
round trips, version bumps, scheduler values against torch, and bad calls."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina import optim
from lamina.optim import lr_scheduler
from reference import SIZES, arr, check, lam, to_np

F32, F64 = lamina.float32, lamina.float64


# --- the kernels against NumPy ------------------------------------------------------------

def np_sgd(p, g, buf, lr, momentum, dampening, wd, nesterov, maximize, first):
    g = -g if maximize else g
    g = g + wd * p
    if momentum:
        buf = g.copy() if first else momentum * buf + (1 - dampening) * g
        g = g + momentum * buf if nesterov else buf
    return p - lr * g, buf


def np_adam(p, g, m, v, vmax, lr, b1, b2, eps, wd, decoupled, maximize, step):
    g = -g if maximize else g
    if decoupled:
        p = p * (1 - lr * wd)
    else:
        g = g + wd * p
    m = m + (1 - b1) * (g - m)
    v = b2 * v + (1 - b2) * g * g
    if vmax is not None:
        vmax = np.maximum(vmax, v)
    vd = v if vmax is None else vmax
    denom = np.sqrt(vd) / np.sqrt(1 - b2 ** step) + eps
    return p - lr / (1 - b1 ** step) * m / denom, m, v, vmax


@pytest.mark.parametrize("dtype", [F32, F64])
def test_sgd_kernel(dtype, device, rng):
    tol = dict(rtol=1e-6, atol=1e-6) if dtype == F32 else dict(rtol=1e-13, atol=1e-13)
    for n in SIZES + (100_003,):
        for cfg in [(0.1, 0.0, 0.0, 0.0, False, False), (0.05, 0.9, 0.0, 1e-2, True, False),
                    (0.2, 0.8, 0.3, 0.0, False, True)]:
            p, g, b = arr(rng, n), arr(rng, n), arr(rng, n)
            pt, gt, bt = lam(p, dtype, device), lam(g, dtype, device), lam(b, dtype, device)
            for first in (True, False):
                v0 = pt._version
                lamina._C.sgd_step(pt, gt, bt if cfg[1] else None, *cfg, first)
                p, b = np_sgd(p, g, b, *cfg, first)
                assert pt._version > v0
                check(pt, p, dtype, msg=f"n={n} {cfg}", **tol)
                if cfg[1]:
                    check(bt, b, dtype, **tol)


@pytest.mark.parametrize("dtype", [F32, F64])
def test_adam_kernel(dtype, device, rng):
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == F32 else dict(rtol=1e-12, atol=1e-13)
    for n in SIZES + (100_003,):
        for lr, wd, decoupled, maximize, ams in [(1e-2, 0, False, False, False),
                                                 (1e-2, 0.1, False, True, True),
                                                 (3e-2, 0.05, True, False, True)]:
            p, g = arr(rng, n), arr(rng, n)
            m, v, vm = np.zeros(n), np.zeros(n), np.zeros(n) if ams else None
            ts = [lam(a, dtype, device) for a in (p, g, m, v)]
            vmt = lam(vm, dtype, device) if ams else None
            for step in (1, 2, 3):
                lamina._C.adam_step(*ts, vmt, lr, 0.9, 0.999, 1e-8, wd, decoupled, maximize,
                                    1 - 0.9 ** step, 1 - 0.999 ** step)
                p, m, v, vm = np_adam(p, g, m, v, vm, lr, 0.9, 0.999, 1e-8, wd, decoupled,
                                      maximize, step)
                check(ts[0], p, dtype, msg=f"n={n} step={step}", **tol)
                check(ts[2], m, dtype, **tol)
                check(ts[3], v, dtype, **tol)


# --- trajectories against torch -----------------------------------------------------------

def _problem(rng):
    """A small MLP-like problem: two weight matrices, a bias, fixed data."""
    return dict(w1=arr(rng, (7, 33), -0.5, 0.5), b1=arr(rng, (33,), -0.1, 0.1),
                w2=arr(rng, (33, 1), -0.5, 0.5), x=arr(rng, (127, 7)), y=arr(rng, (127, 1)))


def _loss(lib, ps, x, y):
    h = (x @ ps[0] + ps[1]).tanh()
    d = h @ ps[2] - y
    return (d * d).mean() + (ps[0] * ps[0]).sum() * 1e-3


CONFIGS = [
    ("SGD", dict(lr=0.1)), ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.3, weight_decay=1e-2)),
    ("SGD", dict(lr=0.005, momentum=0.5, weight_decay=1e-3, maximize=True)),
    ("Adam", dict(lr=1e-2)), ("Adam", dict(lr=1e-2, betas=(0.8, 0.99), weight_decay=1e-2)),
    ("Adam", dict(lr=1e-2, amsgrad=True)), ("Adam", dict(lr=1e-2, maximize=True, eps=1e-6)),
    ("AdamW", dict(lr=1e-2)), ("AdamW", dict(lr=1e-2, weight_decay=0.1, amsgrad=True)),
]


def _run_pair(torch, name, kw, dtype, rng, steps=20, groups=False):
    prob = _problem(rng)
    tdt = torch.float32 if dtype == F32 else torch.float64
    lp = [lam(prob[k], dtype, requires_grad=True) for k in ("w1", "b1", "w2")]
    tp = [torch.tensor(prob[k], dtype=tdt, requires_grad=True) for k in ("w1", "b1", "w2")]
    lx, ly = lam(prob["x"], dtype), lam(prob["y"], dtype)
    tx, ty = torch.tensor(prob["x"], dtype=tdt), torch.tensor(prob["y"], dtype=tdt)
    if groups:  # per-group hyperparameters
        lo = getattr(optim, name)([{"params": lp[:2]}, {"params": lp[2:], "lr": kw["lr"] / 3}], **kw)
        to = getattr(torch.optim, name)([{"params": tp[:2]}, {"params": tp[2:], "lr": kw["lr"] / 3}],
                                        **kw)
    else:
        lo, to = getattr(optim, name)(lp, **kw), getattr(torch.optim, name)(tp, **kw)
    for _ in range(steps):
        lo.zero_grad()
        _loss(lamina, lp, lx, ly).backward()
        lo.step()
        to.zero_grad()
        _loss(torch, tp, tx, ty).backward()
        to.step()
    return lp, tp, lo, to


@pytest.mark.parametrize("dtype", [F32, F64])
@pytest.mark.parametrize("name, kw", CONFIGS)
def test_trajectory_matches_torch(name, kw, dtype, rng):
    torch = pytest.importorskip("torch")
    lp, tp, _, _ = _run_pair(torch, name, kw, dtype, rng)
    tol = dict(rtol=1e-5, atol=1e-6) if dtype == F32 else dict(rtol=1e-10, atol=1e-12)
    for a, b in zip(lp, tp):
        check(a, b.detach().double().numpy(), dtype, msg=f"{name} {kw}", **tol)


@pytest.mark.parametrize("name", ["SGD", "Adam"])
def test_param_groups_match_torch(name, rng):
    torch = pytest.importorskip("torch")
    kw = dict(lr=0.05, momentum=0.9) if name == "SGD" else dict(lr=1e-2, weight_decay=1e-2)
    lp, tp, lo, to = _run_pair(torch, name, kw, F32, rng, groups=True)
    for a, b in zip(lp, tp):
        check(a, b.detach().double().numpy(), F32, rtol=1e-5, atol=1e-6)
    assert [g["lr"] for g in lo.param_groups] == [g["lr"] for g in to.param_groups]


def test_state_dict_round_trip_and_torch_format(rng):
    torch = pytest.importorskip("torch")
    for name, kw in [("SGD", dict(lr=0.05, momentum=0.9)), ("Adam", dict(lr=1e-2, amsgrad=True))]:
        lp, tp, lo, to = _run_pair(torch, name, kw, F64, rng, steps=10)
        sd, tsd = lo.state_dict(), to.state_dict()
        assert sd["param_groups"] == tsd["param_groups"]
        assert sorted(sd["state"]) == sorted(tsd["state"])
        for i in sd["state"]:
            assert sorted(sd["state"][i]) == sorted(tsd["state"][i])
        # a fresh optimizer on copies of the parameters resumes exactly where this one is
        saved = copy.deepcopy({"state": {i: {k: to_np(v) for k, v in s.items()}
                                         for i, s in sd["state"].items()},
                               "param_groups": sd["param_groups"]})
        lp2 = [lam(to_np(p), F64, requires_grad=True) for p in lp]
        lo2 = getattr(optim, name)(lp2, lr=123.0)
        lo2.load_state_dict(saved)
        assert lo2.param_groups[0]["lr"] == kw["lr"]
        # and one built from torch's state_dict follows torch's trajectory
        lp3 = [lam(p.detach().numpy(), F64, requires_grad=True) for p in tp]
        lo3 = getattr(optim, name)(lp3, **kw)
        lo3.load_state_dict(to.state_dict())
        data = _problem(np.random.default_rng(7))
        x, y = lam(data["x"], F64), lam(data["y"], F64)
        tx, ty = torch.tensor(data["x"]), torch.tensor(data["y"])
        for _ in range(10):
            for ps, o in ((lp, lo), (lp2, lo2), (lp3, lo3)):
                o.zero_grad()
                _loss(lamina, ps, x, y).backward()
                o.step()
            to.zero_grad()
            _loss(torch, tp, tx, ty).backward()
            to.step()
        for a, b, c, d in zip(lp, lp2, lp3, tp):
            np.testing.assert_array_equal(to_np(a), to_np(b))
            check(c, d.detach().numpy(), F64, rtol=1e-10, atol=1e-12)


def test_zero_grad_step_versions_and_closure(rng):
    p = lam(arr(rng, (7,)), F32, requires_grad=True)
    opt = optim.SGD([p], lr=0.1, momentum=0.9)
    y = (p * p).sum()  # saves p for backward
    y.backward(retain_graph=True)
    v = p._version
    loss = opt.step(lambda: float(y.item()))
    assert p._version > v and isinstance(loss, float)
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        y.backward()
    opt.zero_grad(set_to_none=False)
    assert p.grad is not None and not to_np(p.grad).any()
    opt.zero_grad()
    assert p.grad is None
    before = to_np(p)
    opt.step()  # no gradients: nothing moves
    np.testing.assert_array_equal(to_np(p), before)


# --- schedulers -----------------------------------------------------------------------------

SCHEDULERS = [
    ("StepLR", dict(step_size=7, gamma=0.5)), ("StepLR", dict(step_size=1, gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=10, eta_min=0.01)), ("CosineAnnealingLR", dict(T_max=30)),
    ("LinearLR", dict(start_factor=0.1, total_iters=8)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=20)),
    ("LambdaLR", dict(lr_lambda=lambda e: min(1.0, (e + 1) / 5))),
]


@pytest.mark.parametrize("name, kw", SCHEDULERS)
def test_scheduler_matches_torch(name, kw):
    torch = pytest.importorskip("torch")
    lp = [lam(np.ones(3), F32, requires_grad=True), lam(np.ones(2), F32, requires_grad=True)]
    tp = [torch.ones(3, requires_grad=True), torch.ones(2, requires_grad=True)]
    lo = optim.SGD([{"params": lp[:1]}, {"params": lp[1:], "lr": 0.03}], lr=0.1, momentum=0.9)
    to = torch.optim.SGD([{"params": tp[:1]}, {"params": tp[1:], "lr": 0.03}], lr=0.1,
                         momentum=0.9)
    ls, ts = getattr(lr_scheduler, name)(lo, **kw), getattr(torch.optim.lr_scheduler, name)(to, **kw)
    for step in range(30):
        np.testing.assert_allclose(ls.get_last_lr(), ts.get_last_lr(), rtol=1e-12, atol=1e-15,
                                   err_msg=f"{name} step {step}")
        assert [g["lr"] for g in lo.param_groups] == pytest.approx(
            [g["lr"] for g in to.param_groups], rel=1e-12, abs=1e-15)
        for ps, o in ((lp, lo), (tp, to)):
            for p in ps:
                p.grad = p.detach() * 0 + 1
            o.step()
        ls.step()
        ts.step()
    np.testing.assert_allclose(to_np(lp[0]), tp[0].detach().numpy(), rtol=1e-5)
    sd = ls.state_dict()
    assert sd["last_epoch"] == 30 and "optimizer" not in sd


# --- errors ----------------------------------------------------------------------------------

def _p(*shape, dtype=F32):
    return lamina.zeros(*shape, dtype=dtype, requires_grad=True)


@pytest.mark.parametrize("call, err, op", [
    (lambda: optim.SGD([_p(3)], lr=-0.1), ValueError, "SGD"),
    (lambda: optim.SGD([_p(3)], lr=0.1, momentum=-1), ValueError, "SGD"),
    (lambda: optim.SGD([_p(3)], lr=0.1, nesterov=True), ValueError, "SGD"),
    (lambda: optim.SGD([], lr=0.1), ValueError, "SGD"),
    (lambda: optim.SGD(_p(3), lr=0.1), TypeError, "SGD"),
    (lambda: optim.SGD([_p(3) * 2], lr=0.1), ValueError, "SGD"),
    (lambda: optim.SGD([lamina.zeros(3, dtype=lamina.int64)], lr=0.1), TypeError, "SGD"),
    (lambda: optim.Adam([_p(3)], lr=-1e-3), ValueError, "Adam"),
    (lambda: optim.Adam([_p(3)], betas=(0.9, 1.0)), ValueError, "Adam"),
    (lambda: optim.AdamW([_p(3)], eps=-1.0), ValueError, "AdamW"),
    (lambda: optim.Adam([_p(3)], weight_decay=-0.1), ValueError, "Adam"),
    (lambda: optim.SGD([{"params": [_p(3)]}, {"params": [_p(2)], "lr": -1}], lr=0.1),
     ValueError, "SGD"),
    (lambda: lr_scheduler.StepLR(optim.SGD([_p(3)], lr=0.1), step_size=0), ValueError, "StepLR"),
    (lambda: lr_scheduler.LinearLR(optim.SGD([_p(3)], lr=0.1), start_factor=0), ValueError,
     "LinearLR"),
    (lambda: lr_scheduler.CosineAnnealingLR(object(), T_max=3), TypeError, "CosineAnnealingLR"),
    (lambda: lamina._C.sgd_step(_p(3).detach(), lamina.zeros(4), None, 0.1, 0, 0, 0, False, False,
                                True), ValueError, "sgd"),
    (lambda: lamina._C.sgd_step(_p(3).detach(), lamina.zeros(3, dtype=F64), None, 0.1, 0, 0, 0,
                                False, False, True), TypeError, "sgd"),
    (lambda: lamina._C.sgd_step(_p(3, 2).detach().t(), lamina.zeros(2, 3), None, 0.1, 0, 0, 0,
                                False, False, True), ValueError, "sgd"),
    (lambda: lamina._C.sgd_step(_p(3).detach(), lamina.zeros(3), None, 0.1, 0.9, 0, 0, False,
                                False, True), ValueError, "sgd"),
    (lambda: lamina._C.adam_step(*[lamina.zeros(3)] * 3, lamina.zeros(2), None, 1e-3, 0.9,
                                 0.999, 1e-8, 0, False, False, 0.1, 0.001), ValueError, "adam"),
    (lambda: lamina._C.adam_step(*[lamina.zeros(3)] * 4, None, 1e-3, 0.9, 0.999, 1e-8, 0, True,
                                 False, 0.0, 0.001), ValueError, "adamw"),
])
def test_optim_errors(call, err, op):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()


def test_step_rejects_mismatched_grad_and_load_errors():
    p = _p(3)
    opt = optim.Adam([p])
    p.grad = lamina.zeros(4)
    with pytest.raises(ValueError, match=r"^\[Adam\]"):
        opt.step()
    with pytest.raises(ValueError, match=r"^\[Adam.load_state_dict\]"):
        opt.load_state_dict({"state": {}, "param_groups": []})
    with pytest.raises(ValueError, match=r"^\[Adam.load_state_dict\]"):
        opt.load_state_dict({"state": {}, "param_groups": [{"lr": 1.0, "params": [0, 1]}]})


def test_train_loop_with_cross_entropy_decreases_loss(rng):
    x = lam(arr(rng, (257, 7)), F32)
    t = lam(rng.integers(0, 3, 257), lamina.int64)
    w = lam(arr(rng, (7, 3), -0.1, 0.1), F32, requires_grad=True)
    opt = optim.AdamW([w], lr=0.05)
    sched = lr_scheduler.CosineAnnealingLR(opt, T_max=30)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = F.cross_entropy(x @ w, t)
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.item()))
    assert losses[-1] < losses[0]
