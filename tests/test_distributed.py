"""lamina.distributed and DistributedDataParallel on 2 MPI ranks: each test runs
``mpiexec -n 2 python tests/dist_worker.py CASE`` (the assertions live in the worker).

Needs the ``distributed`` extra (mpi4py and an MPI library with ``mpiexec``); skipped without
it. Every launch has a timeout, so a hang fails the test instead of stalling the suite."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("mpi4py", reason="the distributed extra is not installed: "
                    "pip install 'lamina[distributed]' (mpi4py, mpich)")

WORKER = str(Path(__file__).resolve().parent / "dist_worker.py")
TIMEOUT_S = 60


def _mpiexec():
    beside = Path(sys.executable).parent / "mpiexec"  # pip's mpich installs it next to python
    return str(beside) if beside.exists() else shutil.which("mpiexec")


MPIEXEC = _mpiexec()
pytestmark = pytest.mark.skipif(MPIEXEC is None, reason="no mpiexec on PATH (pip install mpich)")


def launch(args, env=None, timeout=TIMEOUT_S, ranks=2):
    """Run ``mpiexec -n RANKS python ARGS``; returns (completed process, seconds)."""
    env = dict(os.environ, OMP_NUM_THREADS="1", MPIEXEC_TIMEOUT=str(timeout + 30), **(env or {}))
    t0 = time.perf_counter()
    proc = subprocess.run([MPIEXEC, "-n", str(ranks), sys.executable, *args],
                          capture_output=True, text=True, timeout=timeout, env=env)
    return proc, time.perf_counter() - t0


def run_case(case, **env):
    proc, _ = launch([WORKER, case], env=env)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    for rank in (0, 1):
        assert f"OK {case} rank {rank}" in proc.stdout, out


def test_collectives_exact_all_dtypes_ops_and_sizes():
    # sizes 1, 7 and 2^20 + 3; the large one in 2^18-element MPI calls (the chunked path)
    run_case("collectives", LAMINA_DIST_CHUNK=str(1 << 18))


def test_ddp_equals_one_process_on_the_global_batch():
    run_case("ddp")


def test_ddp_no_sync_accumulates_then_averages():
    run_case("no_sync")


def test_ddp_unused_parameters():
    run_case("unused")


def test_nccl_backend_code_on_a_fake_nccl():
    # one rank, CuPy's NCCL replaced by host-memory copies (tests/fake_nccl.py): the backend's
    # pointers, chunk offsets (5 elements a call), AVG with and without ncclAvg, and DDP on it
    proc, _ = launch([WORKER, "nccl_fake"], env={"LAMINA_DIST_CHUNK": "5"}, ranks=1)
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out
    assert "OK nccl_fake with_avg=True" in out and "OK nccl_fake with_avg=False" in out, out


def test_failing_rank_ends_the_job_fast_with_its_error():
    proc, seconds = launch([WORKER, "fail"])
    assert proc.returncode != 0
    assert "deliberate failure on rank 1" in proc.stderr, proc.stderr
    assert "[rank 1 of 2]" in proc.stderr, proc.stderr
    assert seconds < 20, seconds


def test_cli_trains_digits_cnn_data_parallel(tmp_path):
    pytest.importorskip("sklearn")
    import lamina
    from lamina.train import datasets, models
    from lamina.train.loop import evaluate

    out = tmp_path / "cnn.safetensors"
    proc, _ = launch(["-m", "lamina", "train", "digits", "--model", "cnn", "--epochs", "3",
                      "--no-progress", "--save", str(out)], timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "data-parallel on 2 ranks (mpi)" in proc.stdout
    accs = [float(a) for a in re.findall(r"test acc\s+([\d.]+)%", proc.stdout)]
    assert len(accs) == 3, proc.stdout  # rank 0 alone reports
    assert accs[-1] >= 95.0, proc.stdout
    model = models.cnn()
    model.load_state_dict(lamina.load(str(out)))  # the bare model's keys, no "module." prefix
    _, (x, y) = datasets.digits(seed=0)
    _, acc = evaluate(model, lamina.tensor(x), lamina.tensor(y))
    assert abs(100 * acc - accs[-1]) < 0.006


def test_cli_error_on_every_rank_exits_nonzero():
    proc, seconds = launch(["-m", "lamina", "train", "digits", "--model", "nope"])
    assert proc.returncode != 0 and "unknown model" in proc.stderr, proc.stderr
    assert seconds < 20


def test_bench_distributed_quick():
    proc = subprocess.run([sys.executable, "-m", "lamina.bench.distributed", "--quick",
                           "--no-save"], capture_output=True, text=True, timeout=TIMEOUT_S)
    assert proc.returncode == 0, proc.stderr
    assert "| 4096 | 16384 |" in proc.stdout and "DDP 2 ranks" in proc.stdout, proc.stdout
