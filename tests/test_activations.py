"""The activations added for torch's surface: functional forms against NumPy float64, finite
differences and torch (awkward sizes, non-contiguous inputs, every device), their modules, and
gelu's tanh form."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina import nn
from lamina.testing import Input, check_op
from reference import SIZES, check, lam, to_np, torch

SELU_A, SELU_S = 1.6732632423543772848170429916717, 1.0507009873554804934193349852946


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _softplus(x, beta=1.0, threshold=20.0):
    return np.where(beta * x > threshold, x, np.log1p(np.exp(beta * x)) / beta)


def _elu(x, alpha=1.0):
    return np.where(x > 0, x, alpha * np.expm1(x))


def _gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * x ** 3)))


def _tf(name, **kw):
    return lambda t: getattr(torch.nn.functional, name)(t, **kw)


# name: (lamina fn, float64 reference, torch reference, input range)
CASES = {
    "elu": (F.elu, _elu, _tf("elu"), (-3, 3)),
    "elu_alpha": (lambda t: F.elu(t, 0.5), lambda x: _elu(x, 0.5), _tf("elu", alpha=0.5),
                  (-3, 3)),
    "selu": (F.selu, lambda x: SELU_S * _elu(x, SELU_A), _tf("selu"), (-3, 3)),
    "celu": (lambda t: F.celu(t, 0.7), lambda x: np.maximum(x, 0) +
             np.minimum(0, 0.7 * np.expm1(x / 0.7)), _tf("celu", alpha=0.7), (-3, 3)),
    "leaky_relu": (F.leaky_relu, lambda x: np.where(x > 0, x, 0.01 * x), _tf("leaky_relu"),
                   (-3, 3)),
    "leaky_relu_slope": (lambda t: F.leaky_relu(t, 0.2), lambda x: np.where(x > 0, x, 0.2 * x),
                         _tf("leaky_relu", negative_slope=0.2), (-3, 3)),
    "relu6": (F.relu6, lambda x: np.clip(x, 0, 6), _tf("relu6"), (-3, 9)),
    "hardtanh": (lambda t: F.hardtanh(t, -0.5, 1.5), lambda x: np.clip(x, -0.5, 1.5),
                 _tf("hardtanh", min_val=-0.5, max_val=1.5), (-3, 3)),
    "silu": (F.silu, lambda x: x * _sigmoid(x), _tf("silu"), (-6, 6)),
    "mish": (F.mish, lambda x: x * np.tanh(_softplus(x)), _tf("mish"), (-6, 6)),
    "softplus": (F.softplus, _softplus, _tf("softplus"), (-6, 6)),
    "softplus_beta": (lambda t: F.softplus(t, 2.0, 3.0), lambda x: _softplus(x, 2.0, 3.0),
                      _tf("softplus", beta=2.0, threshold=3.0), (-3, 3)),
    "softsign": (F.softsign, lambda x: x / (1 + np.abs(x)), _tf("softsign"), (-3, 3)),
    "logsigmoid": (F.logsigmoid, lambda x: -np.logaddexp(0, -x), _tf("logsigmoid"), (-30, 30)),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), _gelu_tanh,
                  _tf("gelu", approximate="tanh"), (-4, 4)),
}
SHAPES = [(n,) for n in SIZES] + [(), (0,), (3, 33), (2, 7, 5)]
# torch's celu backward rounds 1 / alpha through float (1e-8 relative); finite differences
# check lamina's float64 gradient to 1e-10 regardless
GRAD_TOL = {"celu": {lamina.float64: (1e-7, 1e-7)}}


def _kinks(name):
    """The points where the function is not differentiable (or switches branch): inputs are
    kept off them, so finite differences see one piece."""
    return {"relu6": (0, 6), "hardtanh": (-0.5, 1.5), "softplus_beta": (1.5,)}.get(name, (0,))


def _gelu_tanh_grad(x):
    k, c = math.sqrt(2 / math.pi), 0.044715
    t = np.tanh(k * (x + c * x ** 3))
    return 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * c * x * x)


def _mish(x):
    return x * np.tanh(_softplus(x))


def _mish_grad(x):
    t = np.tanh(_softplus(x))
    return t + x * _sigmoid(x) * (1 - t * t)


def _elu_grad(x, alpha=1.0):
    return np.where(x > 0, 1.0, alpha * np.exp(x))


# float32 forms vectorised on the SIMD paths: (fn, reference, reference gradient)
# gelu_tanh's left tail is 0.5 x (1 + tanh(..)) in every library (torch's too): 1 + tanh
# cancels, so its error there is absolute, about ulp(1) |x|
VECTOR_CASES = {
    "silu": (F.silu, lambda x: x * _sigmoid(x),
             lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
    "gelu_tanh": (lambda t: F.gelu(t, approximate="tanh"), _gelu_tanh, _gelu_tanh_grad),
    "elu": (lambda t: F.elu(t, 0.7), lambda x: _elu(x, 0.7), lambda x: _elu_grad(x, 0.7)),
    "selu": (F.selu, lambda x: SELU_S * _elu(x, SELU_A), lambda x: SELU_S * _elu_grad(x, SELU_A)),
    "softplus": (F.softplus, _softplus, lambda x: np.where(x > 20, 1.0, _sigmoid(x))),
    "mish": (F.mish, _mish, _mish_grad),
    "logsigmoid": (F.logsigmoid, lambda x: -np.logaddexp(0, -x), lambda x: _sigmoid(-x)),
}


@pytest.mark.parametrize("name", VECTOR_CASES)
def test_float_extremes(name, device, rng):
    """float32 forward and gradient at the ends of the range, near 0 (elu's expm1), inf and
    NaN, in runs of full vectors and a tail: against float64, with the absolute error of a
    float where the result is below the normal range."""
    fn, ref, dref = VECTOR_CASES[name]
    atol = 1e-6 if name == "gelu_tanh" else 1e-36
    base = np.array([-200.0, -100.0, -88.0, -87.0, -30.0, -5.0, -0.7, -0.49, -1e-3, -1e-30,
                     0.0, 1e-30, 1e-3, 0.3, 2.5, 30.0, 88.0, 100.0, 1e18, np.inf, -np.inf,
                     np.nan], dtype=np.float32)
    x = np.concatenate([base, rng.permutation(base), base[:5]])  # vectors of 8 / 16 + tail
    x64 = x.astype(np.float64)
    g = rng.uniform(0.5, 2.0, x.shape)
    with np.errstate(all="ignore"):
        want, want_grad = ref(x64), g * dref(x64)
    t = lam(x, device=device, requires_grad=True)
    y = fn(t)
    y.backward(lam(g.astype(np.float32), device=device))
    with np.errstate(all="ignore"):
        np.testing.assert_allclose(to_np(y), want, rtol=3e-6, atol=atol)
        np.testing.assert_allclose(to_np(t.grad), want_grad, rtol=6e-6, atol=atol)


@pytest.mark.parametrize("name", CASES)
def test_activation(name, device, rng):
    fn, ref, tref, (lo, hi) = CASES[name]
    for shape in SHAPES:
        x = rng.uniform(lo, hi, size=shape)
        for k in _kinks(name):
            x = np.where(np.abs(x - k) < 0.05, x + 0.1, x)
        check_op(fn, [np.asarray(x).astype(np.float32).astype(np.float64)], ref, tref, rng=rng,
                 device=device, grad_tol=GRAD_TOL.get(name), name=f"{name} {shape}")


@pytest.mark.parametrize("name", ["glu0", "glu_last"])
def test_glu(name, device, rng):
    dim = 0 if name == "glu0" else -1
    for shape in [(2,), (14, 3), (4, 66), (2, 5, 254)]:
        if shape[dim] % 2:
            continue

        def ref(x):
            a, b = np.split(x, 2, axis=dim)
            return a * _sigmoid(b)
        check_op(lambda t: F.glu(t, dim), [shape], ref, _tf("glu", dim=dim), rng=rng,
                 device=device, name=f"glu {shape}")


def test_prelu(device, rng):
    for shape, n in [((7,), 1), ((4, 3), 3), ((2, 33, 5), 33), ((2, 3, 4, 5), 1)]:
        check_op(F.prelu, [Input(shape, -3, 3), Input((n,), 0.1, 0.9)],
                 lambda x, w: np.where(x > 0, x, x * w.reshape([n] + [1] * (x.ndim - 2)))
                 if x.ndim >= 2 else np.where(x > 0, x, x * w),
                 lambda x, w: torch.nn.functional.prelu(x, w), rng=rng, device=device,
                 name=f"prelu {shape}")


def test_gelu_tanh_module_and_values():
    m = nn.GELU(approximate="tanh")
    x = np.array([-3.0, -1.0, 0.5, 2.0])
    check(m(lam(x, lamina.float64)), _gelu_tanh(x))
    assert repr(m) == "GELU(approximate='tanh')"


MODULES = [
    (lambda: nn.ELU(0.5), lambda: torch.nn.ELU(0.5)),
    (lambda: nn.SELU(), lambda: torch.nn.SELU()),
    (lambda: nn.CELU(2.0), lambda: torch.nn.CELU(2.0)),
    (lambda: nn.LeakyReLU(0.1), lambda: torch.nn.LeakyReLU(0.1)),
    (lambda: nn.SiLU(), lambda: torch.nn.SiLU()),
    (lambda: nn.Mish(), lambda: torch.nn.Mish()),
    (lambda: nn.Softplus(2.0, 10.0), lambda: torch.nn.Softplus(2.0, 10.0)),
    (lambda: nn.Softsign(), lambda: torch.nn.Softsign()),
    (lambda: nn.LogSigmoid(), lambda: torch.nn.LogSigmoid()),
    (lambda: nn.Hardtanh(-2.0, 2.0), lambda: torch.nn.Hardtanh(-2.0, 2.0)),
    (lambda: nn.ReLU6(), lambda: torch.nn.ReLU6()),
    (lambda: nn.GLU(1), lambda: torch.nn.GLU(1)),
    (lambda: nn.PReLU(4, 0.3), lambda: torch.nn.PReLU(4, 0.3)),
]


@pytest.mark.skipif(torch is None, reason="torch not installed")
@pytest.mark.parametrize("i", range(len(MODULES)))
def test_module_matches_torch(i, device, rng):
    make, tmake = MODULES[i]
    m, tm = make(), tmake()
    x = rng.uniform(-4, 8, size=(3, 4, 5))
    out = m.to(device)(lam(x, lamina.float64, device))
    want = tm.double()(torch.tensor(x)).detach().numpy()
    check(out, want)
    assert repr(m) == repr(tm)


def test_inplace_forms(device, rng):
    x = rng.uniform(-3, 3, size=(5, 6))
    for fn, ref in [(lambda t: F.elu(t, 0.5, inplace=True), lambda v: _elu(v, 0.5)),
                    (lambda t: F.leaky_relu(t, 0.2, True), lambda v: np.where(v > 0, v, 0.2 * v)),
                    (lambda t: F.silu(t, inplace=True), lambda v: v * _sigmoid(v)),
                    (lambda t: F.relu6(t, inplace=True), lambda v: np.clip(v, 0, 6)),
                    (lambda t: F.selu(t, inplace=True), lambda v: SELU_S * _elu(v, SELU_A))]:
        t = lam(x, lamina.float64, device)
        assert fn(t) is t
        check(t, ref(x))
    g = lam(x, lamina.float64, device, requires_grad=True)  # recorded: a new tensor instead
    out = F.elu(g, inplace=True)
    assert out is not g
    out.sum().backward()
    check(g.grad, np.where(x > 0, 1.0, np.exp(x)))


def test_unflatten_and_dropout2d(rng):
    x = lam(rng.uniform(-1, 1, size=(2, 12)))
    assert nn.Unflatten(1, (3, 4))(x).shape == (2, 3, 4)
    assert repr(nn.Unflatten(1, (3, 4))) == "Unflatten(dim=1, unflattened_size=(3, 4))"
    lamina.manual_seed(0)
    d = nn.Dropout2d(0.5)
    y = to_np(d(lamina.ones(4, 16, 3, 3)))
    per_channel = y.reshape(4, 16, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2).all(-1))  # whole channels
    assert 0 < (per_channel[..., 0] == 0).mean() < 1
    d.eval()
    np.testing.assert_array_equal(to_np(d(lamina.ones(2, 3, 2, 2))), np.ones((2, 3, 2, 2)))
    g = lam(rng.uniform(-1, 1, size=(2, 3, 4, 4)), requires_grad=True)
    out = F.dropout2d(g, 0.3)
    out.sum().backward()
    np.testing.assert_allclose(to_np(g.grad), to_np(out.detach()) / to_np(g.detach()),
                               rtol=1e-5)


ERRORS = [
    ("elu", TypeError, lambda: F.elu(lamina.tensor([1, 2]))),
    ("silu", TypeError, lambda: F.silu([1.0])),
    ("softplus", ValueError, lambda: F.softplus(lamina.ones(2), beta=0)),
    ("hardtanh", ValueError, lambda: F.hardtanh(lamina.ones(2), 1.0, -1.0)),
    ("glu", ValueError, lambda: F.glu(lamina.ones(3))),
    ("prelu", ValueError, lambda: F.prelu(lamina.ones(2, 3), lamina.ones(2))),
    ("PReLU", ValueError, lambda: nn.PReLU(0)),
    ("Hardtanh", ValueError, lambda: nn.Hardtanh(2.0, 1.0)),
    ("dropout2d", ValueError, lambda: F.dropout2d(lamina.ones(2, 3))),
    ("Dropout2d", ValueError, lambda: nn.Dropout2d(1.5)),
    ("gelu", ValueError, lambda: F.gelu(lamina.ones(2), approximate="fast")),
]


@pytest.mark.parametrize("op,err,call", ERRORS, ids=[e[0] for e in ERRORS])
def test_errors_name_the_op(op, err, call):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()
