"""lamina.mx's NDArray basics, initializers, metric, SGD rule and contexts (MXNet's documented
behaviour; the operators themselves are checked against MXNet in test_mx_ops.py)."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.mx as mx


def test_array_basics(rng):
    a = rng.standard_normal((7, 3))
    x = mx.nd.array(a)
    assert x.dtype == np.float32 and x.shape == (7, 3) and x.size == 21 and x.ndim == 2
    assert x.context == mx.cpu() and str(x.context) == "cpu(0)"
    np.testing.assert_allclose(x.asnumpy(), a.astype(np.float32))
    assert mx.nd.array([1, 2, 3]).dtype == np.float32
    assert mx.nd.array(a, dtype="float64").dtype == np.float64
    y = x.asnumpy()
    y[0, 0] = 100.0  # asnumpy is a copy
    assert x.asnumpy()[0, 0] != 100.0
    assert x.reshape((0, 3, 1)).shape == (7, 3, 1) and x.reshape(-1).shape == (21,)
    np.testing.assert_allclose((x * 2 + 1).asnumpy(), a.astype(np.float32) * 2 + 1, rtol=1e-6)
    np.testing.assert_allclose((1 - x).asnumpy(), 1 - a.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(x.sum(axis=0).asnumpy(), a.sum(0), rtol=1e-5)
    assert mx.nd.ones((2, 3)).sum().asscalar() == 6.0
    z = mx.nd.zeros((2, 3))
    z[:] = 5
    np.testing.assert_array_equal(z.asnumpy(), 5)
    z[:] = mx.nd.ones((2, 3))
    np.testing.assert_array_equal(z.asnumpy(), 1)
    z += 2
    np.testing.assert_array_equal(z.asnumpy(), 3)
    np.testing.assert_array_equal(x.argmax(axis=1).asnumpy(), a.argmax(1))


def test_pause_and_chain_rule(rng):
    a = rng.standard_normal((4, 5)).astype(np.float32)
    x = mx.nd.array(a)
    x.attach_grad()
    with mx.autograd.record():
        y = x * x
        with mx.autograd.pause():
            c = y * 3  # not recorded
        z = (y * 2).sum()
    assert not c.tensor.requires_grad
    z.backward()
    np.testing.assert_allclose(x.grad.asnumpy(), 4 * a, rtol=1e-6)


def test_grad_stays_the_same_object():
    x = mx.nd.array([1.0, 2.0])
    x.attach_grad()
    g = x.grad
    with mx.autograd.record():
        y = x * 3
    y.backward()
    assert x.grad is g
    np.testing.assert_array_equal(g.asnumpy(), [3, 3])


def test_unreached_variable_keeps_its_grad():
    x, w = mx.nd.array([1.0, 2.0]), mx.nd.array([5.0, 5.0])
    x.attach_grad()
    w.attach_grad()
    with mx.autograd.record():
        y = x * w
    y.backward()
    with mx.autograd.record():
        y = x * 4
    y.backward()
    np.testing.assert_array_equal(x.grad.asnumpy(), [4, 4])
    np.testing.assert_array_equal(w.grad.asnumpy(), [1, 2])


def test_initializers():
    np.random.seed(0)
    w = mx.nd.zeros((64, 32))
    mx.init.Uniform(0.07)(mx.init.InitDesc("fc_weight"), w)
    a = w.asnumpy()
    assert a.min() >= -0.07 and a.max() <= 0.07 and a.std() > 0.03
    b = mx.nd.ones(5)
    mx.init.Uniform()(mx.init.InitDesc("fc_bias"), b)
    np.testing.assert_array_equal(b.asnumpy(), 0)
    g = mx.nd.zeros(5)
    mx.init.Xavier()(mx.init.InitDesc("bn_gamma"), g)
    np.testing.assert_array_equal(g.asnumpy(), 1)
    c = mx.nd.zeros((16, 8, 3, 3))
    mx.init.Xavier(factor_type="in", magnitude=2)(mx.init.InitDesc("conv_weight"), c)
    bound = np.sqrt(2 / (8 * 9))
    assert np.abs(c.asnumpy()).max() <= bound and np.abs(c.asnumpy()).max() > bound / 2
    n = mx.nd.zeros((100, 100))
    mx.init.Normal(0.5)(mx.init.InitDesc("w_weight"), n)
    assert abs(n.asnumpy().std() - 0.5) < 0.02


def test_accuracy_metric():
    m = mx.metric.create("acc")
    m.update([mx.nd.array([0, 1, 2])], [mx.nd.array([[0.9, 0.1, 0], [0.2, 0.7, 0.1],
                                                     [0.5, 0.4, 0.1]])])
    assert m.get() == ("accuracy", pytest.approx(2 / 3))
    m.reset()
    assert np.isnan(m.get()[1])


@pytest.mark.parametrize("momentum,clip", [(0.0, None), (0.9, None), (0.9, 0.05)])
def test_sgd_rule(rng, momentum, clip):
    """MXNet's SGD: rescale, clip, wd only on *_weight / *_gamma, mom = m mom - lr (g + wd w)."""
    names = {0: "fc_weight", 1: "fc_bias"}
    opt = mx.optimizer.create("sgd", learning_rate=0.1, momentum=momentum, wd=0.01,
                              rescale_grad=0.25, clip_gradient=clip, param_idx2name=names)
    ws = [rng.standard_normal((3, 4)).astype(np.float32), rng.standard_normal(3).astype(
        np.float32)]
    nds = [mx.nd.array(w) for w in ws]
    states = [opt.create_state(i, w) for i, w in enumerate(nds)]
    moms = [np.zeros_like(w) for w in ws]
    for _ in range(3):
        for i in range(2):
            g = rng.standard_normal(ws[i].shape).astype(np.float32)
            opt.update(i, nds[i], mx.nd.array(g), states[i])
            gr = g * 0.25
            if clip is not None:
                gr = np.clip(gr, -clip, clip)
            wd = 0.01 if i == 0 else 0.0
            if momentum:
                moms[i] = momentum * moms[i] - 0.1 * (gr + wd * ws[i])
                ws[i] = ws[i] + moms[i]
            else:
                ws[i] = ws[i] - 0.1 * (gr + wd * ws[i])
    for w, nd in zip(ws, nds):
        np.testing.assert_allclose(nd.asnumpy(), w, rtol=1e-5, atol=1e-6)


def test_contexts():
    assert mx.cpu().device == lamina.device("cpu")
    assert mx.gpu(1).device == lamina.device("cuda:1")
    assert mx.gpu(0) != mx.cpu(0) and mx.cpu() == mx.cpu(0)


def test_random():
    mx.random.seed(3)
    a = mx.nd.random.uniform(-2, 2, shape=(50, 40)).asnumpy()
    assert a.min() >= -2 and a.max() <= 2 and abs(a.mean()) < 0.1
    n = mx.nd.random.normal(1.0, 0.5, shape=(100, 100)).asnumpy()
    assert abs(n.mean() - 1.0) < 0.02 and abs(n.std() - 0.5) < 0.02
    mx.random.seed(3)
    np.testing.assert_array_equal(mx.nd.random.uniform(-2, 2, shape=(50, 40)).asnumpy(), a)


@pytest.mark.parametrize("clip", [None, 0.05])
def test_adam_rule(rng, clip):
    """MXNet's Adam: g = clip(r grad + wd w); lr_t = lr sqrt(1 - b2^t) / (1 - b1^t);
    w -= lr_t m / (sqrt(v) + eps)."""
    opt = mx.optimizer.create("adam", learning_rate=0.01, wd=0.1, rescale_grad=0.5,
                              clip_gradient=clip, epsilon=1e-3,
                              param_idx2name={0: "fc_weight"})
    w = rng.standard_normal((3, 4)).astype(np.float32)
    nd = mx.nd.array(w)
    state = opt.create_state(0, nd)
    m, v = np.zeros_like(w), np.zeros_like(w)
    for t in range(1, 4):
        g = rng.standard_normal(w.shape).astype(np.float32)
        opt.update(0, nd, mx.nd.array(g), state)
        g = g * 0.5 + 0.1 * w
        if clip is not None:
            g = np.clip(g, -clip, clip)
        m = 0.9 * m + 0.1 * g
        v = 0.999 * v + 0.001 * g * g
        w = w - 0.01 * np.sqrt(1 - 0.999 ** t) / (1 - 0.9 ** t) * m / (np.sqrt(v) + 1e-3)
    np.testing.assert_allclose(nd.asnumpy(), w, rtol=1e-5, atol=1e-6)
