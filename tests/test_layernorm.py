"""Fused layer_norm / nn.LayerNorm against NumPy float64 (awkward sizes, several normalized
dims, non-contiguous inputs, with and without weight / bias), float64 gradchecks of input,
weight and bias, torch (when installed) for outputs and every gradient, and bad calls."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from reference import FLOATS, arr, check, gradcheck, lam, layouts, rounded, to_np

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


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,nd", SHAPES)
def test_forward_backward_matches_numpy(device, rng, dtype, shape, nd):
    x = rounded(arr(rng, shape) * 3 + 1.5, dtype)
    ns = shape[len(shape) - nd:]
    w, b = rounded(arr(rng, ns), dtype), rounded(arr(rng, ns), dtype)
    dy = rounded(arr(rng, shape), dtype)
    y_ref, dx_ref, dw_ref, db_ref = ln_ref(x, nd, w, b, 1e-5, dy)
    xt = lam(x, dtype, device, requires_grad=True)
    wt, bt = lam(w, dtype, device, True), lam(b, dtype, device, True)
    y = F.layer_norm(xt, ns, wt, bt)
    check(y, y_ref, dtype, **tol(dtype))
    y.backward(lam(dy, dtype, device))
    check(xt.grad, dx_ref, dtype, **tol(dtype))
    check(wt.grad, dw_ref, dtype, **tol(dtype))
    check(bt.grad, db_ref, dtype, **tol(dtype))


@pytest.mark.parametrize("affine", ["none", "weight", "bias"])
def test_partial_affine(device, rng, affine):
    x, dy = arr(rng, (9, 37)), arr(rng, (9, 37))
    w = arr(rng, (37,)) if affine == "weight" else None
    b = arr(rng, (37,)) if affine == "bias" else None
    y_ref, dx_ref, dw_ref, db_ref = ln_ref(x, 1, w, b, 1e-3, dy)
    xt = lam(x, F64, device, True)
    wt = None if w is None else lam(w, F64, device, True)
    bt = None if b is None else lam(b, F64, device, True)
    y = F.layer_norm(xt, [37], wt, bt, eps=1e-3)
    check(y, y_ref, F64, **tol(F64))
    y.backward(lam(dy, F64, device))
    check(xt.grad, dx_ref, F64, **tol(F64))
    if wt is not None:
        check(wt.grad, dw_ref, F64, **tol(F64))
    if bt is not None:
        check(bt.grad, db_ref, F64, **tol(F64))


@pytest.mark.parametrize("dtype", FLOATS)
def test_non_contiguous_inputs(device, rng, dtype):
    x = rounded(arr(rng, (13, 21)), dtype)
    dy = rounded(arr(rng, (13, 21)), dtype)
    w, b = rounded(arr(rng, (21,)), dtype), rounded(arr(rng, (21,)), dtype)
    y_ref, dx_ref, dw_ref, db_ref = ln_ref(x, 1, w, b, 1e-5, dy)
    for name, xt in layouts(x, dtype, device):
        xt.requires_grad_(True)
        wt = lam(w, dtype, device, True)
        y = F.layer_norm(xt, 21, wt, lam(b, dtype, device))
        check(y, y_ref, dtype, msg=name, **tol(dtype))
        # a non-contiguous upstream gradient too
        _, g = layouts(dy, dtype, device)[-1]
        y.backward(g)
        check(xt.grad, dx_ref, dtype, msg=name, **tol(dtype))
        check(wt.grad, dw_ref, dtype, msg=name, **tol(dtype))


def test_large_mean_and_long_rows(device, rng):
    # a large offset (cancellation) and rows long enough for the chunked float sums
    x = rounded(arr(rng, (3, 70001)) + 1000.0, F32)
    check(F.layer_norm(lam(x, F32, device), (70001,)), ln_ref(x, 1), F32, rtol=1e-3, atol=3e-4)


def test_many_rows_param_grads(device, rng):
    # enough rows for several per-thread chunks and float partial flushes
    x, dy = rounded(arr(rng, (1031, 64)), F32), rounded(arr(rng, (1031, 64)), F32)
    w = rounded(arr(rng, (64,)), F32)
    _, dx_ref, dw_ref, db_ref = ln_ref(x, 1, w, None, 1e-5, dy)
    xt, wt, bt = lam(x, F32, device, True), lam(w, F32, device, True), lam(w, F32, device, True)
    F.layer_norm(xt, 64, wt, bt).backward(lam(dy, F32, device))
    check(xt.grad, dx_ref, F32, **tol(F32))
    check(wt.grad, dw_ref, F32, rtol=1e-4, atol=1e-4)
    check(bt.grad, db_ref, F32, rtol=1e-4, atol=1e-4)


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


@pytest.mark.parametrize("shape,nd", [((3, 5), 1), ((2, 3, 4), 2), ((1, 7), 1)])
def test_gradcheck(device, rng, shape, nd):
    ns = shape[len(shape) - nd:]
    x, w, b = arr(rng, shape), arr(rng, ns), arr(rng, ns)
    gradcheck(lambda x, w, b: F.layer_norm(x, ns, w, b, eps=1e-3), x, w, b, device=device)
    gradcheck(lambda x: F.layer_norm(x, ns), x, device=device)


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
def test_against_torch(rng, cfg, shape, ns):
    torch = pytest.importorskip("torch")
    tm = torch.nn.LayerNorm(ns, eps=1e-5, **cfg)
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.from_numpy(arr(rng, tuple(p.shape))))
    m = nn.LayerNorm(ns, **cfg)
    m.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    assert repr(m) == repr(tm)
    x, dy = arr(rng, shape).astype(np.float32), arr(rng, shape).astype(np.float32)
    tx = torch.from_numpy(x).requires_grad_(True)
    ty = tm(tx)
    ty.backward(torch.from_numpy(dy))
    xt = lam(x, F32, requires_grad=True)
    y = m(xt)
    y.backward(lam(dy, F32))
    rel = dict(rtol=1e-4, atol=1e-5)
    check(y, ty.detach().numpy(), F32, **rel)
    check(xt.grad, tx.grad.numpy(), F32, **rel)
    for name, p in m.named_parameters():
        check(p.grad, dict(tm.named_parameters())[name].grad.numpy(), F32, rtol=1e-4, atol=1e-4)


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
