"""lamina.backends.cuda.matmul.allow_tf32 and lamina.set/get_float32_matmul_precision: defaults,
round trips, the link between them (as in torch), errors, and that the CPU GEMM ignores them."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from reference import arr, lam, to_np

M = lamina.backends.cuda.matmul


@pytest.fixture(autouse=True)
def _restore():
    before = M.allow_tf32, lamina.get_float32_matmul_precision()
    yield
    lamina.set_float32_matmul_precision(before[1])
    M.allow_tf32 = before[0]


def test_defaults_are_full_fp32():
    # a fresh process: the flag must start off (torch's default)
    import subprocess
    import sys
    code = ("import lamina; print(lamina.backends.cuda.matmul.allow_tf32, "
            "lamina.get_float32_matmul_precision())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "highest"]


def test_allow_tf32_round_trip():
    M.allow_tf32 = True
    assert M.allow_tf32 is True and lamina._C.cuda_matmul_allow_tf32() is True
    assert lamina.get_float32_matmul_precision() == "high"
    M.allow_tf32 = False
    assert M.allow_tf32 is False and lamina._C.cuda_matmul_allow_tf32() is False
    assert lamina.get_float32_matmul_precision() == "highest"


@pytest.mark.parametrize("precision,allow", [("highest", False), ("high", True), ("medium", True)])
def test_precision_sets_the_flag(precision, allow):
    lamina.set_float32_matmul_precision("highest" if allow else "high")  # start from the other
    lamina.set_float32_matmul_precision(precision)
    assert lamina.get_float32_matmul_precision() == precision
    assert M.allow_tf32 is allow


def test_same_as_torch():
    torch = pytest.importorskip("torch")
    tm = torch.backends.cuda.matmul
    try:
        # each sequence in a fresh state, using one API at a time (torch refuses mixtures)
        for seq in [["highest"], ["medium"], ["high"], ["medium", "highest"]]:
            for p in seq:
                torch.set_float32_matmul_precision(p)
                lamina.set_float32_matmul_precision(p)
            assert lamina.get_float32_matmul_precision() == torch.get_float32_matmul_precision()
            assert M.allow_tf32 == tm.allow_tf32
    finally:
        torch.set_float32_matmul_precision("highest")  # torch's default


def test_errors():
    with pytest.raises(ValueError, match=r"^\[set_float32_matmul_precision\] expected 'highest', "
                                         r"'high' or 'medium', got 'low'$"):
        lamina.set_float32_matmul_precision("low")
    with pytest.raises(ValueError, match=r"^\[set_float32_matmul_precision\]"):
        lamina.set_float32_matmul_precision(None)
    with pytest.raises(TypeError, match=r"^\[allow_tf32\] expected a bool, got str$"):
        M.allow_tf32 = "yes"
    with pytest.raises(AttributeError):
        M.allow_tf33 = True  # a typo is an error, not a silent no-op
    assert M.allow_tf32 is False and lamina.get_float32_matmul_precision() == "highest"


def test_cpu_gemm_ignores_the_flag(rng):
    a, b = arr(rng, (65, 257)), arr(rng, (257, 33))
    ta, tb = lam(a), lam(b)
    M.allow_tf32 = False
    off = to_np(ta @ tb)
    M.allow_tf32 = True
    on = to_np(ta @ tb)
    np.testing.assert_array_equal(on, off)


def test_exports():
    assert lamina.backends.cuda.matmul is M
    assert "allow_tf32" in repr(M)
    assert callable(lamina.set_float32_matmul_precision)
    assert callable(lamina.get_float32_matmul_precision)
