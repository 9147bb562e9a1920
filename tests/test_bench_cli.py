"""The `lamina` command line and the benchmark harness (quick sizes; the whole file runs in seconds)."""
import importlib.util
import os
import json
import subprocess
import sys

import pytest

import lamina
from lamina import cli
from lamina.bench import common


def _lamina(*args, timeout=120):
    return subprocess.run([sys.executable, "-m", "lamina.cli", *args], capture_output=True, text=True,
                          timeout=timeout)


def test_info_runs():
    p = _lamina("info")
    assert p.returncode == 0, p.stderr
    assert "cpu_path" in p.stdout
    assert "cuda" in p.stdout


def test_info_json():
    p = _lamina("info", "--json")
    assert p.returncode == 0, p.stderr
    info = json.loads(p.stdout)
    assert info["build_info"]["cpu_path"] == lamina.build_info()["cpu_path"]
    cuda = info["devices"]["cuda"]
    assert cuda["available"] or cuda["reason"]


def test_registry_and_help(capsys):
    assert {"info", "bench", "train"} <= set(cli.SUBCOMMANDS)
    assert cli.main([]) == 2                                       # no command: help, exit code 2
    assert "bench" in capsys.readouterr().out
    with pytest.raises(SystemExit) as e:
        cli.main(["--version"])
    assert e.value.code == 0


def test_bench_quick_elementwise(tmp_path):
    out = tmp_path / "r.json"
    p = _lamina("bench", "--quick", "--suite", "elementwise", "--out", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    rec = json.loads(out.read_text())
    for key in ("date", "machine", "git", "build_info", "settings", "rows"):
        assert key in rec
    assert rec["machine"]["nproc"] >= 1 and rec["git"]["commit"]
    assert rec["build_info"]["cpu_path"]
    rows = rec["rows"]
    assert {r["name"] for r in rows} >= {"add", "add broadcast", "exp", "relu", "gelu", "mul transposed"}
    np_rows = [r for r in rows if r["peer"] == "numpy"]
    assert np_rows and all(r["status"] == "ok" and r["ratio"] > 0 for r in np_rows)
    for r in np_rows:
        assert r["ratio"] == pytest.approx(r["peer_time"] / r["lamina_time"])
    torch_rows = [r for r in rows if r["peer"] == "torch"]
    assert torch_rows
    if importlib.util.find_spec("torch") is None:
        assert all(r["status"] == "peer missing" and r["ratio"] is None for r in torch_rows)
    else:
        assert all(r["status"] == "ok" and r["ratio"] > 0 for r in torch_rows)
    assert "ratio" in p.stdout                                     # the table was printed


@pytest.mark.skipif(lamina.cuda.is_available(), reason="checks the message when CUDA is missing")
def test_bench_cuda_unavailable_is_a_clear_error():
    p = _lamina("bench", "--device", "cuda", "--no-save")
    assert p.returncode == 2
    assert "cuda" in p.stderr.lower() and "is_available" in p.stderr


def test_measure_and_row():
    t = common.measure(lambda: sum(range(50)), common.Budget.quick())
    assert t.median_s > 0 and t.reps >= 3 and t.inner >= 1
    case = {"name": "x", "shape": "4", "unit": "GB/s", "work": 1e9}
    row = common.make_row("s", case, "numpy", {"time_s": 0.5, "reps": 3}, {"time_s": 1.0, "reps": 3})
    assert row.ratio == pytest.approx(2.0)                         # >1: lamina faster
    assert row.lamina_throughput == pytest.approx(2.0)             # 1 GB in 0.5 s
    missing = common.make_row("s", case, "torch", {"time_s": 0.5}, None, status="peer missing")
    assert missing.ratio is None
    assert "peer missing" in common.format_table([row, missing])


def test_bench_missing_torch_is_skipped_not_an_error(tmp_path):
    fake = tmp_path / "site"
    fake.mkdir()
    (fake / "torch.py").write_text("raise ImportError('simulated: torch not installed')\n")
    out = tmp_path / "r.json"
    env = dict(os.environ, PYTHONPATH=str(fake))
    p = subprocess.run([sys.executable, "-m", "lamina.cli", "bench", "--quick", "--suite", "overhead",
                        "--out", str(out)], capture_output=True, text=True, timeout=120, env=env)
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(out.read_text())["rows"]
    assert rows and all(r["peer"] == "torch" and r["status"] == "peer missing" for r in rows)
    assert all(r["lamina_time"] > 0 for r in rows)
    assert "peer missing" in p.stdout


@pytest.mark.skipif(not {"avx2", "fma"} <= set(common.cpu_details().get("simd", [])),
                    reason="--isa avx2 needs a CPU with AVX2 and FMA")
def test_bench_isa_avx2_pins_every_library(tmp_path):
    out = tmp_path / "r.json"
    p = _lamina("bench", "--quick", "--isa", "avx2", "--suite", "matmul", "--out", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    rec = json.loads(out.read_text())
    used = rec["settings"]["isa_in_use"]
    assert used["lamina"] == "avx2"
    assert used["numpy"] == "Haswell"                              # OpenBLAS's AVX2 core
    if importlib.util.find_spec("torch") is not None:
        assert used["torch"] == "AVX2"
    assert "instruction sets in use: lamina avx2" in p.stdout


def test_bench_worker_refuses_a_library_that_did_not_switch(monkeypatch):
    from lamina.bench import peer
    monkeypatch.setitem(peer.ISA_EXPECT["avx2"], "lamina", "an-isa-no-cpu-has")
    doc = peer.run_suites("lamina", ["elementwise"], quick=True, isa="avx2")
    assert doc["status"] == "failed" and "did not switch to avx2" in doc["reason"]


def test_bench_mxnet_peer_without_mxnet_is_reported_not_an_error(tmp_path):
    out = tmp_path / "r.json"
    p = _lamina("bench", "--quick", "--suite", "poolbn", "--peers", "mxnet", "--mxnet-python",
                sys.executable if importlib.util.find_spec("mxnet") is None else "/nonexistent/python",
                "--out", str(out))
    assert p.returncode == 0, p.stdout + p.stderr
    rows = json.loads(out.read_text())["rows"]
    assert rows and all(r["peer"] == "mxnet" and r["status"] == "peer missing" for r in rows)


def test_bench_foreign_interpreter_sees_only_lamina():
    from lamina.bench import run
    d = run._package_path()
    assert [p.name for p in __import__("pathlib").Path(d).iterdir()] == ["lamina"]
    code = "import lamina, sys; print(lamina.__file__)"
    p = subprocess.run([sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=d), cwd=d,
                       capture_output=True, text=True, timeout=120)
    assert p.returncode == 0 and "lamina" in p.stdout, p.stderr
