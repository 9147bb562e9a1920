"""Layers: Linear (torch parity of outputs and gradients, gradcheck, errors), initialisation
statistics, Dropout, activations and Flatten."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
from lamina import nn
from lamina.nn import functional as F
from lamina.nn import init


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)


@pytest.mark.parametrize("dtype,tol", [("float32", 1e-5), ("float64", 1e-12)])
@pytest.mark.parametrize("reduce", ["sum", "mean"])
def test_torch_mlp_state_dict_outputs_and_grads(rng, dtype, tol, reduce):
    torch = pytest.importorskip("torch")
    torch.manual_seed(int(rng.integers(1 << 30)))
    tdt = getattr(torch, dtype)
    tm = torch.nn.Sequential(torch.nn.Linear(33, 127), torch.nn.ReLU(), torch.nn.Linear(127, 64),
                             torch.nn.Tanh(), torch.nn.Linear(64, 7)).to(tdt)
    lm = nn.Sequential(nn.Linear(33, 127), nn.ReLU(), nn.Linear(127, 64), nn.Tanh(),
                       nn.Linear(64, 7)).to(getattr(lamina, dtype))
    lm.load_state_dict({k: v.detach().numpy() for k, v in tm.state_dict().items()})
    x = rng.standard_normal((17, 33)).astype(dtype)
    yt, yl = tm(torch.from_numpy(x)), lm(lamina.tensor(x))
    assert yl.dtype == getattr(lamina, dtype) and yl.shape == tuple(yt.shape)
    assert _rel(yl.detach().numpy(), yt.detach().numpy()) <= tol
    getattr(yt, reduce)().backward()
    getattr(yl, reduce)().backward()
    for (ln, lp), (tn, tp) in zip(lm.named_parameters(), tm.named_parameters()):
        assert ln == tn
        assert _rel(lp.grad.numpy(), tp.grad.numpy()) <= tol, ln


def test_linear_shapes_and_bias_free(device, rng):
    m = nn.Linear(7, 5, device=device)
    assert m.weight.shape == (5, 7) and m.bias.shape == (5,)
    x = lamina.tensor(rng.standard_normal((2, 3, 7)).astype(np.float32), device=device)
    y = m(x)
    assert y.shape == (2, 3, 5)
    y.sum().backward()
    ref = x.detach().cpu().numpy().reshape(-1, 7) @ m.weight.detach().cpu().numpy().T
    np.testing.assert_allclose(y.detach().cpu().numpy().reshape(-1, 5),
                               ref + m.bias.detach().cpu().numpy(), rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(m.bias.grad.cpu().numpy(), np.full(5, 6.0), rtol=1e-6)
    assert m(lamina.tensor(rng.standard_normal(7).astype(np.float32), device=device)).shape == (5,)
    nb = nn.Linear(7, 5, bias=False)
    assert nb.bias is None and len(list(nb.parameters())) == 1
    assert repr(nb) == "Linear(in_features=7, out_features=5, bias=False)"


def test_linear_gradcheck(rng):
    x = lamina.tensor(rng.standard_normal((4, 3)), requires_grad=True)
    w = lamina.tensor(rng.standard_normal((2, 3)), requires_grad=True)
    b = lamina.tensor(rng.standard_normal(2), requires_grad=True)
    assert lamina.testing.gradcheck(F.linear, [x, w, b])
    x3 = lamina.tensor(rng.standard_normal((2, 2, 3)), requires_grad=True)
    assert lamina.testing.gradcheck(lambda a, c: F.linear(a, c), [x3, w])


def test_linear_errors():
    m = nn.Linear(4, 3)
    with pytest.raises(ValueError, match=r"\[linear\].*\(2, 5\).*in_features=4"):
        m(lamina.randn(2, 5))
    with pytest.raises(TypeError, match=r"\[linear\].*float64.*float32"):
        m(lamina.randn(2, 4, dtype=lamina.float64))
    with pytest.raises(ValueError, match=r"\[linear\].*0-d"):
        m(lamina.tensor(1.0))
    with pytest.raises(TypeError, match=r"\[linear\]"):
        m(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match=r"\[linear\].*bias"):
        F.linear(lamina.randn(2, 4), lamina.randn(3, 4), lamina.randn(4))
    with pytest.raises(ValueError, match=r"\[Linear\] in_features"):
        nn.Linear(-1, 3)


def test_linear_default_init_bounds():
    lamina.manual_seed(0)
    m = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)  # kaiming_uniform_(a=sqrt(5)) on (out, in)
    w, b = m.weight.detach().numpy(), m.bias.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.98 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert np.abs(b).max() <= bound and abs(b.mean()) < 0.1 * bound
    lamina.manual_seed(0)
    again = nn.Linear(400, 300)
    np.testing.assert_array_equal(again.weight.detach().numpy(), w)


def test_init_functions():
    t = lamina.empty(256, 128)
    std = math.sqrt(2.0) / math.sqrt(128)
    init.kaiming_uniform_(t, nonlinearity="relu")
    assert np.abs(t.numpy()).max() <= math.sqrt(3) * std
    init.kaiming_normal_(t, mode="fan_out", nonlinearity="relu")
    assert abs(t.numpy().std() - math.sqrt(2.0 / 256)) < 0.03 * math.sqrt(2.0 / 256)
    init.xavier_uniform_(t, gain=2.0)
    assert np.abs(t.numpy()).max() <= 2.0 * math.sqrt(6.0 / 384)
    init.xavier_normal_(t)
    assert abs(t.numpy().std() - math.sqrt(2.0 / 384)) < 0.03 * math.sqrt(2.0 / 384)
    init.normal_(t, 3.0, 0.5)
    assert abs(t.numpy().mean() - 3.0) < 0.01 and abs(t.numpy().std() - 0.5) < 0.01
    init.uniform_(t, -1, 2)
    assert t.numpy().min() >= -1 and t.numpy().max() < 2
    init.trunc_normal_(t, std=1.0, a=-0.5, b=0.5)
    assert np.abs(t.numpy()).max() <= 0.5
    assert init.zeros_(t) is t and float(t.sum()) == 0
    init.ones_(t)
    init.constant_(t, 0.25)
    assert float(t.mean()) == 0.25
    init.eye_(t)
    assert float(t.sum()) == 128
    assert init.calculate_gain("tanh") == 5.0 / 3
    assert init.calculate_gain("leaky_relu", 0.2) == math.sqrt(2.0 / 1.04)
    assert init._calculate_fan_in_and_fan_out(lamina.empty(8, 4, 3, 3)) == (36, 72)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(lamina.empty(5))
    with pytest.raises(ValueError, match="unsupported nonlinearity"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="mode"):
        init.kaiming_uniform_(t, mode="fan_avg")
    p = nn.Parameter(lamina.zeros(3, 2))
    init.uniform_(p)  # a parameter that requires grad is filled under no_grad
    assert p.requires_grad and p.is_leaf and float(p.detach().abs().sum()) > 0


def test_dropout_statistics_and_scaling():
    lamina.manual_seed(1234)
    p = 0.3
    x = lamina.ones(200, 500)
    y = F.dropout(x, p).numpy()
    zero_frac = (y == 0).mean()
    assert abs(zero_frac - p) < 0.01
    assert np.allclose(y[y != 0], 1 / (1 - p))
    assert abs(y.mean() - 1.0) < 0.02  # inverted scaling keeps the mean
    assert F.dropout(x, p, training=False) is x
    assert F.dropout(x, 0.0) is x
    assert float(F.dropout(x, 1.0).abs().sum()) == 0.0


def test_dropout_deterministic_and_gradient(rng):
    x = lamina.tensor(rng.standard_normal((64, 33)), requires_grad=True)
    lamina.manual_seed(7)
    y1 = F.dropout(x, 0.5)
    lamina.manual_seed(7)
    y2 = F.dropout(x, 0.5)
    np.testing.assert_array_equal(y1.detach().numpy(), y2.detach().numpy())
    y1.sum().backward()
    mask = (y1.detach().numpy() != 0) * 2.0  # the kept mask times 1 / (1 - p)
    np.testing.assert_array_equal(x.grad.numpy(), mask)


def test_dropout_module_train_eval():
    d = nn.Dropout(0.5)
    x = lamina.ones(1000)
    assert float((d(x) == 0).float().sum()) > 300
    d.eval()
    assert d(x) is x
    net = nn.Sequential(nn.Linear(4, 4), nn.Dropout(0.9))
    net.eval()
    a = net(lamina.ones(2, 4))
    np.testing.assert_array_equal(a.detach().numpy(), net(lamina.ones(2, 4)).detach().numpy())
    for bad in (-0.1, 1.5, "0.5", True):
        with pytest.raises(ValueError, match=r"\[Dropout\] dropout probability"):
            nn.Dropout(bad)
    with pytest.raises(ValueError, match=r"\[dropout\]"):
        F.dropout(x, 2.0)
    with pytest.raises(TypeError, match=r"\[dropout\].*floating"):
        F.dropout(lamina.arange(3), 0.5)
    z = lamina.ones(100)
    nn.Dropout(0.5, inplace=True)(z)
    assert float((z == 0).float().sum()) > 20  # written in place


def test_activations_match_torch(rng):
    torch = pytest.importorskip("torch")
    xn = rng.standard_normal((7, 5, 3))
    pairs = [(nn.ReLU(), torch.nn.ReLU()), (nn.Sigmoid(), torch.nn.Sigmoid()),
             (nn.Tanh(), torch.nn.Tanh()), (nn.GELU(), torch.nn.GELU()),
             (nn.Softmax(dim=1), torch.nn.Softmax(dim=1)),
             (nn.LogSoftmax(dim=-1), torch.nn.LogSoftmax(dim=-1)),
             (nn.Flatten(), torch.nn.Flatten()), (nn.Flatten(0, 1), torch.nn.Flatten(0, 1))]
    for lm, tm in pairs:
        xl = lamina.tensor(xn, requires_grad=True)
        xt = torch.tensor(xn, requires_grad=True)
        yl, yt = lm(xl), tm(xt)
        assert yl.shape == tuple(yt.shape), type(lm).__name__
        np.testing.assert_allclose(yl.detach().numpy(), yt.detach().numpy(), rtol=1e-10,
                                   atol=1e-12)
        w = rng.standard_normal(yl.shape)
        (yl * lamina.tensor(w)).sum().backward()
        (yt * torch.tensor(w)).sum().backward()
        np.testing.assert_allclose(xl.grad.numpy(), xt.grad.numpy(), rtol=1e-9, atol=1e-12)
        assert repr(lm) == repr(tm)


def test_relu_inplace_under_autograd_falls_back():
    x = lamina.randn(5, requires_grad=True)
    y = nn.ReLU(inplace=True)(x * 1.0)
    y.sum().backward()
    assert x.grad is not None
    with lamina.no_grad():
        z = lamina.randn(5)
        out = nn.ReLU(inplace=True)(z)
    assert out is z and float(z.min()) >= 0
