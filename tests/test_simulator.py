"""The CUDA simulator (csrc/cuda/sim) on its own: each bug detector fires on a planted bug, and
the correct versions of the same kernels run clean and compute the right answers.

tests/sim/planted.cu is built with g++ against the simulator three ways (plain,
-fsanitize=thread, -fsanitize=address) into a temp dir; each case runs in its own process
(`planted CASE`, exit status 0 when the case behaved). Needs g++ only, not the lamina module.
"""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SIM = ROOT / "csrc" / "cuda" / "sim"
PLANTED = ROOT / "tests" / "sim" / "planted.cu"
CXX = os.environ.get("CXX", "g++")

pytestmark = pytest.mark.skipif(shutil.which(CXX) is None,
                                reason=f"{CXX} not found: the simulator tests compile kernels")

FLAVOURS = {"plain": [], "tsan": ["-fsanitize=thread"], "asan": ["-fsanitize=address"]}
ENV = {
    "LAMINA_SIM_SEED": "7",
    "LAMINA_SIM_WORKERS": "2",  # blocks 0 and 1 on different workers: the global race shows
    "TSAN_OPTIONS": "halt_on_error=0 exitcode=66",
    "ASAN_OPTIONS": "detect_leaks=0",
}


@pytest.fixture(scope="module")
def binaries(tmp_path_factory):
    """flavour -> executable path, or the compiler's error text."""
    out = tmp_path_factory.mktemp("sim")
    cpp = sorted(str(p) for p in SIM.glob("*.cpp"))

    def build(flavour):
        exe = out / f"planted_{flavour}"
        cmd = [CXX, "-std=c++17", "-O1", "-g", "-Wall", "-Wno-unknown-pragmas", "-I", str(SIM),
               "-x", "c++", str(PLANTED), "-x", "none", *cpp, "-lpthread", *FLAVOURS[flavour],
               "-o", str(exe)]
        r = subprocess.run(cmd, capture_output=True, text=True)
        return flavour, exe if r.returncode == 0 else f"{' '.join(cmd)}\n{r.stderr[-6000:]}"

    with ThreadPoolExecutor(len(FLAVOURS)) as pool:
        return dict(pool.map(build, FLAVOURS))


def run(binaries, flavour, case, **env):
    exe = binaries[flavour]
    if not isinstance(exe, Path):
        pytest.fail(f"building the {flavour} simulator test failed:\n{exe}")
    cmd = [str(exe), case]
    full_env = {**os.environ, **ENV, **env}
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=full_env)
    if flavour == "tsan" and "unexpected memory mapping" in r.stderr and shutil.which("setarch"):
        # ThreadSanitizer and high mmap ASLR entropy: run without address randomisation
        r = subprocess.run(["setarch", platform.machine(), "-R", *cmd], capture_output=True,
                           text=True, timeout=300, env=full_env)
    return r


def assert_clean(r):
    out = r.stdout + r.stderr
    assert r.returncode == 0 and "FAIL" not in r.stdout and "PASS" in r.stdout, out
    assert "ThreadSanitizer" not in out and "AddressSanitizer" not in out, out


# --- correct kernels: right answers, no report from any detector -------------------------------

CLEAN = [
    ("plain", "reduce"), ("plain", "transpose"), ("plain", "mma"), ("plain", "atomics"),
    ("plain", "early_exit"), ("plain", "launch_limits"),
    ("tsan", "reduce"), ("tsan", "transpose"), ("tsan", "mma"), ("tsan", "atomics"),
    ("tsan", "early_exit"),
    ("asan", "reduce"), ("asan", "transpose"), ("asan", "oob_fixed"), ("asan", "mma"),
    ("asan", "early_exit"),
]


@pytest.mark.parametrize("flavour,case", CLEAN, ids=[f"{f}-{c}" for f, c in CLEAN])
def test_correct_kernels_run_clean(binaries, flavour, case):
    assert_clean(run(binaries, flavour, case))


# --- planted bugs: each detector fires, naming the kernel --------------------------------------

def test_missing_syncthreads_is_reported_as_a_shared_memory_race(binaries):
    r = run(binaries, "tsan", "race_smem")
    assert r.returncode != 0, r.stderr
    assert "WARNING: ThreadSanitizer: data race" in r.stderr, r.stderr
    assert "transpose<false>" in r.stderr and "Location is TLS" in r.stderr, r.stderr


def test_blocks_writing_one_global_word_race(binaries):
    r = run(binaries, "tsan", "race_global")
    assert r.returncode != 0 and "WARNING: ThreadSanitizer: data race" in r.stderr, r.stderr
    assert "global_race" in r.stderr, r.stderr


def test_off_by_one_global_write_is_out_of_bounds(binaries):
    r = run(binaries, "asan", "oob")
    assert r.returncode != 0, r.stdout + r.stderr
    assert "AddressSanitizer: heap-buffer-overflow" in r.stderr, r.stderr
    assert "iota<true>" in r.stderr and "0 bytes to the right of 4000-byte region" in r.stderr


def test_shuffle_on_a_partial_warp_is_a_device_fault(binaries):
    r = run(binaries, "plain", "partial_warp")
    assert r.returncode != 0, r.stdout
    assert "[lamina sim] device fault in kernel 'row_sums'" in r.stderr, r.stderr
    assert "__shfl_xor_sync with mask 0xffffffff names lanes that do not exist" in r.stderr
    assert "partial warp: the block has 48 threads" in r.stderr


def test_shared_memory_over_the_limit_is_a_launch_error(binaries):
    r = run(binaries, "plain", "smem_over")
    assert r.returncode == 3, r.stdout + r.stderr
    assert "cudaErrorInvalidValue: invalid argument" in r.stdout, r.stdout
    assert "kernel 'dyn_smem_kernel' with 65536 bytes of dynamic shared memory" in r.stdout


MISUSE = {
    "deadlock": "deadlock: 32 of 32 threads can never continue: 16 wait at __syncthreads()",
    "disagree": "lanes of one warp disagree",
    "mma_partial": "executed by a partial warp",
    "trap": "kernel 'trap_kernel', block (0,0,0), thread (5,0,0)",
}


@pytest.mark.parametrize("case", sorted(MISUSE))
def test_misuse_is_a_device_fault(binaries, case):
    r = run(binaries, "plain", case)
    assert r.returncode != 0 and "[lamina sim] device fault" in r.stderr, r.stdout + r.stderr
    assert MISUSE[case] in r.stderr, r.stderr


# --- scheduling: seeded, and it changes ---------------------------------------------------------

def test_resume_order_is_seeded_and_varies(binaries):
    """Thread 2 reads a flag thread 1 sets with no barrier between: which one ran first."""
    a = run(binaries, "plain", "order", LAMINA_SIM_SEED="1")
    b = run(binaries, "plain", "order", LAMINA_SIM_SEED="1")
    c = run(binaries, "plain", "order", LAMINA_SIM_SEED="2")
    assert a.returncode == b.returncode == c.returncode == 0, a.stderr + c.stderr
    first = a.stdout.strip()
    assert len(first) == 64 and set(first) == {"0", "1"}, first  # both orders occur
    assert b.stdout.strip() == first  # same seed, same interleavings
    assert c.stdout.strip() != first  # another seed, others
