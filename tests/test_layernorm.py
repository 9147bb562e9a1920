"""Fused layer_norm through check_op: NumPy float64 (awkward sizes, several normalized dims,
non-contiguous inputs, with and without weight / bias), float64 gradchecks of input, weight
and bias, torch (when installed) for outputs and every gradient; nn.LayerNorm, and bad calls."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import Input, check_op
from reference import arr, check, lam, rounded, to_np, torch

F32, F64 = lamina.float32, lamina.float64


def tol(dtype):
    return dict(rtol=1e-4, atol=2e-5) if dtype == F32 else dict(rtol=1e-10, atol=1e-11)


# --- float64 reference ---------------------------------------------------------------------------

def ln_ref(x, nd, w=None, b=None, eps=1e-5, dy=None):
    """y, and with dy: (dx, dw, db) over the last nd dims."""
    axes = tuple(range(x.ndim - nd, x.ndim))
    mean = x.mean(axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axes, keepdims=True)
    rstd = 1.0 / np.sqrt(var + eps)
    xhat = (x - mean) * rstd
    y = xhat * (1.0 if w is None else w) + (0.0 if b is None else b)
    if dy is None:
        return y
    g = dy * (1.0 if w is None else w)
    dx = rstd * (g - g.mean(axes, keepdims=True) - xhat * (g * xhat).mean(axes, keepdims=True))
    lead = tuple(range(x.ndim - nd))
    return y, dx, (dy * xhat).sum(lead), dy.sum(lead)


SHAPES = [((1, 1), 1), ((7, 33), 1), ((3, 127), 1), ((2, 5, 257), 1), ((257, 7), 1),
          ((4, 1), 1), ((3, 7, 9), 2), ((2, 3, 4, 5), 3), ((33,), 1), ((5, 48), 1),
          ((2, 1000), 1)]


TOL = {F32: (1e-4, 2e-5), F64: (1e-10, 1e-11)}


def _ln(ns, eps, F=F):
    return lambda x, w, b: F.layer_norm(x, ns, w, b, eps=eps)


def _tln(ns, eps):
    return lambda x, w, b: torch.nn.functional.layer_norm(x, ns, w, b, eps=eps)


@pytest.mark.parametrize("shape,nd", SHAPES + [((3, 5), 1), ((2, 3, 4), 2), ((1, 7), 1)])
def test_layer_norm(device, rng, shape, nd):
    ns = shape[len(shape) - nd:]
    tref, grad_tol = _tln, TOL
    if np.prod(ns) == 1:
        # one-element rows: dx is exactly 0, computed as a difference of terms rstd * dy with
        # rstd = 1 / sqrt(eps) = 316: float32 leaves about rstd * |dy| * 2^-23 (up to 1.5e-4;
        # torch's the same); the atol of 2e-5 used before failed for 3 of 8 seeds
        tref, grad_tol = (lambda ns, eps: None), {F32: (1e-4, 2e-4)}
    for w, b, eps in [(ns, ns, 1e-5), (None, None, 1e-5), (ns, ns, 1e-3)]:
        check_op(_ln(ns, eps), [Input(shape, -4.5, 7.5), w, b],
                 lambda x, w, b: ln_ref(x, nd, w, b, eps), tref(ns, eps), rng=rng, device=device,
                 tol=TOL, grad_tol=grad_tol, fd_numel=24,
                 name=f"layer_norm {shape} {ns} affine={w is not None} eps={eps}")


@pytest.mark.parametrize("affine", ["weight", "bias"])
def test_partial_affine(device, rng, affine):
    w = (37,) if affine == "weight" else None
    b = (37,) if affine == "bias" else None
    check_op(_ln((37,), 1e-3), [(9, 37), w, b], lambda x, w, b: ln_ref(x, 1, w, b, 1e-3),
             _tln((37,), 1e-3), rng=rng, device=device, tol=TOL)


def test_large_mean_and_long_rows(device, rng):
    # a large offset (cancellation) and rows long enough for the chunked float sums
    x = rounded(arr(rng, (3, 70001)) + 1000.0, F32)
    check(F.layer_norm(lam(x, F32, device), (70001,)), ln_ref(x, 1), F32, rtol=1e-3, atol=3e-4)


def test_many_rows_param_grads(device, rng):
    # enough rows for several per-thread chunks and float partial flushes
    x, w, b = arr(rng, (1031, 64)), arr(rng, (64,)), arr(rng, (64,))
    check_op(_ln((64,), 1e-5), [x, Input(w, grad=False), Input(b, grad=False)],
             lambda x, w, b: ln_ref(x, 1, w, b), _tln((64,), 1e-5), rng=rng, device=device,
             tol=TOL)
    # dw and db sum 1031 rows in float32
    check_op(_ln((64,), 1e-5), [Input(x, grad=False), w, b], lambda x, w, b: ln_ref(x, 1, w, b),
             _tln((64,), 1e-5), rng=rng, device=device, tol=TOL, grad_tol={F32: (1e-4, 1e-4)})


def test_only_param_grads(device, rng):
    x, dy = arr(rng, (6, 10)), arr(rng, (6, 10))
    w = arr(rng, (10,))
    _, _, dw_ref, db_ref = ln_ref(x, 1, w, w, 1e-5, dy)
    wt, bt = lam(w, F64, device, True), lam(w, F64, device, True)
    xt = lam(x, F64, device)
    F.layer_norm(xt, 10, wt, bt).backward(lam(dy, F64, device))
    assert xt.grad is None
    check(wt.grad, dw_ref, F64, **tol(F64))
    check(bt.grad, db_ref, F64, **tol(F64))


def test_no_grad_path_and_eval(device, rng):
    x = arr(rng, (4, 6))
    with lamina.no_grad():
        y = F.layer_norm(lam(x, F64, device, True), 6)
    assert not y.requires_grad
    check(y, ln_ref(x, 1), F64, **tol(F64))


# --- nn.LayerNorm --------------------------------------------------------------------------------

def test_module_layout_and_repr():
    m = nn.LayerNorm(8)
    assert m.normalized_shape == (8,) and m.eps == 1e-5 and m.elementwise_affine
    assert list(m.state_dict()) == ["weight", "bias"]
    np.testing.assert_array_equal(to_np(m.weight), np.ones(8))
    np.testing.assert_array_equal(to_np(m.bias), np.zeros(8))
    assert repr(m) == "LayerNorm((8,), eps=1e-05, elementwise_affine=True, bias=True)"
    m2 = nn.LayerNorm([3, 4], eps=1e-6, elementwise_affine=False)
    assert m2.weight is None and m2.bias is None and list(m2.state_dict()) == []
    assert repr(m2) == "LayerNorm((3, 4), eps=1e-06, elementwise_affine=False, bias=False)"
    m3 = nn.LayerNorm(5, bias=False, dtype=F64)
    assert m3.bias is None and list(m3.state_dict()) == ["weight"] and m3.weight.dtype == F64


def test_module_forward(device, rng):
    x = arr(rng, (2, 3, 4, 5))
    m = nn.LayerNorm((4, 5), dtype=F64).to(device)
    check(m(lam(x, F64, device)), ln_ref(x, 2), F64, **tol(F64))


# --- torch ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", [dict(), dict(bias=False), dict(elementwise_affine=False)])
@pytest.mark.parametrize("shape,ns", [((4, 7, 33), (33,)), ((3, 5, 6), (5, 6)), ((2, 768), (768,))])
def test_module_against_torch(rng, cfg, shape, ns):
    """nn.LayerNorm with a torch state_dict: repr, outputs and input gradients (float32: the
    parameters' dtype; the functional tests cover the parameters' gradients)."""
    pytest.importorskip("torch")
    tm = torch.nn.LayerNorm(ns, eps=1e-5, **cfg)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.from_numpy(arr(rng, tuple(p.shape))))
    m = nn.LayerNorm(ns, **cfg)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    w, b = (None if p is None else to_np(p) for p in (m.weight, m.bias))
    check_op(m, [shape], lambda x: ln_ref(x, len(ns), w, b), tm, rng=rng, dtypes=(F32,),
             tol={F32: (1e-4, 1e-5)})


# --- errors --------------------------------------------------------------------------------------

def test_errors(rng):
    x = lam(arr(rng, (3, 4)))
    with pytest.raises(ValueError, match=r"^\[layer_norm\].*normalized_shape"):
        F.layer_norm(x, (5,))
    with pytest.raises(ValueError, match=r"^\[layer_norm\]"):
        F.layer_norm(x, (2, 3, 4))
    with pytest.raises(ValueError, match=r"^\[layer_norm\]"):
        F.layer_norm(x, ())
    with pytest.raises(ValueError, match=r"^\[layer_norm\] expected weight of shape"):
        F.layer_norm(x, 4, lam(np.ones(3)))
    with pytest.raises(ValueError, match=r"^\[layer_norm\] expected bias of shape"):
        F.layer_norm(x, 4, None, lam(np.ones((1, 4))))
    with pytest.raises(TypeError, match=r"^\[layer_norm\] weight dtype"):
        F.layer_norm(x, 4, lam(np.ones(4), F64))
    with pytest.raises(TypeError, match=r"^\[layer_norm\]"):
        F.layer_norm(lamina.tensor([[1, 2]]), 2)
    with pytest.raises(TypeError, match=r"^\[layer_norm\]"):
        F.layer_norm(x, "4")
    with pytest.raises(TypeError, match=r"^\[layer_norm\]"):
        F.layer_norm(np.ones((3, 4)), 4)
    with pytest.raises(ValueError, match=r"^\[layer_norm\]"):
        nn.LayerNorm(3)(x)
    with pytest.raises(ValueError, match=r"^\[layer_norm\]"):  # the C++ checks, called directly
        lamina._C.layer_norm(x, None, None, 3, 1e-5)
    with pytest.raises(ValueError, match=r"^\[layer_norm_backward\]"):
        lamina._C.layer_norm_backward(lam(np.ones((2, 4))), x, x, x, None, 1, True, False, False)
