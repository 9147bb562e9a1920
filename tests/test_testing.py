"""The tester tested: check_op passes correct ops and raises on deliberately wrong ones (wrong
forward, wrong gradient, a bug only on non-contiguous inputs, only in float32, only past some
size, a wrong dtype), with and without torch and NumPy references."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import _C
from lamina.autograd import Function
from lamina.testing import Input, assert_close, check_op, gradcheck

F32, F64 = lamina.float32, lamina.float64


def _torch():
    return pytest.importorskip("torch")


class _Exp(Function):
    """exp with a backward that can be made wrong: scaled, or wrong in the last element only."""

    scale, last_only = 1.0, False

    @staticmethod
    def forward(ctx, x):
        y = lamina.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, dy):
        (y,) = ctx.saved_tensors
        g = dy * y
        if _Exp.scale != 1.0:
            if _Exp.last_only:
                g = g.reshape(-1)
                g = lamina.cat([g[:-1], g[-1:] * _Exp.scale]).reshape(y.shape)
            else:
                g = g * _Exp.scale
        return g


@pytest.fixture
def bad_exp():
    yield _Exp
    _Exp.scale, _Exp.last_only = 1.0, False


def test_passes_a_correct_op(device, rng):
    check_op(_Exp.apply, [(7, 33)], np.exp, rng=rng, device=device)
    check_op(lambda a, b: a @ b, [(5, 7), (7, 3)], np.matmul, rng=rng, device=device)


def test_passes_with_torch(device, rng):
    torch = _torch()
    check_op(lamina.tanh, [(33,)], np.tanh, torch.tanh, rng=rng, device=device)
    # integer targets, a constant, a fixed-dtype mask, tuple outputs
    check_op(lambda x, t, k: (x.gather(1, t) * k, x.max(1)),
             [(4, 6), rng.integers(0, 6, (4, 2)), 2.5],
             lambda x, t, k: (np.take_along_axis(x, t, 1) * k, (x.max(1), x.argmax(1))),
             lambda x, t, k: (x.gather(1, t) * k, tuple(x.max(1))), rng=rng, device=device)


def test_inputs_are_fresh_nonzero_and_noncontiguous(rng):
    seen = []

    def op(x, m):
        seen.append((x.dtype, x.is_contiguous(), m.dtype, m.is_contiguous()))
        return x * 2

    check_op(op, [Input((6, 5), -1, 1), Input((6, 5), dtype=lamina.bool)], lambda x, m: 2 * x,
             rng=rng)
    kinds = {(d, c) for d, c, _, _ in seen}
    assert {(F32, True), (F32, False), (F64, True), (F64, False)} <= kinds
    assert all(md == lamina.bool for _, _, md, _ in seen) and {s[3] for s in seen} == {True, False}
    x = Input((1000,), -1, 1).draw(rng, np.float32)
    assert np.abs(x).min() >= 0.02 and x.min() >= -1 and x.max() < 1
    assert np.array_equal(x, x.astype(np.float32))  # one set of values for every dtype


def test_raises_on_wrong_forward(device, rng):
    with pytest.raises(AssertionError, match=r"check_op exp.*output 0"):
        check_op(lambda x: lamina.exp(x) * 1.0001, [(7,)], np.exp, rng=rng, device=device,
                 name="exp")
    with pytest.raises(AssertionError, match="shape"):
        check_op(lambda x: x.sum(0), [(3, 4)], lambda x: x.sum(1), rng=rng, device=device)
    with pytest.raises(AssertionError, match="2 outputs, the reference has 1"):
        check_op(lambda x: (x, x), [(3,)], lambda x: x, rng=rng, device=device)


def test_raises_on_wrong_dtype(device, rng):
    with pytest.raises(AssertionError, match="dtype lamina.float32"):
        check_op(lambda x: x.float() * 2, [(3,)], lambda x: 2 * x, rng=rng, device=device)
    with pytest.raises(AssertionError, match="dtype"):
        check_op(lambda x: x.argmax(0).float(), [(5,)], lambda x: x.argmax(0), rng=rng,
                 device=device, grad=False)


def test_raises_on_wrong_gradient(device, rng, bad_exp):
    bad_exp.scale = 1.001
    with pytest.raises(AssertionError, match=r"float64 contiguous.*gradcheck"):
        check_op(bad_exp.apply, [(3, 4)], np.exp, rng=rng, device=device)


def test_raises_on_a_gradient_wrong_past_fd_numel(device, rng, bad_exp):
    """Inputs above fd_numel are checked along random directions: one wrong element of 257
    is still seen."""
    bad_exp.scale, bad_exp.last_only = 1.01, True
    with pytest.raises(AssertionError, match="random direction"):
        check_op(bad_exp.apply, [Input((257,), -1, 1)], np.exp, rng=rng, device=device)


def test_raises_on_a_noncontiguous_only_bug(device, rng):
    def reads_storage_as_contiguous(x):  # ignores the view's strides
        return lamina.exp(_as_contiguous_storage(x))

    check_op(reads_storage_as_contiguous, [(4, 5)], np.exp, rng=rng, device=device,
             noncontig=False, grad=False)
    with pytest.raises(AssertionError, match="non-contiguous: output"):
        check_op(reads_storage_as_contiguous, [(4, 5)], np.exp, rng=rng, device=device,
                 grad=False)


def test_raises_on_a_float32_only_bug(device, rng):
    def op(x):  # float32 rounded to ~3 decimal digits
        y = lamina.sin(x)
        return (y * 1000).round() / 1000 if y.dtype == F32 else y

    check_op(op, [(9,)], np.sin, rng=rng, device=device, dtypes=(F64,))
    with pytest.raises(AssertionError, match="float32 contiguous: output"):
        check_op(op, [(9,)], np.sin, rng=rng, device=device)


def test_raises_on_float32_gradient_vs_float64(device, rng, bad_exp):
    class Exp32(_Exp):  # wrong backward only in float32: no NumPy gradient needed to see it
        @staticmethod
        def backward(ctx, dy):
            (y,) = ctx.saved_tensors
            return dy * y * (1.001 if y.dtype == F32 else 1.0)

    with pytest.raises(AssertionError, match="float32 contiguous: grad of input 0 vs float64"):
        check_op(Exp32.apply, [(5,)], np.exp, rng=rng, device=device)


def test_raises_against_torch(rng):
    torch = _torch()
    with pytest.raises(AssertionError, match="vs torch"):
        check_op(lambda x: x.sigmoid(), [(6,)], None, lambda x: torch.tanh(x), rng=rng)


def test_torch_gradients_are_compared(rng, bad_exp):
    torch = _torch()
    bad_exp.scale = 1.001
    with pytest.raises(AssertionError, match="float32 contiguous: grad of input 0 vs torch"):
        check_op(bad_exp.apply, [(3,)], None, torch.exp, rng=rng, dtypes=(F32,))


def test_gradcheck_directions_and_elements(rng):
    x = lamina.tensor(rng.standard_normal((40,)), dtype=F64, requires_grad=True)
    assert gradcheck(lambda t: t.tanh(), [x])
    assert gradcheck(lambda t: t.tanh(), [x], max_elements=10, directions=3)


def test_assert_close_reports_worst():
    with pytest.raises(AssertionError, match=r"1 of 3 elements differ"):
        assert_close(np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 3.1]))


def _as_contiguous_storage(t):
    """The first numel elements of t's storage, read as if t were contiguous (a stride bug)."""
    shape = list(t.shape)
    return _C.as_strided(t, shape, [int(np.prod(shape[i + 1:])) for i in range(len(shape))], 0)


class _Scale(Function):
    """2 x, with a backward that may ignore the strides of the output gradient."""

    seen, buggy = [], False

    @staticmethod
    def forward(ctx, x):
        return x * 2.0

    @staticmethod
    def backward(ctx, dy):
        _Scale.seen.append(dy.is_contiguous())
        return (_as_contiguous_storage(dy) if _Scale.buggy else dy) * 2.0


def test_noncontiguous_output_gradients(device, rng):
    _Scale.seen, _Scale.buggy = [], False
    check_op(_Scale.apply, [(4, 5)], lambda x: 2 * x, rng=rng, device=device)
    assert set(_Scale.seen) == {True, False}  # the non-contiguous pass seeds strided views
    _Scale.buggy = True
    try:
        with pytest.raises(AssertionError, match="non-contiguous: grad of input 0 vs contiguous"):
            check_op(_Scale.apply, [(4, 5)], lambda x: 2 * x, rng=rng, device=device)
    finally:
        _Scale.buggy = False
