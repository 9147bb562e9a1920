"""GPU float32 GEMM: full-fp32 (lamina's SIMT SGEMM vs torch with TF32 off) and TF32 tensor cores
(``backends.cuda.matmul.allow_tf32 = True`` on both sides), on squares 1024^3 .. 8192^3 and the
transformer-like M = 16384 with K, N in {768, 3072}. Meant for ``--device cuda``; on the CPU only
the ``--quick`` smoke sizes run."""
from __future__ import annotations

from .backends import NotApplicable
from .suites import Case, _shape


def cuda_gemm(quick: bool = False):
    squares = (64, 96) if quick else (1024, 2048, 4096, 8192)
    tall = ((256, 64, 96),) if quick else tuple((16384, n, k) for k in (768, 3072) for n in (768, 3072))

    def mm(m, n, k, tf32):
        def build(be):
            if be.device == "cpu" and not quick:
                raise NotApplicable("GPU GEMM sizes (run with --device cuda)")
            lib = be._mod()
            # the flag is process-wide: every case sets it (TF32 cases come first, so a worker
            # leaves it off)
            lib.backends.cuda.matmul.allow_tf32 = tf32
            a, b = be.randn(m, k), be.randn(k, n)
            return lambda: be.matmul(a, b)
        return build

    cases = []
    for tf32 in (True, False):
        label = "tf32" if tf32 else "fp32"
        note = "allow_tf32 on both sides" if tf32 else "allow_tf32 off (full fp32)"
        for n in squares:
            cases.append(Case(f"gemm {label} {n}^3", _shape(n, n, n), "GFLOP/s", 2.0 * n ** 3,
                              mm(n, n, n, tf32), peers=("torch",), note=note))
        for m, n, k in tall:
            cases.append(Case(f"gemm {label} {m}x{n}x{k}", _shape(m, n, k), "GFLOP/s",
                              2.0 * m * n * k, mm(m, n, k, tf32), peers=("torch",),
                              note=note + "; (M, N, K)"))
    return cases
