"""matmul / mm / bmm against NumPy float64 and torch through check_op (1-D, 2-D, batched and
broadcast operands, awkward sizes, non-contiguous inputs, gradients), the GEMM's operand
layouts, tile edges and TF32 switch, and errors."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import lamina
from lamina.testing import check_op
from reference import FLOATS, arr, check, lam, rounded, to_np, torch

F32, F64, I64 = lamina.float32, lamina.float64, lamina.int64


def _tol(dtype, k):
    if dtype == F64:
        return dict(rtol=1e-10, atol=1e-10)
    return dict(rtol=1e-5, atol=1e-5 * max(1.0, k ** 0.5))  # float32 dot products of k terms


def _tols(k, grad_k):
    """check_op tolerances: the forward sums k products, the gradients grad_k."""
    return dict(tol={F32: tuple(_tol(F32, k).values())},
                grad_tol={F32: tuple(_tol(F32, grad_k).values())})


def _check_mm(ta, tb, a, b, dtype, msg=""):
    want = np.matmul(rounded(a, dtype), rounded(b, dtype))
    check(ta @ tb, want, dtype, msg=msg, **_tol(dtype, a.shape[-1]))


def _tmatmul(a, b):
    return torch.matmul(a, b)


@pytest.mark.parametrize("m,k,n", [(1, 1, 1), (7, 33, 1), (1, 127, 7), (33, 7, 33), (127, 33, 7),
                                   (257, 7, 33), (7, 257, 33), (33, 33, 257), (1, 257, 1),
                                   (257, 257, 257)])
def test_matmul_2d_sizes(m, k, n, device, rng):
    check_op(operator.matmul, [(m, k), (k, n)], np.matmul, _tmatmul, rng=rng, device=device,
             **_tols(k, max(m, n)))


@pytest.mark.parametrize("sa,sb", [
    ((7,), (7,)), ((7,), (7, 5)), ((4, 7), (7,)), ((3, 4, 7), (7,)), ((7,), (3, 7, 5)),
    ((3, 4, 7), (3, 7, 5)), ((3, 4, 7), (7, 5)), ((4, 7), (3, 7, 5)), ((2, 1, 4, 7), (3, 7, 5)),
    ((1, 4, 7), (6, 7, 5)), ((2, 3, 1, 4, 7), (1, 3, 5, 7, 2)), ((5, 0, 7), (7, 3)),
    ((4, 0), (0, 5)), ((0,), (0,)), ((2, 3, 0), (2, 0, 4)),
    ((3, 4), (4, 5)), ((4,), (4,)), ((4,), (4, 3)), ((3, 4), (4,)), ((2, 3, 4), (4, 5)),
    ((2, 1, 3, 4), (2, 4, 2)), ((3, 4), (2, 4, 5)), ((4,), (2, 4, 3)), ((2, 3, 4), (4,)),
])
def test_matmul_broadcast_shapes(sa, sb, device, rng):
    grad_k = max(np.prod(sa[:-1]), np.prod(sb[:-2] + sb[-1:]))  # terms of a gradient sum
    check_op(operator.matmul, [sa, sb], np.matmul, _tmatmul, rng=rng, device=device,
             fd_numel=24, **_tols(sa[-1], grad_k))


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
    check_op(lamina.mm, [(5, 7), (7, 3)], np.matmul, lambda a, b: torch.mm(a, b), rng=rng,
             device=device, **_tols(7, 5))
    check_op(lambda a, b: a.mm(b), [(5, 7), (7, 3)], np.matmul, lambda a, b: a.mm(b), rng=rng,
             device=device, **_tols(7, 5))
    check_op(lamina.bmm, [(4, 5, 7), (4, 7, 3)], np.matmul, lambda a, b: torch.bmm(a, b),
             rng=rng, device=device, **_tols(7, 5))
    a, b, x = (lam(arr(rng, s), device=device) for s in ((5, 7), (7, 3), (4, 5, 7)))
    with pytest.raises(ValueError, match=r"^\[mm\]"):
        lamina.mm(x, b)
    with pytest.raises(ValueError, match=r"^\[bmm\]"):
        lamina.bmm(a, b)
    with pytest.raises(ValueError, match=r"^\[bmm\]"):
        lamina.bmm(x, lam(arr(rng, (2, 7, 3)), device=device))


def test_integer_matmul(device, rng):
    a, b = rng.integers(-9, 10, (6, 5)), rng.integers(-9, 10, (5, 4))
    check(lam(a, I64, device) @ lam(b, I64, device), a @ b, I64)


def test_matmul_output_is_fresh(device, rng):
    a = lam(arr(rng, (4, 4)), device=device)
    out = a @ a
    assert out._storage_id != a._storage_id and out.is_contiguous()


def test_matmul_of_views(device, rng):
    """Views taken inside the op: a transposed and a strided operand, one input used twice."""
    check_op(lambda a, b: a.t() @ b[:, ::2], [(4, 3), (4, 6)], lambda a, b: a.T @ b[:, ::2],
             lambda a, b: a.t() @ b[:, ::2], rng=rng, device=device)
    check_op(lambda a: a @ a.t(), [(3, 5)], lambda a: a @ a.T, lambda a: a @ a.t(), rng=rng,
             device=device)
    check_op(lambda a, b: lamina.bmm(a.transpose(1, 2), b), [(2, 4, 3), (2, 4, 2)],
             lambda a, b: np.matmul(a.transpose(0, 2, 1), b),
             lambda a, b: torch.bmm(a.transpose(1, 2), b), rng=rng, device=device)


@pytest.mark.parametrize("rows,cols", [(3, 7), (7, 3), (5, 5), (33, 127)])
def test_matmul_grads_of_transposed_weights(rows, cols, device, rng):
    """An operand that is the transpose of a contiguous tensor (linear's W.t()) on either
    side, wider or narrower than tall: its gradient is computed in the layout of the tensor
    it views (the backward's transposed product) or the plain one, both equal to NumPy's, and
    the gradient reaching the viewed tensor is contiguous."""
    x = arr(rng, (9, rows))
    w = arr(rng, (cols, rows))
    g = arr(rng, (9, cols))
    check_op(lambda a, b: a @ b.t(), [x, w], lambda a, b: a @ b.T, lambda a, b: a @ b.t(),
             rng=rng, device=device)
    check_op(lambda b, a: b.t() @ a, [w, arr(rng, (cols, 4))], lambda b, a: b.T @ a,
             lambda b, a: b.t() @ a, rng=rng, device=device)
    tx, tw = lam(x, device=device, requires_grad=True), lam(w, device=device, requires_grad=True)
    (tx @ tw.t()).backward(lam(g, device=device))
    assert tw.grad.is_contiguous() and tx.grad.is_contiguous()
    check(tw.grad, g.T @ x, lamina.float32)
    check(tx.grad, g @ w, lamina.float32)


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


# --- the device GEMM: tile edges, operand layouts, alignment, batching, TF32 ------------------
# On the CPU these check the same cases against the same references (the CPU GEMM has its own
# edge logic); on a GPU they cover the SIMT and tensor-core kernels' tile edges (M, N, K not
# multiples of 64 / 128 / 8 / 16), the four stride orders, 16-byte-load fallbacks and batch
# strides, including 0.

_GEMM_SHAPES = [(1, 1, 1), (7, 33, 1), (1, 257, 7), (33, 7, 33), (127, 33, 127), (257, 7, 33),
                (7, 257, 257), (129, 17, 65), (128, 16, 128), (65, 9, 257), (257, 257, 1)]
_LAYOUTS = ("rows", "cols", "rows+off", "cols+off")


def _operand(x, layout, device, dtype=F32):
    """A 2-D tensor holding ``x`` as: ``rows`` contiguous; ``cols`` a transposed view; ``+off`` the
    same inside a NaN-padded buffer at storage offset 1 with an odd leading stride (no 16-byte
    loads possible; reading outside the view shows up as NaN)."""
    r, c = x.shape
    if layout == "rows":
        return lam(x, dtype, device)
    if layout == "cols":
        return lam(np.ascontiguousarray(x.T), dtype, device).t()
    src = x if layout == "rows+off" else x.T
    pad = 2 if src.shape[1] % 2 else 3            # leading stride src.shape[1] + pad is odd
    big = np.full((src.shape[0], src.shape[1] + pad), np.nan)
    big[:, 1:1 + src.shape[1]] = src
    t = lam(big, dtype, device)[:, 1:1 + src.shape[1]]
    return t if layout == "rows+off" else t.t()


def _tf32_bound(a, b):
    """|error| allowed when the inputs are rounded to TF32 (relative 2^-11 each, so 2^-10 per
    product) and summed in fp32: 2e-3 * (|a| @ |b|), twice the worst case, plus a little."""
    return 2e-3 * np.matmul(np.abs(a), np.abs(b)) + 1e-6


@pytest.fixture
def tf32():
    """Sets lamina.backends.cuda.matmul.allow_tf32 for one test and restores it afterwards."""
    before = lamina.backends.cuda.matmul.allow_tf32
    yield lambda on: setattr(lamina.backends.cuda.matmul, "allow_tf32", on)
    lamina.backends.cuda.matmul.allow_tf32 = before


@pytest.mark.parametrize("m,k,n", _GEMM_SHAPES)
def test_matmul_layouts_and_edges(m, k, n, device, rng):
    a, b = arr(rng, (m, k)), arr(rng, (k, n))
    want = rounded(a, F32) @ rounded(b, F32)
    for la in _LAYOUTS:
        ta = _operand(a, la, device)
        for lb in _LAYOUTS:
            check(ta @ _operand(b, lb, device), want, F32, msg=f"{m}x{k}x{n} A {la} B {lb}",
                  **_tol(F32, k))


@pytest.mark.parametrize("m,k,n", [(33, 7, 127), (127, 257, 33), (1, 33, 257)])
def test_matmul_float64_layouts(m, k, n, device, rng):
    a, b = arr(rng, (m, k)), arr(rng, (k, n))
    for la in _LAYOUTS:
        for lb in _LAYOUTS:
            check(_operand(a, la, device, F64) @ _operand(b, lb, device, F64), a @ b, F64,
                  msg=f"A {la} B {lb}", **_tol(F64, k))


def test_matmul_batched_strides(device, rng):
    m, k, n, nb = 33, 127, 65, 5
    a, b = arr(rng, (nb, m, k)), arr(rng, (nb, k, n))
    want = np.matmul(rounded(a, F32), rounded(b, F32))
    # batches of transposes (batch stride m * k, k unit-stride in neither operand)
    ta = lam(np.ascontiguousarray(a.transpose(0, 2, 1)), device=device).transpose(1, 2)
    tb = lam(np.ascontiguousarray(b.transpose(0, 2, 1)), device=device).transpose(1, 2)
    check(ta @ tb, want, F32, msg="transposed batches", **_tol(F32, k))
    # odd batch and leading strides, storage offset 1 (no 16-byte loads)
    big = np.full((nb, m + 1, k + 2), np.nan)
    big[:, 1:, 1:k + 1] = a
    oa = lam(big, device=device)[:, 1:, 1:k + 1]
    check(oa @ lam(b, device=device), want, F32, msg="odd strides", **_tol(F32, k))
    # broadcast batches: stride 0 on either side
    b1 = arr(rng, (1, k, n))
    check(lam(a, device=device) @ lam(b1, device=device),
          np.matmul(rounded(a, F32), rounded(b1, F32)), F32, msg="B batch stride 0", **_tol(F32, k))
    check(lam(a[:1], device=device).expand(nb, m, k) @ tb,
          np.matmul(rounded(a[:1], F32), rounded(b, F32)), F32, msg="A batch stride 0",
          **_tol(F32, k))
    # batch dims that are not outermost (flattened batch stride k, then rows of stride nb * k)
    p = lam(np.ascontiguousarray(a.transpose(1, 0, 2)), device=device).permute(1, 0, 2)
    check(p @ tb, want, F32, msg="batch not outermost", **_tol(F32, k))


@pytest.mark.parametrize("allow", [False, True])
def test_matmul_tf32_switch(allow, device, rng, tf32):
    """allow_tf32 off: full fp32 everywhere. On: the GPU may round inputs to TF32 (bounded
    error; on a GPU the result must actually differ from fp32, i.e. tensor cores were used);
    the CPU ignores the flag."""
    tf32(allow)
    for m, k, n in [(257, 257, 257), (7, 33, 129), (129, 9, 7)]:
        a, b = arr(rng, (m, k)), arr(rng, (k, n))
        ra, rb = rounded(a, F32), rounded(b, F32)
        want = ra @ rb
        for la, lb in [("rows", "rows"), ("cols", "cols"), ("rows+off", "cols")]:
            got = to_np(_operand(a, la, device) @ _operand(b, lb, device))
            err = np.abs(got - want)
            if allow and device == "cuda":
                assert np.all(err <= _tf32_bound(ra, rb)), f"{m}x{k}x{n} {la}/{lb}: {err.max()}"
                if k >= 257:
                    scale = np.abs(want).max()
                    assert err.max() > 1e-5 * scale, "allow_tf32 had no effect on the GPU"
            else:
                np.testing.assert_allclose(got, want, err_msg=f"{m}x{k}x{n} {la}/{lb}",
                                           **_tol(F32, k))


@pytest.mark.skipif(not lamina.cuda.is_available(), reason="needs a GPU: grid-limit loops")
@pytest.mark.parametrize("dtype", FLOATS)
def test_matmul_cuda_grid_limits(dtype, rng, tf32):
    """More N tiles than gridDim.y (65535) and more batches than gridDim.z: the kernels loop."""
    for allow in (False, True):
        tf32(allow)
        cases = [(arr(rng, (1, 2)), arr(rng, (2, 65535 * 128 + 77))),
                 (arr(rng, (70000, 3, 2)), arr(rng, (70000, 2, 5)))]
        for a, b in cases:
            ra, rb = rounded(a, dtype), rounded(b, dtype)
            got = lam(a, dtype, "cuda") @ lam(b, dtype, "cuda")
            if allow and dtype == F32:
                err = np.abs(to_np(got) - np.matmul(ra, rb))
                assert np.all(err <= _tf32_bound(ra, rb)), f"{a.shape} @ {b.shape}: {err.max()}"
            else:
                check(got, np.matmul(ra, rb), dtype, msg=f"{a.shape} @ {b.shape}", **_tol(dtype, 2))
