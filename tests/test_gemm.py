"""The packed GEMM behind matmul (csrc/cpu/gemm*.{h,cpp}, cpu::gemm) against NumPy float64.

Awkward sizes in every position of M, N, K; the four transpositions (NN, NT, TN, TT) as views;
strided and NaN-poisoned operands; stride-0 (broadcast) rows, columns and batches; batches;
thread counts; and shapes crossing the cache blocks (KC, MC, NC) of every kernel. The whole
module runs again in subprocesses under LAMINA_CPU_PATH=generic (portable kernels) and
LAMINA_CPU_PATH=avx2 (AVX2 kernels on an AVX-512 CPU).

Tolerances are relative to the K-scaled magnitude |A| @ |B| of each output element: float32
1e-5, float64 1e-12, int64 exact."""
from __future__ import annotations

import itertools
import os
import subprocess
import sys

import numpy as np
import pytest

import lamina
from reference import SIZES, arr, lam, rounded

F32, F64, I64 = lamina.float32, lamina.float64, lamina.int64
DTYPES = (F32, F64, I64)
RTOL = {F32: 1e-5, F64: 1e-12}
CHILD = "LAMINA_TEST_GEMM_CHILD"  # set in the subprocess runs of this module


def values(rng, shape, dtype):
    if dtype == I64:
        return rng.integers(-9, 10, size=shape).astype(np.float64)
    return rounded(arr(rng, shape), dtype)


def operand(x, dtype, layout="N"):
    """A lamina tensor holding the numpy matrix (batch) ``x`` in a layout:
    N contiguous; T the .mT view of the transpose; S every other column of a poisoned buffer;
    R every other row of a poisoned buffer; ST the .mT view of an S-layout transpose."""
    x = np.asarray(x)
    poison = np.nan if dtype != I64 else 2 ** 40
    if layout == "N":
        return lam(x, dtype)
    if layout == "T":
        t = lam(np.ascontiguousarray(np.swapaxes(x, -1, -2)), dtype).mT
        assert not t.is_contiguous() or min(x.shape[-2:]) <= 1
        return t
    if layout == "S":
        big = np.full(x.shape[:-1] + (2 * x.shape[-1],), poison, dtype=np.float64)
        big[..., ::2] = x
        return lam(big, dtype)[..., ::2]
    if layout == "R":
        big = np.full(x.shape[:-2] + (2 * x.shape[-2], x.shape[-1]), poison, dtype=np.float64)
        big[..., ::2, :] = x
        return lam(big, dtype)[..., ::2, :]
    if layout == "ST":
        return operand(np.swapaxes(x, -1, -2), dtype, "S").mT
    raise ValueError(layout)


def check_gemm(out, a, b, dtype, msg=""):
    """out (lamina) against a @ b in float64, tolerance relative to |a| @ |b|."""
    want = np.matmul(a, b)
    assert tuple(out.shape) == want.shape, f"{msg}: shape {tuple(out.shape)} != {want.shape}"
    assert out.dtype == dtype, msg
    got = np.asarray(out.numpy())
    if dtype == I64:
        np.testing.assert_array_equal(got, want.astype(np.int64), err_msg=msg)
        return
    got = got.astype(np.float64)
    tol = RTOL[dtype] * np.matmul(np.abs(a), np.abs(b)) + 1e-30
    err = np.abs(got - want)
    bad = ~(err <= tol)  # NaN counts as bad
    if bad.any():
        idx = np.argwhere(bad)[:5]
        rows = [f"{tuple(i)}: got {got[tuple(i)]!r}, want {want[tuple(i)]!r}" for i in idx]
        pytest.fail(f"{msg}: {int(bad.sum())} of {bad.size} elements off; first: " + "; ".join(rows))


def mm(rng, shape_a, shape_b, dtype, la="N", lb="N", msg=""):
    a, b = values(rng, shape_a, dtype), values(rng, shape_b, dtype)
    check_gemm(operand(a, dtype, la) @ operand(b, dtype, lb), a, b, dtype,
               msg or f"{shape_a}{la} @ {shape_b}{lb} {dtype}")


# --- sizes and layouts -----------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("m", SIZES)
def test_sizes_every_position(m, dtype, rng):
    for n, k in itertools.product(SIZES, SIZES):
        mm(rng, (m, k), (k, n), dtype)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("la,lb", [("N", "N"), ("N", "T"), ("T", "N"), ("T", "T")])
def test_transpositions(la, lb, dtype, rng):
    for m, n, k in [(33, 127, 257), (257, 33, 127), (127, 257, 33), (1, 257, 33), (257, 1, 7),
                    (7, 7, 1), (1, 1, 257), (65, 97, 200)]:
        mm(rng, (m, k), (k, n), dtype, la, lb)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("la,lb", [("S", "N"), ("N", "S"), ("R", "S"), ("S", "T"), ("T", "S"),
                                   ("ST", "R"), ("R", "ST"), ("ST", "ST")])
def test_strided(la, lb, dtype, rng):
    for m, n, k in [(33, 127, 65), (127, 33, 7), (7, 257, 33), (1, 33, 127)]:
        mm(rng, (m, k), (k, n), dtype, la, lb)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_stride_zero_rows_and_columns(dtype, rng):
    m, n, k = 33, 127, 65
    a, b = values(rng, (m, k), dtype), values(rng, (k, n), dtype)
    ra, ca = values(rng, (k,), dtype), values(rng, (m, 1), dtype)
    rb, cb = values(rng, (n,), dtype), values(rng, (k, 1), dtype)
    cases = [  # (lamina A, numpy A, lamina B, numpy B, label)
        (lam(ra, dtype).expand(m, k), np.broadcast_to(ra, (m, k)), operand(b, dtype), b, "sam=0"),
        (lam(ca, dtype).expand(m, k), np.broadcast_to(ca, (m, k)), operand(b, dtype), b, "sak=0"),
        (operand(a, dtype), a, lam(rb, dtype).expand(k, n), np.broadcast_to(rb, (k, n)), "sbk=0"),
        (operand(a, dtype, "T"), a, lam(cb, dtype).expand(k, n), np.broadcast_to(cb, (k, n)), "sbn=0"),
    ]
    for ta, na, tb, nb, label in cases:
        check_gemm(ta @ tb, na, nb, dtype, label)


# --- batches ---------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("batch", [1, 2, 3, 5, 16])
def test_batched(batch, dtype, rng):
    for (m, n, k), (la, lb) in itertools.product([(33, 65, 127), (7, 1, 33), (127, 96, 7)],
                                                 [("N", "N"), ("T", "N"), ("N", "T"), ("S", "T")]):
        mm(rng, (batch, m, k), (batch, k, n), dtype, la, lb)


@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_broadcast_batch(dtype, rng):
    cases = [((33, 65), (4, 65, 127)), ((3, 33, 65), (65, 127)), ((1, 33, 65), (5, 65, 7)),
             ((2, 1, 7, 33), (3, 33, 127)), ((3, 127, 33), (1, 33, 257))]
    for sa, sb in cases:
        for la, lb in [("N", "N"), ("T", "T"), ("N", "T")]:
            mm(rng, sa, sb, dtype, la, lb)
    a, b = values(rng, (33, 65), dtype), values(rng, (65, 127), dtype)  # explicit stride-0 batches
    check_gemm(lam(a, dtype).expand(4, 33, 65) @ operand(b, dtype, "T").expand(4, 65, 127),
               np.broadcast_to(a, (4, 33, 65)), np.broadcast_to(b, (4, 65, 127)), dtype, "expand")


def test_batch_dim_not_outermost(rng):
    x, b = values(rng, (65, 4, 33), F32), values(rng, (33, 127), F32)  # (M, batch, K) storage
    t = lam(x, F32).permute(1, 0, 2)  # (4, 65, 33) with batch stride 33, row stride 132
    check_gemm(t @ lam(b, F32), np.transpose(x, (1, 0, 2)), b, F32, "permuted batch")


# --- cache-block edges and threads ------------------------------------------------------------

@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_block_edges(dtype, rng):
    # K beyond KC (at most 512), M beyond MC (at most 672), N beyond NC (at most 4096), and all
    for m, n, k in [(7, 9, 1100), (33, 65, 513), (1400, 9, 7), (700, 33, 65), (7, 4200, 7),
                    (3, 8300, 5), (700, 129, 600)]:
        for la, lb in [("N", "N"), ("T", "T")]:
            mm(rng, (m, k), (k, n), dtype, la, lb)


@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
def test_short_products(threads, dtype, rng):
    # at most 64 rows (gemm.h kShortRows): read in place when B's columns fit L2 and its rows
    # lie less than a page apart (33 x 250 x 1100, B rows 1000 / 2000 bytes), else packed in
    # blocks of at most 512 columns (7 x 2100 x 301), split by columns on two threads; B packed
    # 8 rows at a time across the panels (K = 301, 1100: a last group of 5 and 4 rows)
    before = lamina.get_num_threads()
    try:
        lamina.set_num_threads(threads)
        for m, n, k in [(33, 250, 1100), (64, 129, 1100), (7, 2100, 301), (1, 1030, 1100)]:
            for la, lb in [("N", "N"), ("T", "T"), ("N", "T")]:
                mm(rng, (m, k), (k, n), dtype, la, lb)
    finally:
        lamina.set_num_threads(before)


@pytest.mark.parametrize("dtype", [F32, F64], ids=str)
def test_b_too_big_to_share(dtype, rng):
    # packed B over matmul.cpp's kSharedBBytes (24 MB): each thread packs its own B blocks
    k, n = (2000, 3300) if dtype == F32 else (1800, 1800)
    for la, lb in [("N", "N"), ("T", "T")]:
        mm(rng, (37, k), (k, n), dtype, la, lb)


def test_batch_of_large_products(rng):
    # an odd batch of products big enough for both threads each: one product after another
    for la, lb in [("N", "N"), ("T", "T"), ("S", "N")]:
        mm(rng, (3, 160, 150), (3, 150, 200), F32, la, lb)
        mm(rng, (150, 160), (3, 160, 200), F64, la, lb)


def test_large_float32(rng):
    mm(rng, (701, 400), (400, 4200), F32, "N", "N", "701x4200x400")
    mm(rng, (333, 200), (200, 1030), F32, "T", "T", "333x1030x200 TT")


@pytest.mark.parametrize("threads", [1, 2, 3])
def test_thread_counts(threads, rng):
    before = lamina.get_num_threads()
    try:
        lamina.set_num_threads(threads)
        for m, n, k in [(520, 7, 257), (7, 520, 257), (257, 257, 257), (64, 64, 64), (1, 4096, 300)]:
            for dtype in (F32, F64, I64):
                mm(rng, (m, k), (k, n), dtype)
        for batch in (2, 3, 7):
            mm(rng, (batch, 96, 80), (batch, 80, 112), F32, "N", "T")
    finally:
        lamina.set_num_threads(before)


# --- the other CPU paths ---------------------------------------------------------------------

@pytest.mark.skipif(os.environ.get(CHILD) == "1", reason="already a subprocess run")
@pytest.mark.parametrize("path", ["generic", "avx2"])
def test_cpu_paths(path):
    """This module again, with LAMINA_CPU_PATH forcing the portable (or AVX2) kernels."""
    env = dict(os.environ, LAMINA_CPU_PATH=path, **{CHILD: "1"})
    here = os.path.dirname(os.path.abspath(__file__))
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                          os.path.abspath(__file__)], cwd=here, env=env, capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    probe = subprocess.run([sys.executable, "-c", "import lamina; print(lamina.build_info()['cpu_path'])"],
                           env=env, capture_output=True, text=True, timeout=300)
    assert probe.stdout.strip() in ({"generic"} if path == "generic" else {"avx2", "generic"})
