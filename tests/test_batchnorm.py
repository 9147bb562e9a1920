"""Batch normalisation through check_op against a NumPy float64 model (outputs, gradients,
running statistics, float64 gradchecks in training and eval, torch when installed), the
modules over several steps (buffers, state_dict, repr, .to, momentum=None; torch's outputs,
grads, running stats and state_dict), and calls that must raise."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import Input, check_op
from reference import arr, check, distinct, lam, rounded, to_np, torch

F32, F64 = lamina.float32, lamina.float64
SHAPES = [(7, 3), (33, 5), (2, 3, 7), (4, 2, 40), (3, 4, 5, 7), (2, 3, 9, 11), (1, 2, 1, 2)]


TOL = {F32: (1e-5, 2e-5), F64: (1e-9, 1e-10)}


def axes(x):
    return (0,) + tuple(range(2, x.ndim))


def bshape(x):
    return (1, -1) + (1,) * (x.ndim - 2)


def np_bn_train(x, w, b, eps):
    mu = x.mean(axes(x))
    var = x.var(axes(x))
    xh = (x - mu.reshape(bshape(x))) / np.sqrt(var.reshape(bshape(x)) + eps)
    y = xh * (1 if w is None else w.reshape(bshape(x))) + (0 if b is None else b.reshape(bshape(x)))
    return y, mu, var


def np_batch_norm(x, rm, rv, w, b, training, momentum, eps):
    """F.batch_norm in float64: y, and the running statistics after the call when given."""
    if training:
        y, mu, var = np_bn_train(x, w, b, eps)
        if rm is None:
            return y
        m = x.size // x.shape[1]
        return y, (1 - momentum) * rm + momentum * mu, \
            (1 - momentum) * rv + momentum * var * m / (m - 1)
    y = ((x - rm.reshape(bshape(x))) / np.sqrt(rv.reshape(bshape(x)) + eps)
         * (1 if w is None else w.reshape(bshape(x))) + (0 if b is None else b.reshape(bshape(x))))
    return y, rm, rv


def _batch_norm(x, rm, rv, w, b, training, momentum, eps, F=F):
    """y, and the running statistics the call updated in place."""
    y = F.batch_norm(x, rm, rv, w, b, training, momentum, eps)
    return y if rm is None else (y, rm, rv)


def _tbatch_norm(*args):
    return _batch_norm(*args, F=torch.nn.functional)


@pytest.mark.parametrize("shape", SHAPES + [(5, 3), (3, 2, 5), (2, 3, 3, 4), (6, 2, 1, 1)])
@pytest.mark.parametrize("affine", [True, False])
def test_batch_norm(rng, device, shape, affine):
    C = shape[1]
    for training, stats, momentum, eps in [(True, True, 0.3, 1e-3), (True, False, 0.1, 1e-5),
                                           (False, True, 0.1, 1e-3)]:
        running = [Input((C,), grad=False), Input((C,), 0.5, 2, grad=False)] if stats else \
            [None, None]
        affine_in = [Input((C,), 0.5, 1.5), (C,)] if affine else [None, None]
        # values of a grid in [-1, 11): no two of a channel close, so a channel of two
        # values ((1, 2, 1, 2)) has no tiny variance amplifying float32 rounding
        x = distinct(rng, shape) * 3 + 5
        check_op(_batch_norm, [x] + running + affine_in
                 + [training, momentum, eps], np_batch_norm, _tbatch_norm, rng=rng,
                 device=device, tol=TOL, fd_numel=72,
                 name=f"batch_norm {shape} training={training} stats={stats} affine={affine}")
    # eval with a weight and no bias
    check_op(_batch_norm, [shape, Input((C,), grad=False), Input((C,), 0.5, 2, grad=False),
                           (C,), None, False, 0.1, 1e-5], np_batch_norm, _tbatch_norm,
             rng=rng, device=device, tol=TOL)


def test_large_offset_is_stable(rng, device):
    """Two-pass statistics: a large common offset does not swamp a small variance."""
    x = rounded(arr(rng, (64, 3, 50)) * 0.1 + 1e3, F32)
    y = F.batch_norm(lam(x, F32, device), None, None, training=True, eps=1e-12)
    check(y, np_bn_train(x, None, None, 1e-12)[0], F32, rtol=2e-3, atol=2e-3)
    x64 = arr(rng, (64, 3, 50)) * 1e-3 + 1e6
    y = F.batch_norm(lam(x64, F64, device), None, None, training=True, eps=1e-12)
    check(y, np_bn_train(x64, None, None, 1e-12)[0], F64, rtol=1e-6, atol=1e-6)


def test_module_buffers_state_dict_and_momentum_none(rng, device):
    m = nn.BatchNorm2d(3, momentum=None).to(device)
    assert repr(m) == ("BatchNorm2d(3, eps=1e-05, momentum=None, affine=True, bias=True, "
                       "track_running_stats=True)")
    assert list(m.state_dict()) == ["weight", "bias", "running_mean", "running_var",
                                    "num_batches_tracked"]
    assert [n for n, _ in m.named_parameters()] == ["weight", "bias"]
    assert m.num_batches_tracked.dtype == lamina.int64
    means, vars_ = [], []
    for step in range(3):
        x = arr(rng, (4, 3, 5, 6)) + step
        m(lam(x, F32, device))
        means.append(x.mean((0, 2, 3)))
        vars_.append(x.var((0, 2, 3), ddof=1))
    assert int(m.num_batches_tracked) == 3
    check(m.running_mean, np.mean(means, 0), F32, rtol=1e-5, atol=1e-5)
    check(m.running_var, np.mean(vars_, 0), F32, rtol=1e-5, atol=1e-5)
    m.eval()
    x = arr(rng, (2, 3, 4, 4))
    rm, rv = to_np(m.running_mean), to_np(m.running_var)
    check(m(lam(x, F32, device)),
          (x - rm.reshape(1, -1, 1, 1)) / np.sqrt(rv.reshape(1, -1, 1, 1) + 1e-5), F32,
          rtol=1e-5, atol=1e-5)
    assert int(m.num_batches_tracked) == 3
    d = m.double()
    assert d.running_mean.dtype == F64 and d.num_batches_tracked.dtype == lamina.int64
    m2 = nn.BatchNorm2d(3)
    m2.load_state_dict(m.state_dict())
    check(m2.running_var, rv, F32)
    n = nn.BatchNorm1d(4, affine=False, track_running_stats=False)
    assert list(n.state_dict()) == [] and list(n.parameters()) == []
    assert repr(n) == ("BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=False, bias=False, "
                       "track_running_stats=False)")
    nb = nn.BatchNorm1d(4, bias=False)
    assert nb.bias is None and list(nb.state_dict())[:2] == ["weight", "running_mean"]
    x = arr(rng, (6, 4))
    check(nb(lam(x, F64).float()), np_bn_train(x, None, None, 1e-5)[0], F32, rtol=1e-4,
          atol=1e-4)
    n.eval()  # no running stats: batch statistics even in eval
    x = arr(rng, (6, 4, 3))
    check(n(lam(x, F64)), np_bn_train(x, None, None, 1e-5)[0], F64)


def test_modules_against_torch(rng):
    """Several steps of the modules: outputs, gradients, running statistics (momentum and
    cumulative), num_batches_tracked, eval, repr, and a torch state_dict."""
    pytest.importorskip("torch")
    for cls, tcls, shape in ((nn.BatchNorm2d, torch.nn.BatchNorm2d, (8, 6, 7, 9)),
                             (nn.BatchNorm1d, torch.nn.BatchNorm1d, (16, 5)),
                             (nn.BatchNorm1d, torch.nn.BatchNorm1d, (4, 5, 33))):
        C = shape[1]
        for momentum in (0.1, None):
            m, mt = cls(C, momentum=momentum), tcls(C, momentum=momentum)
            with torch.no_grad():
                mt.weight.copy_(torch.from_numpy(arr(rng, C).astype(np.float32)))
                mt.bias.copy_(torch.from_numpy(arr(rng, C).astype(np.float32)))
            m.load_state_dict(mt.state_dict())
            for step in range(3):
                x = (arr(rng, shape) * 2 + 1).astype(np.float32)
                xt = torch.from_numpy(x).requires_grad_(True)
                yt = mt(xt)
                dy = arr(rng, shape).astype(np.float32)
                yt.backward(torch.from_numpy(dy))
                t = lam(x, F32, requires_grad=True)
                y = m(t)
                y.backward(lam(dy, F32))
                r = dict(rtol=1e-4, atol=1e-5)
                check(y, yt.detach().numpy(), F32, **r)
                check(t.grad, xt.grad.numpy(), F32, **r)
                check(m.weight.grad, mt.weight.grad.numpy(), F32, **r)
                check(m.bias.grad, mt.bias.grad.numpy(), F32, **r)
                check(m.running_mean, mt.running_mean.numpy(), F32, **r)
                check(m.running_var, mt.running_var.numpy(), F32, **r)
                m.zero_grad()
                mt.zero_grad()
            assert int(m.num_batches_tracked) == int(mt.num_batches_tracked) == 3
            m.eval()
            mt.eval()
            x = arr(rng, shape).astype(np.float32)
            check(m(lam(x, F32)), mt(torch.from_numpy(x)).detach().numpy(), F32, rtol=1e-4,
                  atol=1e-5)
            assert repr(m) == repr(mt)
    # a torch state_dict (trained a few steps) loads in train and eval mode
    mt = torch.nn.BatchNorm2d(4)
    for _ in range(2):
        mt(torch.randn(3, 4, 5, 5) * 3 + 2)
    for train in (True, False):
        m = nn.BatchNorm2d(4).train(train)
        mt.train(train)
        m.load_state_dict(mt.state_dict())
        assert int(m.num_batches_tracked) == int(mt.num_batches_tracked)
        x = arr(rng, (2, 4, 5, 5)).astype(np.float32)
        check(m(lam(x, F32)), mt(torch.from_numpy(x)).detach().numpy(), F32, rtol=1e-4,
              atol=1e-5)
        check(m.running_mean, mt.running_mean.numpy(), F32, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("call,err,msg", [
    (lambda x, c: F.batch_norm(x[0, 0, 0], c, c), ValueError, r"\[batch_norm\] expected an "),
    (lambda x, c: F.batch_norm(x, c[:2], c), ValueError, r"\[batch_norm\] running_mean should"),
    (lambda x, c: F.batch_norm(x, c, c, weight=c[:2]), ValueError, r"\[batch_norm\] weight"),
    (lambda x, c: F.batch_norm(x, None, None), ValueError, r"\[batch_norm\] running_mean and"),
    (lambda x, c: F.batch_norm(x, c, c.double()), TypeError, r"\[batch_norm\] running_var"),
    (lambda x, c: F.batch_norm(x[:1, :, :1, :1], c, c, training=True), ValueError,
     r"\[batch_norm\] expected more than 1 value per channel"),
    (lambda x, c: F.batch_norm(x.long(), c, c), TypeError, r"\[batch_norm\] expected a float"),
    (lambda x, c: nn.BatchNorm2d(3)(x[0]), ValueError, r"\[BatchNorm2d\] expected 4D input"),
    (lambda x, c: nn.BatchNorm1d(3)(x), ValueError, r"\[BatchNorm1d\] expected 2D or 3D"),
    (lambda x, c: nn.BatchNorm1d(3)(x[:1, :, 0, 0]), ValueError, r"\[batch_norm\] expected more"),
])
def test_errors(rng, call, err, msg):
    x = lam(arr(rng, (2, 3, 4, 4)), F32)
    c = lam(arr(rng, 3, 0.5, 1.5), F32)
    with pytest.raises(err, match=msg):
        call(x, c)
