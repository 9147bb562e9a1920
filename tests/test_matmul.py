"""matmul / mm / bmm against NumPy float64: 1-D, 2-D, batched and broadcast operands,
transposed (non-contiguous) inputs, awkward sizes, gradients and errors."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from reference import FLOATS, arr, check, gradcheck, lam, rounded

F32, F64, I64 = lamina.float32, lamina.float64, lamina.int64


def _tol(dtype, k):
    if dtype == F64:
        return dict(rtol=1e-10, atol=1e-10)
    return dict(rtol=1e-5, atol=1e-5 * max(1.0, k ** 0.5))  # float32 dot products of k terms


def _check_mm(ta, tb, a, b, dtype, msg=""):
    want = np.matmul(rounded(a, dtype), rounded(b, dtype))
    check(ta @ tb, want, dtype, msg=msg, **_tol(dtype, a.shape[-1]))


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 33, 1), (1, 127, 7), (33, 7, 33), (127, 33, 7),
                                   (257, 7, 33), (7, 257, 33), (33, 33, 257), (1, 257, 1)])
def test_matmul_2d_sizes(m, k, n, dtype, device, rng):
    a, b = arr(rng, (m, k)), arr(rng, (k, n))
    _check_mm(lam(a, dtype, device), lam(b, dtype, device), a, b, dtype, f"{m}x{k}x{n}")


def test_matmul_large_square(device, rng):
    a, b = arr(rng, (257, 257)), arr(rng, (257, 257))
    _check_mm(lam(a, F32, device), lam(b, F32, device), a, b, F32)


@pytest.mark.parametrize("sa,sb", [
    ((7,), (7,)), ((7,), (7, 5)), ((4, 7), (7,)), ((3, 4, 7), (7,)), ((7,), (3, 7, 5)),
    ((3, 4, 7), (3, 7, 5)), ((3, 4, 7), (7, 5)), ((4, 7), (3, 7, 5)), ((2, 1, 4, 7), (3, 7, 5)),
    ((1, 4, 7), (6, 7, 5)), ((2, 3, 1, 4, 7), (1, 3, 5, 7, 2)), ((5, 0, 7), (7, 3)),
    ((4, 0), (0, 5)), ((0,), (0,)), ((2, 3, 0), (2, 0, 4)),
])
def test_matmul_broadcast_shapes(sa, sb, device, rng):
    a, b = arr(rng, sa), arr(rng, sb)
    for dtype in FLOATS:
        _check_mm(lam(a, dtype, device), lam(b, dtype, device), a, b, dtype, f"{sa}@{sb}")


def test_matmul_noncontiguous(device, rng):
    a, b = arr(rng, (33, 7)), arr(rng, (7, 127))
    ta = lam(np.ascontiguousarray(a.T), device=device).t()  # (33, 7), column-major
    tb = lam(np.ascontiguousarray(b.T), device=device).t()
    assert not ta.is_contiguous() and not tb.is_contiguous()
    for x, y in [(ta, tb), (ta, lam(b, device=device)), (lam(a, device=device), tb)]:
        _check_mm(x, y, a, b, F32)
    big = arr(rng, (66, 21))
    tbig = lam(big, device=device)
    _check_mm(tbig[::2, ::3], tb, big[::2, ::3], b, F32, "strided")
    bat = arr(rng, (5, 7, 4))
    tbat = lam(bat, device=device).permute(0, 2, 1)  # (5, 4, 7) batch of transposes
    _check_mm(tbat, tb, bat.transpose(0, 2, 1), b, F32, "batched transposed")
    perm = lam(np.ascontiguousarray(bat.transpose(1, 0, 2)), device=device).permute(1, 0, 2)
    c = arr(rng, (4, 3))
    _check_mm(perm, lam(c, device=device), bat, c, F32, "batch dim not outermost")
    v = arr(rng, (7,))  # stride-0 rows
    _check_mm(lam(v, device=device).expand(4, 7), tb, np.broadcast_to(v, (4, 7)), b, F32, "expanded")


def test_mm_bmm(device, rng):
    a, b = arr(rng, (5, 7)), arr(rng, (7, 3))
    check(lamina.mm(lam(a, device=device), lam(b, device=device)),
          rounded(a, F32) @ rounded(b, F32), F32, **_tol(F32, 7))
    check(lam(a, device=device).mm(lam(b, device=device)), rounded(a, F32) @ rounded(b, F32), F32,
          **_tol(F32, 7))
    x, y = arr(rng, (4, 5, 7)), arr(rng, (4, 7, 3))
    check(lamina.bmm(lam(x, device=device), lam(y, device=device)),
          np.matmul(rounded(x, F32), rounded(y, F32)), F32, **_tol(F32, 7))
    with pytest.raises(ValueError, match=r"^\[mm\]"):
        lamina.mm(lam(x, device=device), lam(b, device=device))
    with pytest.raises(ValueError, match=r"^\[bmm\]"):
        lamina.bmm(lam(a, device=device), lam(b, device=device))
    with pytest.raises(ValueError, match=r"^\[bmm\]"):
        lamina.bmm(lam(x, device=device), lam(arr(rng, (2, 7, 3)), device=device))


def test_integer_matmul(device, rng):
    a, b = rng.integers(-9, 10, (6, 5)), rng.integers(-9, 10, (5, 4))
    check(lam(a, I64, device) @ lam(b, I64, device), a @ b, I64)


def test_matmul_output_is_fresh(device, rng):
    a = lam(arr(rng, (4, 4)), device=device)
    out = a @ a
    assert out._storage_id != a._storage_id and out.is_contiguous()


# --- gradients ------------------------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)),
                                   ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (2, 4, 2)), ((3, 4), (2, 4, 5)),
                                   ((4,), (2, 4, 3)), ((2, 3, 4), (4,))])
def test_matmul_grad(sa, sb, device, rng):
    gradcheck(lambda a, b: a @ b, arr(rng, sa), arr(rng, sb), device=device)


def test_matmul_grad_noncontiguous(device, rng):
    gradcheck(lambda a, b: a.t() @ b[:, ::2], arr(rng, (4, 3)), arr(rng, (4, 6)), device=device)
    gradcheck(lambda a: a @ a.t(), arr(rng, (3, 5)), device=device)  # one input used twice
    gradcheck(lambda a, b: lamina.bmm(a.transpose(1, 2), b), arr(rng, (2, 4, 3)), arr(rng, (2, 4, 2)),
              device=device)


# --- errors ---------------------------------------------------------------------------------

def test_matmul_errors(device):
    with pytest.raises(ValueError, match=r"^\[matmul\] shapes \(3, 4\) and \(5, 6\) cannot be multiplied$"):
        lamina.ones(3, 4, device=device) @ lamina.ones(5, 6, device=device)
    with pytest.raises(ValueError, match=r"^\[matmul\]"):
        lamina.ones(3, device=device) @ lamina.ones(4, device=device)
    with pytest.raises(ValueError, match=r"^\[matmul\]"):
        lamina.ones(2, 3, 4, device=device) @ lamina.ones(3, 4, 5, device=device)  # batch 2 vs 3
    with pytest.raises(ValueError, match=r"^\[matmul\]"):
        lamina.ones((), device=device) @ lamina.ones(3, device=device)
    with pytest.raises(TypeError, match=r"^\[matmul\]"):
        lamina.ones(3, 4, device=device) @ lamina.ones(4, 5, dtype=F64, device=device)
    with pytest.raises(TypeError, match=r"^\[matmul\]"):
        lamina.ones(3, 4, device=device) @ lamina.ones(4, 5, dtype=I64, device=device)
    with pytest.raises(TypeError, match=r"^\[matmul\]"):
        lamina.ones(2, 2, dtype=lamina.bool, device=device) @ lamina.ones(2, 2, dtype=lamina.bool, device=device)
    with pytest.raises(TypeError, match=r"^\[matmul\]"):
        lamina.ones(2, 2, device=device) @ [[1.0, 0.0], [0.0, 1.0]]
