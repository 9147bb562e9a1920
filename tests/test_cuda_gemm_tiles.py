"""The big-tile float32 GEMMs on cuda: csrc/cuda/matmul.cu takes 128 x 128 block tiles (SIMT
SGEMM, and the TF32 tensor-core GEMM of matmul_tc.cu when allow_tf32 is set) only when
ceil(M / 128) * ceil(N / 128) * batch reaches the SM count (132 on an H100, as the simulator
reports), else 64 x 64. The other tests' shapes stay below that, so these reach the big tiles
with the fewest blocks: 132 tiles, several K tiles with a partial last one, edge tiles of one
row / column, each operand layout (the four k-fast / not k-fast instantiations, with and
without 16-byte loads). float64 references; TF32 against inputs rounded as cvt.rna does."""
from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from reference import arr, lam, to_np

F32 = lamina.float32
needs_cuda = pytest.mark.skipif(
    not lamina.cuda.is_available(),
    reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}")

# M = 10 * 128 + 1 and N = 11 * 128 + 1: 11 x 12 = 132 tiles of 128 x 128, the last row / column
# of tiles holding one row / column. K = 37: 5 K tiles of the SIMT kernel (BK 8), 3 of the
# tensor-core kernel (BK 16), the last one partial in both.
M, K, N = 1281, 37, 1409
BATCHED = (132, 9, 37, 9)  # 132 batches of one (partial) tile each: grid z, 128 x 128 tiles
LAYOUTS = [("rows", "rows"), ("cols", "rows"), ("rows", "cols"), ("cols", "cols"),
           ("offset", "offset")]


def _operand(x, layout, device="cuda"):
    """``x`` (2-D) as ``rows`` a contiguous tensor, ``cols`` a transposed view (the other
    unit-stride dim), ``offset`` a view at storage offset 1 with an odd leading stride inside a
    NaN-filled buffer (no 16-byte loads; a read outside the view gives NaN)."""
    if layout == "rows":
        return lam(x, F32, device)
    if layout == "cols":
        return lam(np.ascontiguousarray(x.T), F32, device).t()
    r, c = x.shape
    big = np.full((r, c + 2 + c % 2), np.nan)  # leading stride c + 2 or c + 3: odd
    big[:, 1:c + 1] = x
    return lam(big, F32, device)[:, 1:c + 1]


def _f32(rng, shape):
    return arr(rng, shape).astype(np.float32).astype(np.float64)


def tf32_round(x):
    """cvt.rna.tf32.f32: keep 10 mantissa bits, round to nearest with ties away from zero
    (on the sign-magnitude bits: add half of the dropped part, truncate)."""
    bits = np.asarray(x, np.float32).view(np.uint32)
    out = ((bits + np.uint32(0x1000)) & np.uint32(0xFFFFE000)).view(np.float32)
    return out.astype(np.float64)


def _fp32_bound(a, b, k):
    """fp32 accumulation of k exact-in-fp64 products: |err| <= k u (|a| @ |b|), u = 2^-24,
    doubled."""
    return 2 * k * 2.0 ** -24 * np.matmul(np.abs(a), np.abs(b)) + 1e-30


@pytest.fixture
def tf32():
    before = lamina.backends.cuda.matmul.allow_tf32
    yield lambda on: setattr(lamina.backends.cuda.matmul, "allow_tf32", on)
    lamina.backends.cuda.matmul.allow_tf32 = before


def test_tf32_round_model():
    """The reference rounding itself: ties go away from zero, the low 13 bits clear."""
    ulp = 2.0 ** -10
    x = np.array([1 + ulp / 2, -(1 + ulp / 2), 1 + ulp / 2 - 2.0 ** -23, 1 + 3 * ulp / 2,
                  3.0, -0.1], np.float32)
    want = np.array([1 + ulp, -(1 + ulp), 1.0, 1 + 2 * ulp, 3.0, -0.0999755859375])
    got = tf32_round(x)
    np.testing.assert_array_equal(got, want)
    assert np.all((np.asarray(got, np.float32).view(np.uint32) & 0x1FFF) == 0)


@needs_cuda
@pytest.mark.parametrize("la,lb", LAYOUTS, ids=[f"{a}-{b}" for a, b in LAYOUTS])
def test_cuda_sgemm_128_tiles_several_k_tiles(la, lb, rng, tf32):
    tf32(False)
    a, b = _f32(rng, (M, K)), _f32(rng, (K, N))
    got = to_np(_operand(a, la) @ _operand(b, lb))
    want = a @ b
    assert got.shape == (M, N)
    err = np.abs(got - want)
    bound = _fp32_bound(a, b, K)
    assert np.all(err <= bound), f"max err {err.max()}, at {np.unravel_index(err.argmax(), err.shape)}"


@needs_cuda
@pytest.mark.parametrize("la,lb", LAYOUTS, ids=[f"{a}-{b}" for a, b in LAYOUTS])
def test_cuda_tf32_gemm_128_tiles_several_k_tiles(la, lb, rng, tf32):
    tf32(True)
    a, b = _f32(rng, (M, K)), _f32(rng, (K, N))
    got = to_np(_operand(a, la) @ _operand(b, lb))
    ra, rb = tf32_round(a), tf32_round(b)
    want = ra @ rb  # products of TF32 values are exact in fp32 and fp64
    err = np.abs(got - want)
    # fp32 accumulation; hardware may also truncate inside each m16n8k8 step: 4x the fp32 bound
    bound = 2 * _fp32_bound(ra, rb, K + 8)
    assert np.all(err <= bound), f"max err {err.max()}, at {np.unravel_index(err.argmax(), err.shape)}"
    # and the inputs really were rounded: fp32 inputs give a result TF32-far from this one
    full = np.abs(got - a @ b)
    assert np.all(full <= 2e-3 * np.matmul(np.abs(a), np.abs(b)) + 1e-6)
    assert full.max() > 1e-5 * np.abs(a @ b).max(), "allow_tf32 had no effect"


@needs_cuda
@pytest.mark.parametrize("allow", [False, True], ids=["fp32", "tf32"])
def test_cuda_gemm_128_tiles_batched(allow, rng, tf32):
    tf32(allow)
    nb, m, k, n = BATCHED
    a, b = _f32(rng, (nb, m, k)), _f32(rng, (nb, k, n))
    got = to_np(lam(a, F32, "cuda") @ lam(np.ascontiguousarray(b.transpose(0, 2, 1)), F32,
                                          "cuda").transpose(1, 2))
    if allow:
        a, b = tf32_round(a), tf32_round(b)
    want = np.matmul(a, b)
    err = np.abs(got - want)
    assert np.all(err <= 2 * _fp32_bound(a, b, k + 8)), err.max()


_TRACE = textwrap.dedent("""
    import sys
    import lamina
    allow = sys.argv[1] == "1"
    lamina.backends.cuda.matmul.allow_tf32 = allow
    for shape in [((M, K), (K, N)), ((M, K), (K, N - 128)), ((NB, m, k), (NB, k, n))]:
        a, b = lamina.ones(*shape[0], device="cuda"), lamina.ones(*shape[1], device="cuda")
        c = a @ b
        lamina.cuda.synchronize()
""")


@needs_cuda
@pytest.mark.skipif(lamina.cuda.is_available() and
                    lamina.build_info().get("cuda_backend") != "simulator",
                    reason="launch tracing is the simulator's (LAMINA_SIM_TRACE)")
@pytest.mark.parametrize("allow", [False, True], ids=["sgemm", "tf32"])
def test_cuda_gemm_tile_choice_on_the_simulator(allow, tmp_path):
    """The shapes above really launch 128 x 128 tiles (256 threads, grid 11 x 12 / z 132) on the
    simulator's 132 SMs, and one column of tiles fewer (121 tiles) takes 64 x 64 tiles (128
    threads)."""
    trace = tmp_path / "trace.txt"
    nb, m, k, n = BATCHED
    code = f"M, K, N, NB, m, k, n = {M}, {K}, {N}, {nb}, {m}, {k}, {n}\n" + _TRACE
    env = dict(os.environ, LAMINA_SIM_TRACE=str(trace))
    out = subprocess.run([sys.executable, "-c", code, "1" if allow else "0"], env=env,
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    kernel = "tc_gemm_kernel" if allow else "sgemm_kernel"
    launches = [line for line in trace.read_text().splitlines() if kernel in line]
    geo = [line.split(">", 1)[1].split(":")[0].strip() for line in launches]
    assert geo == ["grid (11,12,1) block (256,1,1) smem 0",   # 132 tiles: 128 x 128
                   "grid (21,21,1) block (128,1,1) smem 0",   # 11 x 11 = 121 < 132: 64 x 64
                   "grid (1,1,132) block (256,1,1) smem 0"], launches
