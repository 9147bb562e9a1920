"""The autograd tape: requires_grad rules, accumulation, graph shapes, grad modes, retained and
freed buffers, long chains, multi-output ops, in-place guards and custom Functions."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import lamina
from lamina.autograd import Function
from lamina.testing import gradcheck as lamina_gradcheck
from reference import arr, check, gradcheck, lam, to_np

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool


def test_requires_grad_rules(device):
    for dt in (I64, B):
        with pytest.raises(TypeError, match=r"^\[requires_grad\]"):
            lamina.ones(2, dtype=dt, device=device, requires_grad=True)
        with pytest.raises(TypeError, match=r"^\[requires_grad\]"):
            lamina.ones(2, dtype=dt, device=device).requires_grad_()
        t = lamina.ones(2, dtype=dt, device=device)
        with pytest.raises(TypeError, match=r"^\[requires_grad\]"):
            t.requires_grad = True
    x = lamina.ones(3, device=device)
    assert not x.requires_grad and x.is_leaf and x.grad_fn is None
    assert x.requires_grad_() is x and x.requires_grad
    x.requires_grad_(False)
    assert not x.requires_grad
    x.requires_grad = True
    y = x * 2
    assert y.requires_grad and not y.is_leaf and y.grad_fn is not None
    assert not (x > 0).requires_grad and not x.argmax().requires_grad  # int/bool results
    assert not (x.detach() * 2).requires_grad
    assert not (lamina.ones(3, device=device) * 2).requires_grad
    with pytest.raises(RuntimeError, match=r"^\[requires_grad\]"):
        y.requires_grad = False
    with pytest.raises(RuntimeError, match=r"^\[backward\]"):
        lamina.ones(1, device=device).backward()


def test_grad_accumulates(device, rng):
    xv = arr(rng, (4,))
    x = lam(xv, F64, device, requires_grad=True)
    (x * x).sum().backward()
    check(x.grad, 2 * xv, F64)
    (x * 3).sum().backward()
    check(x.grad, 2 * xv + 3, F64)
    g = x.grad
    x.grad = None
    (x.exp()).sum().backward()
    check(x.grad, np.exp(xv), F64)
    check(g, 2 * xv + 3, F64)  # the old gradient object was not written into


def test_diamond_graph(device, rng):
    xv = arr(rng, (3, 4), 0.5, 2)
    x = lam(xv, F64, device, requires_grad=True)
    a = x * x          # two paths from x ...
    b = x.log()
    c = a * b + a      # ... that meet twice
    c.sum().backward()
    # d/dx (x^2 log x + x^2) = 2x log x + x + 2x
    check(x.grad, 2 * xv * np.log(xv) + xv + 2 * xv, F64)
    y = lam(xv, F64, device, requires_grad=True)
    (y + y + y).sum().backward()
    check(y.grad, np.full((3, 4), 3.0), F64)


def test_shared_subexpression_and_unused_branch(device, rng):
    xv = arr(rng, (5,))
    x = lam(xv, F64, device, requires_grad=True)
    h = x.tanh()
    _unused = h * 100  # not part of the loss: contributes nothing
    loss = (h * h).sum() + h.sum()
    loss.backward()
    t = np.tanh(xv)
    check(x.grad, (2 * t + 1) * (1 - t * t), F64)


def test_detach(device):
    x = lamina.tensor([1.0, 2.0], device=device, requires_grad=True)
    d = x.detach()
    assert not d.requires_grad and d.grad_fn is None and d._storage_id == x._storage_id
    assert x.data._storage_id == x._storage_id and not x.data.requires_grad
    y = x * 2
    z = (y.detach() * x).sum()  # no gradient through the detached factor
    z.backward()
    check(x.grad, np.array([2.0, 4.0]), F32)
    y2 = x * 3
    y2.detach_()
    assert not y2.requires_grad and y2.grad_fn is None
    d.add_(1.0)  # writes through the detached alias land in x
    check(x.detach(), np.array([2.0, 3.0]), F32)


def test_no_grad_and_enable_grad(device):
    x = lamina.ones(2, device=device, requires_grad=True)
    assert lamina.is_grad_enabled()
    with lamina.no_grad():
        assert not lamina.is_grad_enabled()
        y = x * 2
        with lamina.enable_grad():
            z = x * 2
        w = x * 2
    assert lamina.is_grad_enabled()
    assert not y.requires_grad and z.requires_grad and not w.requires_grad

    @lamina.no_grad()
    def f(t):
        return t * 2

    @lamina.enable_grad()
    def g(t):
        return t * 2

    assert not f(x).requires_grad and f.__name__ == "f"
    with lamina.no_grad():
        assert g(x).requires_grad
    with pytest.raises(ZeroDivisionError):
        with lamina.no_grad():
            1 / 0
    assert lamina.is_grad_enabled()  # restored after an exception
    with lamina.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert lamina.is_grad_enabled()
    lamina.set_grad_enabled(False)
    assert not lamina.is_grad_enabled()
    lamina.set_grad_enabled(True)


def test_grad_mode_is_per_thread(device):
    seen = []
    with lamina.no_grad():
        th = threading.Thread(target=lambda: seen.append(lamina.is_grad_enabled()))
        th.start()
        th.join()
    assert seen == [True]


def test_retain_grad(device, rng):
    xv = arr(rng, (3,))
    x = lam(xv, F64, device, requires_grad=True)
    h = x * 2
    h.retain_grad()
    k = x * 5  # not retained
    (h * h + k).sum().backward()
    check(h.grad, 4 * xv, F64)
    assert k.grad is None
    check(x.grad, 8 * xv + 5, F64)
    x.retain_grad()  # a no-op on leaves


def test_backward_with_gradient(device, rng):
    xv = arr(rng, (2, 3))
    x = lam(xv, F64, device, requires_grad=True)
    y = x * x
    g = arr(rng, (2, 3))
    y.backward(gradient=lam(g, F64, device))
    check(x.grad, 2 * xv * g, F64)
    x.grad = None
    (x * 3).backward(g.tolist())  # plain data is accepted as the gradient
    check(x.grad, 3 * g, F64)
    with pytest.raises(RuntimeError, match=r"^\[backward\].*scalar"):
        (x * 2).backward()
    with pytest.raises(ValueError, match=r"^\[backward\]"):
        (x * 2).backward(lamina.ones(3, dtype=F64, device=device))


def test_long_chain_does_not_recurse(device):
    x = lamina.tensor([1.0, 2.0], dtype=F64, device=device, requires_grad=True)
    z = x
    for _ in range(10_000):
        z = z * 1.0001
    z.sum().backward()
    check(x.grad, np.full(2, 1.0001 ** 10_000), F64, rtol=1e-9)
    y = lamina.ones(3, device=device, requires_grad=True)  # float32: the factor rounds to f32
    w = y
    for _ in range(10_000):
        w = w * 1.0001
    w.sum().backward()
    check(y.grad, np.full(3, float(np.float32(1.0001)) ** 10_000), F32, rtol=1e-4)


def test_second_backward_needs_retain_graph(device, rng):
    xv = arr(rng, (4,))
    x = lam(xv, F64, device, requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        y.backward()
    x.grad = None
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    check(x.grad, 2 * np.exp(xv) * (1 + xv), F64)
    z = x.sin()
    z.sum().backward()  # a graph without saved intermediates beyond x
    check(x.grad, 2 * np.exp(xv) * (1 + xv) + np.cos(xv), F64)


def test_multi_output_max_dim(device, rng):
    xv = rng.permutation(np.linspace(-2, 2, 12)).reshape(3, 4)
    x = lam(xv, F64, device, requires_grad=True)
    values, indices = x.max(1)
    assert values.requires_grad and not indices.requires_grad and indices.dtype == I64
    (values * lamina.tensor([1.0, 2.0, 3.0], dtype=F64, device=device)).sum().backward()
    want = np.zeros((3, 4))
    want[np.arange(3), xv.argmax(1)] = [1.0, 2.0, 3.0]
    check(x.grad, want, F64)
    x.grad = None
    vmax, _ = x.max(0)
    vmin, imin = x.min(0, keepdim=True)
    (vmax.sum() - 2 * vmin.sum()).backward()
    want = np.zeros((3, 4))
    want[xv.argmax(0), np.arange(4)] += 1
    want[xv.argmin(0), np.arange(4)] -= 2
    check(x.grad, want, F64)
    check(imin, xv.argmin(0)[None], I64)


def test_inplace_on_tensor_requiring_grad_raises(device):
    x = lamina.ones(3, device=device, requires_grad=True)
    for fn in [lambda: x.add_(1), lambda: x.mul_(2), lambda: x.neg_(), lambda: x.zero_(),
               lambda: x.clamp_(0, 1), lambda: x.__setitem__(0, 5.0)]:
        with pytest.raises(RuntimeError, match="in-place"):
            fn()
    y = x * 1  # non-leaf results are protected too
    with pytest.raises(RuntimeError, match="in-place"):
        y.sub_(1)
    z = x * 1
    z += 1  # augmented assignment rebinds to a new recorded tensor instead
    z.sum().backward()
    check(x.grad, np.ones(3), F32)


def test_inplace_change_of_a_saved_tensor_is_detected(device):
    """Writing into a tensor that backward still needs would give a wrong gradient silently."""
    x = lamina.ones(3, device=device, requires_grad=True)
    w = lamina.full((3,), 2.0, device=device)
    y = (x * w).sum()  # saves w
    w.add_(1)
    with pytest.raises(RuntimeError, match=r"^\[backward\].*modified by an in-place"):
        y.backward()
    x2 = lamina.ones(3, device=device, requires_grad=True)
    y2 = (x2 * x2).sum()
    with lamina.no_grad():
        x2.mul_(3)  # the leaf itself, behind no_grad
    with pytest.raises(RuntimeError, match="in-place"):
        y2.backward()
    x3 = lamina.ones(3, device=device, requires_grad=True)
    e = x3.exp()  # exp saves its output
    s = e.sum()
    e.detach()[0] = 5.0  # through an alias
    with pytest.raises(RuntimeError, match="in-place"):
        s.backward()
    x4 = lamina.ones(3, device=device, requires_grad=True)
    w4 = lamina.full((3,), 2.0, device=device)
    y4 = (x4 * w4).sum()
    w4.clone().add_(1)  # writes elsewhere are fine
    y4.backward()
    check(x4.grad, np.full(3, 2.0), F32)


def test_setitem_of_a_tensor_requiring_grad_is_refused(device):
    x = lamina.zeros(3, device=device)
    y = lamina.ones(1, device=device, requires_grad=True) * 2
    with pytest.raises(RuntimeError, match=r"^\[setitem\].*gradient"):
        x[0] = y  # the gradient to y would be dropped silently
    x[0] = y.detach()
    with lamina.no_grad():
        x[1] = y
    check(x, np.array([2.0, 2.0, 0.0]), F32)


def test_views_and_slices_route_gradients(device, rng):
    xv = arr(rng, (4, 6))
    x = lam(xv, F64, device, requires_grad=True)
    (x[1:3, ::2].sum() * 2 + x.t()[0].sum() + x.reshape(24)[5] * 3).backward()
    want = np.zeros((4, 6))
    want[1:3, ::2] += 2
    want[:, 0] += 1
    want[0, 5] += 3
    check(x.grad, want, F64)


def test_grad_dtype_and_device_follow_the_leaf(device, rng):
    x = lam(arr(rng, (3,)), F32, device, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == F32 and x.grad.device == x.device
    check(x.grad, np.full(3, 2.0), F32)
    b = lam(arr(rng, (1, 3)), F64, device, requires_grad=True)
    (b + lamina.ones(4, 3, dtype=F64, device=device)).sum().backward()
    assert b.grad.shape == (1, 3)
    check(b.grad, np.full((1, 3), 4.0), F64)


def test_saved_tensors_are_freed(device):
    x = lamina.ones(3, device=device, requires_grad=True)
    y = x * x
    ctx = y.grad_fn  # the node is the ctx forward saved into
    assert len(ctx.saved_tensors) == 2
    y.sum().backward()
    with pytest.raises(RuntimeError, match="retain_graph"):
        ctx.saved_tensors


# --- custom Functions -----------------------------------------------------------------------

class Cube(Function):
    @staticmethod
    def forward(ctx, x, scale):
        ctx.save_for_backward(x)
        ctx.scale = scale
        return x * x * x * scale

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 3 * x * x * ctx.scale, None


class WrongCube(Cube):
    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * 2 * x * x * ctx.scale, None  # wrong on purpose


class SplitSum(Function):
    """Two outputs; the backward receives one gradient per output."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.needs = ctx.needs_input_grad
        return a + b, a - b

    @staticmethod
    def backward(ctx, g_sum, g_diff):
        return g_sum + g_diff, g_sum - g_diff


def test_custom_function(device, rng):
    xv = arr(rng, (5,))
    x = lam(xv, F64, device, requires_grad=True)
    y = Cube.apply(x, 2.0)
    assert y.grad_fn.name() == "CubeBackward" and "CubeBackward" in repr(y)
    check(y, 2 * xv ** 3, F64)
    y.sum().backward()
    check(x.grad, 6 * xv ** 2, F64)
    gradcheck(lambda t: Cube.apply(t, -1.5), xv, device=device)
    with lamina.no_grad():
        assert not Cube.apply(x, 1.0).requires_grad
    assert not Cube.apply(x.detach(), 1.0).requires_grad


def test_gradcheck_catches_a_wrong_backward(device, rng):
    xv = arr(rng, (4,))
    x = lam(xv, F64, device, requires_grad=True)
    with pytest.raises(AssertionError, match="gradcheck"):
        lamina_gradcheck(lambda t: WrongCube.apply(t, 1.0), [x])
    assert lamina_gradcheck(lambda t: WrongCube.apply(t, 1.0), [x], raise_exception=False) is False
    with pytest.raises(TypeError, match=r"^\[gradcheck\]"):
        lamina_gradcheck(lambda t: t * 2, [lam(xv, F32, device, requires_grad=True)])


def test_custom_function_two_outputs(device, rng):
    av, bv = arr(rng, (3,)), arr(rng, (3,))
    a = lam(av, F64, device, requires_grad=True)
    b = lam(bv, F64, device)
    s, d = SplitSum.apply(a, b)
    assert s.grad_fn is d.grad_fn and s._output_nr == 0 and d._output_nr == 1
    assert tuple(s.grad_fn.needs) == (True, False)
    (s * 2 + d * 5).sum().backward()
    check(a.grad, np.full(3, 7.0), F64)
    a.grad = None
    s, _ = SplitSum.apply(a, b)  # only one output used: the other's gradient is None
    s.sum().backward()
    check(a.grad, np.ones(3), F64)


def test_leaf_grads_never_alias_each_other_or_the_callers_gradient():
    """A leaf keeps a gradient without copying it only when nothing else holds that memory."""
    gy = lamina.randn(4, 6)
    keep = gy.numpy().copy()
    x = lamina.randn(6, 4, requires_grad=True)
    x.reshape(4, 6).backward(gy)            # the backward hands back a view of gy
    x.grad.mul_(0.0)
    np.testing.assert_array_equal(gy.numpy(), keep)
    x.grad = None
    x.backward(gy.reshape(6, 4))            # a root leaf gets the caller's own tensor
    x.grad.add_(1.0)
    np.testing.assert_array_equal(gy.numpy(), keep)
    a, b = lamina.randn(5, requires_grad=True), lamina.randn(5, requires_grad=True)
    (a + b).backward(lamina.ones(5))        # add sends the same gradient to both inputs
    a.grad.mul_(3.0)
    np.testing.assert_array_equal(b.grad.numpy(), np.ones(5, np.float32))
    np.testing.assert_array_equal(a.grad.numpy(), np.full(5, 3.0, np.float32))
    # a fresh gradient nothing else holds is kept as is, and accumulates correctly after
    w = lamina.randn(3, 3, requires_grad=True)
    (w * 2.0).sum().backward()
    (w * 3.0).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 3), 5.0, np.float32))
