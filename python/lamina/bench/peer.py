"""Benchmark worker: time the cases of some suites on ONE library, in this process only.

    python -m lamina.bench.peer --peer numpy|torch|lamina --suite matmul [--suite ...] [--device cpu|cuda]
                                [--threads N] [--isa native|avx2] [--quick] [--json]

With ``--json`` it prints one JSON document on the last line of stdout (the driver reads that line);
without it a plain table. Each library runs in its own process (BENCHMARKS.md: OpenBLAS and torch thread
pools spin against each other on 2 cores), and lamina is timed the same way, so its pool is alone too.
A library that is not installed answers ``"status": "missing"`` and exit code 0, never an error.

Thread counts are read from the environment when a library loads, and ``import lamina`` already loads
numpy, so with ``--threads`` this worker re-executes itself once with the environment set (see
:func:`thread_env`) unless the environment already matches.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import traceback

from . import common
from .suites import SUITES, get_cases

LIBRARIES = ("lamina", "numpy", "torch", "mxnet")
_REEXEC_FLAG = "LAMINA_BENCH_WORKER_ENV"


def thread_env(library: str, threads: int) -> dict:
    """Thread-count variables for a worker timing ``library`` with ``threads`` threads.

    OpenMP/MKL (torch, lamina) get ``threads``; OpenBLAS gets ``threads`` only in the numpy worker and 1
    elsewhere, where numpy is loaded (lamina imports it) but its BLAS is not what is timed."""
    n = str(int(threads))
    return {
        "OMP_NUM_THREADS": n,
        "MKL_NUM_THREADS": n,
        "OPENBLAS_NUM_THREADS": n if library == "numpy" else "1",
    }


# What each library reads to cap its CPU kernels at AVX2 (read when the library loads, so the driver
# sets them in the worker's environment), and what the library must then report (Backend.isa()).
ISA_ENV = {
    "avx2": {
        "lamina": {"LAMINA_CPU_PATH": "avx2"},
        "torch": {"ATEN_CPU_CAPABILITY": "avx2", "ONEDNN_MAX_CPU_ISA": "AVX2"},
        "numpy": {"OPENBLAS_CORETYPE": "Haswell"},
        # MXNet 1.9.1's oneDNN reads the DNNL_ name; OpenBLAS is behind its dot
        "mxnet": {"DNNL_MAX_CPU_ISA": "AVX2", "ONEDNN_MAX_CPU_ISA": "AVX2",
                  "OPENBLAS_CORETYPE": "Haswell"},
    },
}
# what the library reports once pinned (a case-insensitive substring of Backend.isa())
ISA_EXPECT = {"avx2": {"lamina": "avx2", "torch": "AVX2", "numpy": "Haswell", "mxnet": "AVX2"}}


def isa_env(library: str, isa: str) -> dict:
    """Environment that pins ``library`` to the instruction set ``isa`` ("native": nothing)."""
    return dict(ISA_ENV.get(isa, {}).get(library, {}))


def run_suites(library: str, suites, device: str = "cpu", threads=None, quick: bool = False,
               log=None, isa: str = "native") -> dict:
    """Time every case of ``suites`` on ``library``; returns the worker's JSON document as a dict."""
    from .backends import NotApplicable, PeerMissing, make_backend

    doc = {"peer": library, "device": device, "threads": threads, "quick": quick, "status": "ok",
           "pid": os.getpid(), "env": {k: os.environ.get(k) for k in thread_env(library, 1)},
           "results": []}
    try:
        be = make_backend(library, device=device, threads=threads)
    except PeerMissing as e:
        doc.update(status="missing", reason=str(e))
        return doc
    doc["info"] = be.info()
    doc["info"]["isa"] = got = be.isa()
    want = ISA_EXPECT.get(isa, {}).get(library)
    if want is not None and want.lower() not in (got or "").lower():
        doc.update(status="failed", reason=f"{library} did not switch to {isa}: it reports {got!r} "
                                            f"(environment {isa_env(library, isa)})")
        return doc
    budget = common.Budget.quick() if quick else common.Budget()
    for suite in suites:
        for case in get_cases(suite, quick):
            res = {"suite": suite, "name": case.name, "shape": case.shape, "unit": case.unit,
                   "work": case.work}
            if library != "lamina" and library not in case.peers:
                continue
            try:
                fn = case.build(be)
                t = common.measure(fn, budget, be.time_batch)
                res.update(status="ok", time_s=t.median_s, min_s=t.min_s, max_s=t.max_s, reps=t.reps,
                           inner=t.inner)
            except NotApplicable as e:
                res.update(status="n/a", reason=str(e))
            except Exception as e:                                   # one broken op must not stop a run
                res.update(status="failed", reason=f"{type(e).__name__}: {e}",
                           traceback=traceback.format_exc(limit=4))
            finally:
                fn = None
            doc["results"].append(res)
            if log is not None:
                log(res)
    return doc


def _print_plain(doc) -> None:
    if doc["status"] != "ok":
        print(f"{doc['peer']}: {doc['status']} ({doc.get('reason', '')})")
        return
    print(f"{doc['peer']} on {doc['device']}, info: {doc.get('info', {})}")
    for r in doc["results"]:
        if r["status"] == "ok":
            thr = common.fmt_throughput(common.throughput(r["unit"], r["work"], r["time_s"]), r["unit"])
            print(f"  {r['suite']:<12} {r['name']:<28} {r['shape']:<24} {common.fmt_time(r['time_s']):>10}"
                  f"  {thr:>14}  ({r['reps']} x {r['inner']})")
        else:
            print(f"  {r['suite']:<12} {r['name']:<28} {r['shape']:<24} {r['status']}: {r.get('reason', '')}")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lamina.bench.peer",
                                description="Time benchmark suites on one library in this process.")
    p.add_argument("--peer", required=True, choices=LIBRARIES, help="library to time")
    p.add_argument("--suite", action="extend", nargs="+", choices=sorted(SUITES), default=None,
                   help="suites to run (default: all)")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"))
    p.add_argument("--threads", type=int, default=None,
                   help="threads for the library (sets OMP/MKL/OPENBLAS_NUM_THREADS, then re-executes)")
    p.add_argument("--isa", default="native", choices=("native", "avx2"),
                   help="instruction set the library is pinned to (the driver sets the environment; the "
                        "worker checks that the library reports it)")
    p.add_argument("--quick", action="store_true", help="tiny sizes and few repeats (smoke test)")
    p.add_argument("--json", action="store_true", help="print one JSON document instead of a table")
    return p


def main(argv=None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    if args.threads is not None:
        want = {**thread_env(args.peer, args.threads), **isa_env(args.peer, args.isa)}
        if any(os.environ.get(k) != v for k, v in want.items()) and not os.environ.get(_REEXEC_FLAG):
            env = dict(os.environ, **want, **{_REEXEC_FLAG: "1"})
            sys.stdout.flush()
            os.execve(sys.executable, [sys.executable, "-m", "lamina.bench.peer", *argv], env)
    doc = run_suites(args.peer, args.suite or list(SUITES), device=args.device, threads=args.threads,
                     quick=args.quick, isa=args.isa)
    if args.json:
        sys.stdout.write("\n" + json.dumps(doc) + "\n")
        sys.stdout.flush()
    else:
        _print_plain(doc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
