"""Benchmark of lamina.distributed on MPI: ranks, so its own driver (not a ``lamina bench`` suite,
whose workers are single processes).

    python -m lamina.bench.distributed [--quick] [--out PATH] [--no-save]

1. ``all_reduce`` (SUM, float32, in place) against mpi4py's raw ``Allreduce(IN_PLACE)`` on numpy
   arrays of the same size, in the same 2-rank job, interleaved: what lamina's layer costs. The
   raw call is also timed on a numpy view of the lamina tensor's memory, which separates the
   cost of the layer from that of the memory. Bandwidth is the algorithm bandwidth, bytes of the
   tensor / time.
2. DistributedDataParallel on the CNN train step of the ``train`` suite (3 x conv-bn-relu-maxpool
   + linear on 32x32x3, SGD momentum): plain 1 process, DDP on 1 rank, DDP on 2 ranks with the
   per-rank batch kept (weak scaling) and with the global batch kept (strong scaling). Every rank
   has one thread, so on a 2-core machine each rank has one core; "1 process, 2 threads" is what
   one process gets from the same two cores.

Timing: fixed repeat counts (every rank must call the same collectives), a barrier before each
sample, the slowest rank's time per sample; the tables show the best sample (other processes on
a shared machine only ever add time), the JSON also the median."""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import common

SIZES = (1, 256, 4096, 65536, 1 << 20, 1 << 22, 1 << 24)  # float32 elements
QUICK_SIZES = (1, 4096, 1 << 16)


# --- the rank side -------------------------------------------------------------------------------

def _timed(comm, fn, samples, inner):
    """(median, min) over ``samples`` of the slowest rank's seconds per call (``inner`` calls)."""
    from mpi4py import MPI
    times = []
    for _ in range(samples):
        comm.Barrier()
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append(comm.allreduce((time.perf_counter() - t0) / inner, op=MPI.MAX))
    return statistics.median(times), min(times)


def worker_allreduce(quick):
    import numpy as np
    from mpi4py import MPI

    import lamina
    import lamina.distributed as dist
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    rows = []
    for n in (QUICK_SIZES if quick else SIZES):
        inner = max(1, min(200, (1 << 22) // max(n, 1)))
        samples = 3 if quick else 15
        a = np.ones(n, np.float32)
        t = lamina.ones(n)
        v = t._numpy_view()  # lamina's memory, handed to mpi4py directly
        raw = lambda: comm.Allreduce(MPI.IN_PLACE, [a, MPI.FLOAT], MPI.SUM)  # noqa: E731
        raw_on_ours = lambda: comm.Allreduce(MPI.IN_PLACE, [v, MPI.FLOAT], MPI.SUM)  # noqa: E731
        ours = lambda: dist.all_reduce(t)  # noqa: E731
        fns = {"mpi4py_s": raw, "mpi4py_lamina_memory_s": raw_on_ours, "lamina_s": ours}
        for f in fns.values():  # warm-up
            f()
        times = {k: [] for k in fns}
        for _ in range(2):  # interleaved, against drift
            for k, f in fns.items():
                times[k].append(_timed(comm, f, samples, inner))
        row = {"elements": n, "bytes": 4 * n}
        for k, v in times.items():  # the best sample: other processes only ever add time
            row[k] = min(m for _, m in v)
            row[k[:-2] + "_median_s"] = min(med for med, _ in v)
        rows.append(row)
    return rows


def worker_ddp(quick, batch, wrap, steps):
    from mpi4py import MPI

    import lamina
    import lamina.distributed as dist
    from ..train import models
    dist.init_process_group("mpi")
    comm = MPI.COMM_WORLD
    lamina.manual_seed(0)
    model = models.cnn(3, 8 if quick else 32, (32, 64, 128), 10)
    net = lamina.nn.parallel.DistributedDataParallel(model) if wrap else model
    opt = lamina.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
    loss_fn = lamina.nn.CrossEntropyLoss()
    size = 8 if quick else 32
    x = lamina.randn(batch, 3, size, size)
    y = lamina.randint(0, 10, (batch,))

    def step():
        opt.zero_grad()
        loss_fn(net(x), y).backward()
        opt.step()
    for _ in range(2):
        step()
    median, best = _timed(comm, step, steps, 1)
    return {"step_s": best, "step_median_s": median}


# --- the driver ----------------------------------------------------------------------------------

def _mpiexec():
    import shutil
    beside = Path(sys.executable).parent / "mpiexec"
    return str(beside) if beside.exists() else shutil.which("mpiexec")


def _launch(ranks, worker_args, threads, wait_quiet=0.0):
    """One mpiexec job; its rank 0's JSON, plus the CPU other processes used meanwhile."""
    if wait_quiet > 0:
        common.wait_quiet(wait_quiet)
    meter = common.BackgroundMeter()
    cmd = [_mpiexec(), "-n", str(ranks), sys.executable, "-m", "lamina.bench.distributed",
           "--worker", *worker_args]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS="1",
               MPIEXEC_TIMEOUT="600")
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=660, env=env)
    noise = meter.stop()
    if proc.returncode != 0:
        raise RuntimeError(f"[bench.distributed] {' '.join(worker_args)} failed: "
                           f"{proc.stderr[-2000:]}")
    doc = json.loads([ln for ln in proc.stdout.splitlines() if ln.startswith("{")][-1])
    doc["background_cores"] = noise["background_cores"]
    return doc


def run(quick=False, log=print, wait_quiet=0.0):
    res = {"allreduce": [], "ddp": []}
    log("all_reduce float32 SUM, 2 ranks (1 thread each)")
    doc = _launch(2, ["allreduce"] + (["--quick"] if quick else []), 1, wait_quiet)
    res["mpi"], res["allreduce"] = doc["mpi"], doc["rows"]
    res["allreduce_background_cores"] = doc["background_cores"]
    for r in res["allreduce"]:
        r["ratio"] = r["mpi4py_s"] / r["lamina_s"]
        r["lamina_GBps"] = r["bytes"] / r["lamina_s"] * 1e-9
        r["mpi4py_GBps"] = r["bytes"] / r["mpi4py_s"] * 1e-9
    b = 8 if quick else 64
    steps = 3 if quick else 15
    configs = [("1 process, 2 threads, plain", 1, 2, b, False),
               ("1 process, 1 thread, plain", 1, 1, b, False),
               ("DDP 1 rank, 1 thread", 1, 1, b, True),
               (f"DDP 2 ranks x 1 thread, {b} per rank (weak)", 2, 1, b, True),
               (f"DDP 2 ranks x 1 thread, {b // 2} per rank (strong)", 2, 1, b // 2, True)]
    for name, ranks, threads, batch, wrap in configs:
        log(f"cnn train step: {name}")
        args = ["ddp", "--batch", str(batch), "--steps", str(steps)] + \
            (["--wrap"] if wrap else []) + (["--quick"] if quick else [])
        r = _launch(ranks, args, threads, wait_quiet)
        res["ddp"].append({"config": name, "ranks": ranks, "threads": threads,
                           "batch_per_rank": batch, "global_batch": batch * ranks,
                           "ddp": wrap, "step_s": r["step_s"],
                           "step_median_s": r["step_median_s"],
                           "images_per_s": batch * ranks / r["step_s"],
                           "background_cores": r["background_cores"]})
    return res


def _lscpu():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return {}
    keep = ("Architecture", "Model name", "CPU(s)", "Thread(s) per core", "Core(s) per socket",
            "Hypervisor vendor", "L3")
    return {k.strip(): v.strip() for k, _, v in (ln.partition(":") for ln in out.splitlines())
            if k.strip().startswith(keep)}


def markdown(res):
    lines = ["| elements | bytes | mpi4py Allreduce (numpy) | same on lamina's memory | "
             "lamina all_reduce | lamina GB/s | mpi4py / lamina time |",
             "|---:|---:|---:|---:|---:|---:|---:|"]
    for r in res["allreduce"]:
        lines.append(f"| {r['elements']} | {r['bytes']} | {common.fmt_time(r['mpi4py_s'])} | "
                     f"{common.fmt_time(r['mpi4py_lamina_memory_s'])} | "
                     f"{common.fmt_time(r['lamina_s'])} | {r['lamina_GBps']:.2f} | "
                     f"{r['ratio']:.2f} |")
    lines += ["", "| cnn train step | global batch | ms / step | images/s | other load (cores) |",
              "|---|---:|---:|---:|---:|"]
    for r in res["ddp"]:
        lines.append(f"| {r['config']} | {r['global_batch']} | {1e3 * r['step_s']:.1f} | "
                     f"{r['images_per_s']:.0f} | {r['background_cores']} |")
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m lamina.bench.distributed",
                                description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes, few repeats (smoke test)")
    p.add_argument("--out", default=None, help="JSON path (default: bench/results/"
                   "<date>-cpu-<n>core-distributed.json in a checkout)")
    p.add_argument("--no-save", action="store_true")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before each job, wait up to SECONDS for other processes to leave the CPU")
    p.add_argument("--worker", nargs="?", const="", default=None, help=argparse.SUPPRESS)
    p.add_argument("--batch", type=int, default=64, help=argparse.SUPPRESS)
    p.add_argument("--steps", type=int, default=15, help=argparse.SUPPRESS)
    p.add_argument("--wrap", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.worker is not None:
        from mpi4py import MPI
        if args.worker == "allreduce":
            out = {"rows": worker_allreduce(args.quick), "mpi": _mpi_version()}
        else:
            out = worker_ddp(args.quick, args.batch, args.wrap, args.steps)
        if MPI.COMM_WORLD.Get_rank() == 0:
            print(json.dumps(out), flush=True)
        return 0
    if _mpiexec() is None:
        print("[bench.distributed] needs mpiexec: pip install 'lamina[distributed]'",
              file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    res = run(args.quick, log=lambda m: print(m, file=sys.stderr, flush=True),
              wait_quiet=args.wait_quiet)
    import lamina
    record = {"schema": 1, "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "machine": dict(common.machine_info(), lscpu=_lscpu()), "git": common.git_commit(),
              "build_info": lamina.build_info(),
              "settings": {"quick": args.quick, "threads_per_rank": 1,
                           "wait_quiet_s": args.wait_quiet},
              "elapsed_s": time.perf_counter() - t0, **res}
    print(markdown(res))
    if not args.no_save:
        out = args.out or common.default_out_path("cpu").with_name(
            f"{common.today()}-{common.host_kind('cpu')}-distributed.json")
        print(f"wrote {common.write_json(out, record)}", file=sys.stderr)
    return 0


def _mpi_version():
    try:
        import mpi4py
        from mpi4py import MPI
        return {"mpi4py": mpi4py.__version__,
                "library": MPI.Get_library_version().splitlines()[0].strip()}
    except Exception as e:  # noqa: BLE001
        return {"error": str(e)}


if __name__ == "__main__":
    sys.exit(main())
