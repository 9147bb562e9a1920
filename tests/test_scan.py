"""cumsum and cumprod through check_op (NumPy float64 references over awkward sizes, every dim,
non-contiguous inputs, float64 gradchecks, torch when installed, every device), cumprod's
exact gradient where the input holds zeros, integer and bool dtypes, long rows (the CUDA
kernel's chunked row scan), and bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import Input, check_op
from reference import torch

F32, F64 = lamina.float32, lamina.float64
TOL = {F32: (2e-5, 1e-5), F64: (1e-10, 1e-12)}
SHAPES_DIMS = [((1,), 0), ((7,), 0), ((257,), -1), ((33, 7), 0), ((7, 33), 1), ((3, 127, 5), 1),
               ((4, 7, 33), 0), ((2, 1, 257), -1), ((5, 300, 2), 1), ((3, 5, 300), 1), ((), 0)]


def _tf(name):
    return lambda x, dim: getattr(torch, name)(x, dim)


@pytest.mark.parametrize("name", ["cumsum", "cumprod"])
def test_scan(name, device, rng):
    np_fn = np.cumsum if name == "cumsum" else np.cumprod
    for shape, dim in SHAPES_DIMS:
        lo, hi = (-2, 2) if name == "cumsum" else (0.6, 1.4)   # products of <= 300 stay finite
        check_op(getattr(lamina, name), [Input(shape, lo, hi), dim],
                 lambda x, d: np_fn(x, axis=d if x.ndim else None).reshape(x.shape),
                 _tf(name), rng=rng, device=device, tol=TOL, fd_numel=30,
                 name=f"{name} {shape} {dim}")
    # the methods, with a sign mix for cumprod
    check_op(lambda t: getattr(t, name)(1), [Input((7, 33), -1.5, 1.5)],
             lambda x: np_fn(x, axis=1), lambda t: getattr(t, name)(1), rng=rng, device=device,
             tol=TOL)


def _cumprod_grad_ref(x, g):
    """d/dx_k of sum_j g_j prod_{i<=j} x_i, by brute force (float64, any zeros)."""
    n = x.shape[0]
    dx = np.zeros(n)
    for k in range(n):
        for j in range(k, n):
            dx[k] += g[j] * np.prod(np.delete(x[: j + 1], k))
    return dx


@pytest.mark.parametrize("zeros", [[0], [3], [6], [2, 5], [0, 1, 6]])
def test_cumprod_gradient_with_zeros(zeros, device, rng):
    x = rng.uniform(0.5, 1.5, 7) * rng.choice([-1, 1], 7)
    x[zeros] = 0.0
    g = rng.standard_normal(7)
    for dt in (F32, F64):
        t = lamina.tensor(x, dtype=dt, device=device, requires_grad=True)
        y = lamina.cumprod(t, 0)
        y.backward(lamina.tensor(g, dtype=dt, device=device))
        want = _cumprod_grad_ref(x, g)
        tol = 1e-5 if dt == F32 else 1e-12
        np.testing.assert_allclose(t.grad.cpu().numpy(), want, rtol=tol, atol=tol)
        np.testing.assert_allclose(y.detach().cpu().numpy(), np.cumprod(x), rtol=tol, atol=tol)
    # a column layout (dim 0 of (7, 3)) takes the strided kernel
    X = np.stack([x, x[::-1].copy(), x], 1)
    G = rng.standard_normal((7, 3))
    t = lamina.tensor(X, dtype=F64, device=device, requires_grad=True)
    lamina.cumprod(t, 0).backward(lamina.tensor(G, dtype=F64, device=device))
    for c in range(3):
        np.testing.assert_allclose(t.grad.cpu().numpy()[:, c], _cumprod_grad_ref(X[:, c], G[:, c]),
                                   rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("dtype", [lamina.int64, lamina.bool])
def test_scan_integer_inputs_give_int64(dtype, device, rng):
    x = rng.integers(-3, 4, (5, 9)) if dtype == lamina.int64 else rng.random((5, 9)) < 0.5
    t = lamina.tensor(x, dtype=dtype, device=device)
    for name, fn in (("cumsum", np.cumsum), ("cumprod", np.cumprod)):
        for dim in (0, 1):
            y = getattr(lamina, name)(t, dim)
            assert y.dtype == lamina.int64
            np.testing.assert_array_equal(y.cpu().numpy(), fn(x.astype(np.int64), axis=dim))


def test_scan_dtype_argument(rng):
    x = rng.integers(0, 5, (4, 6))
    y = lamina.tensor(x).cumsum(1, dtype=lamina.float64)
    assert y.dtype == lamina.float64
    np.testing.assert_array_equal(y.numpy(), np.cumsum(x, 1))


@pytest.mark.parametrize("n", [1, 255, 256, 257, 100_003])
def test_cumsum_long_rows(n, device, rng):
    """Rows longer than a CUDA block (chunks per thread, a scan of the chunk totals)."""
    x = rng.standard_normal((2, n))
    t = lamina.tensor(x, device=device)
    np.testing.assert_allclose(lamina.cumsum(t, 1).cpu().numpy(), np.cumsum(x, 1),
                               rtol=1e-10, atol=1e-9)
    rev = lamina._C.cumsum(t, 1, reverse=True).cpu().numpy()
    np.testing.assert_allclose(rev, np.cumsum(x[:, ::-1], 1)[:, ::-1], rtol=1e-10, atol=1e-9)
    xf = lamina.tensor(x, dtype=F32, device=device)   # float32 accumulates in double
    np.testing.assert_allclose(lamina.cumsum(xf, 1).cpu().numpy(),
                               np.cumsum(x.astype(np.float32).astype(np.float64), 1),
                               rtol=1e-6, atol=1e-5)


def test_scan_empty_and_errors(device):
    e = lamina.zeros(0, 3, device=device)
    assert lamina.cumsum(e, 0).shape == (0, 3) and lamina.cumprod(e, 1).shape == (0, 3)
    x = lamina.randn(3, 4, device=device)
    with pytest.raises(IndexError, match=r"^\[cumsum\]"):
        lamina.cumsum(x, 2)
    with pytest.raises(IndexError, match=r"^\[cumprod\]"):
        x.cumprod(-3)
    with pytest.raises(TypeError, match=r"^\[cumsum\] dim must be an int"):
        lamina.cumsum(x, 1.0)
    with pytest.raises(TypeError, match=r"^\[cumprod\] expected a lamina Tensor"):
        lamina.cumprod(np.ones(3), 0)
