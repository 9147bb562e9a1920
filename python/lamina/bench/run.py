"""Benchmark driver: lamina against numpy and torch, each library in its own worker process.

    lamina bench [--suite S ...] [--device cpu|cuda] [--threads N] [--isa native|avx2] [--out PATH]
                 [--plot] [--quick]
    python -m lamina.bench.run ...          python bench/run.py ...   (in a checkout)

For every suite and round it starts ``python -m lamina.bench.peer`` once per library (lamina first, then
each peer), with the thread variables set the same way for all (:func:`lamina.bench.peer.thread_env`),
matches the cases by name, prints a table of ``ratio = peer_time / lamina_time`` (above 1: lamina faster),
and writes a JSON record with machine, date, commit and ``lamina.build_info()``. Several rounds alternate
the libraries (A/B/A/B) and take the median per case, against clock drift.

``--isa avx2`` pins every library to AVX2 through its own switch (lamina ``LAMINA_CPU_PATH=avx2``, torch
``ATEN_CPU_CAPABILITY=avx2`` and ``ONEDNN_MAX_CPU_ISA=AVX2``, OpenBLAS ``OPENBLAS_CORETYPE=Haswell``); each
worker checks that its library reports the pinned set (``lamina.build_info()["cpu_path"]``,
``torch.backends.cpu.get_cpu_capability()``, OpenBLAS's core from threadpoolctl) and fails otherwise, so
the AVX2 path can be compared with its peers on an AVX-512 machine.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from . import common
from .peer import isa_env, thread_env
from .suites import DEFAULT_SUITES, SUITES, get_cases

HELP = "benchmark lamina against numpy and torch"   # the ``lamina bench`` line of ``lamina --help``
PEERS = ("numpy", "torch", "mxnet")
WORKER_TIMEOUT_S = 900
NOISE_CORES = 0.15      # other processes using more than this many cores during a worker: flagged, retried


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--suite", action="extend", nargs="+", choices=list(SUITES), default=None,
                   metavar="SUITE", help=f"suites to run, repeatable (default: all of {', '.join(SUITES)})")
    p.add_argument("--device", default="cpu", choices=("cpu", "cuda"), help="where the tensors live")
    p.add_argument("--threads", type=int, default=2,
                   help="threads for every library: OMP/MKL_NUM_THREADS, OPENBLAS_NUM_THREADS in the "
                        "numpy worker (default 2)")
    p.add_argument("--isa", default="native", choices=("native", "avx2"),
                   help="pin every library to this instruction set (default native: each its widest)")
    p.add_argument("--peers", action="extend", nargs="+", choices=PEERS, default=None, metavar="PEER",
                   help="peers to compare with (default: numpy torch, and mxnet when it can run)")
    p.add_argument("--mxnet-python", default=None, metavar="PATH",
                   help="interpreter of a virtual environment with MXNet 1.9.1 (it needs numpy<1.24): the "
                        "mxnet worker runs there (default peers then include mxnet)")
    p.add_argument("--rounds", type=int, default=None,
                   help="alternate lamina and the peers this many times per suite (A/B/A/B against clock "
                        "drift), median per case (default 2, 1 with --quick)")
    p.add_argument("--retry-noisy", type=int, default=None, metavar="N",
                   help="rerun a worker up to N times when other processes used the CPU meanwhile "
                        "(default 2, 0 with --quick)")
    p.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                   help="before each worker, wait up to SECONDS for other processes to leave the CPU "
                        "(shared machines; default 0: don't wait)")
    p.add_argument("--out", default=None, metavar="PATH",
                   help="JSON path (default: bench/results/<date>-<host-kind>.json in a checkout, else "
                        "./lamina-bench-<date>-<host-kind>.json)")
    p.add_argument("--no-save", action="store_true", help="print the table only, write no JSON")
    p.add_argument("--plot", action="store_true",
                   help="also write a bar chart of the ratios next to the JSON (needs matplotlib)")
    p.add_argument("--quick", action="store_true", help="tiny sizes and few repeats: a smoke test (<10 s)")
    p.add_argument("--markdown", action="store_true", help="also print the table as Markdown")
    p.add_argument("--list", action="store_true", help="list the suites and their cases, run nothing")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lamina bench", description=__doc__.split("\n\n")[0])
    add_arguments(p)
    return p


def _log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def _peer_installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def _package_path() -> str:
    """A folder holding only a link to this lamina package: the PYTHONPATH of a worker run by another
    interpreter (MXNet's environment), which must not see this environment's numpy."""
    import tempfile
    pkg = Path(__file__).resolve().parents[1]
    d = Path(tempfile.gettempdir()) / f"lamina-bench-path-{os.getuid()}-{abs(hash(str(pkg)))}"
    d.mkdir(exist_ok=True)
    link = d / "lamina"
    if not link.exists():
        link.symlink_to(pkg, target_is_directory=True)
    return str(d)


def _worker_python(library: str, mxnet_python) -> tuple:
    """(interpreter, extra environment) for ``library``'s worker."""
    if library == "mxnet" and mxnet_python:
        return mxnet_python, {"PYTHONPATH": _package_path()}
    return sys.executable, {}


def _mxnet_runs(mxnet_python) -> bool:
    if not mxnet_python:
        return _peer_installed("mxnet")
    try:
        return subprocess.run([mxnet_python, "-c", "import mxnet"], capture_output=True,
                              timeout=120).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def run_worker(library: str, suite: str, *, device: str, threads: int, quick: bool,
               isa: str = "native", mxnet_python=None) -> dict:
    """One worker process for one library and suite; returns its JSON document (or a failure doc)."""
    python, extra = _worker_python(library, mxnet_python)
    cmd = [python, "-m", "lamina.bench.peer", "--peer", library, "--suite", suite,
           "--device", device, "--threads", str(threads), "--isa", isa, "--json"]
    if quick:
        cmd.append("--quick")
    env = dict(os.environ, **thread_env(library, threads), **isa_env(library, isa), **extra,
               LAMINA_BENCH_WORKER_ENV="1")
    try:
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=WORKER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        return {"peer": library, "status": "failed", "reason": f"timed out after {WORKER_TIMEOUT_S} s"}
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    if proc.returncode == 0 and lines:
        try:
            return json.loads(lines[-1])
        except json.JSONDecodeError:
            pass
    tail = (proc.stderr.strip().splitlines() or proc.stdout.strip().splitlines() or ["no output"])[-1]
    return {"peer": library, "status": "failed",
            "reason": f"exit code {proc.returncode}: {tail}", "stderr": proc.stderr[-4000:]}


def _combine(docs):
    """Per case name, the median over rounds of the worker medians (and the summed repeats)."""
    per_case = {}
    for doc in docs:
        for r in doc.get("results", []):
            per_case.setdefault(r["name"], []).append(r)
    out = {}
    for name, rs in per_case.items():
        ok = [r for r in rs if r.get("status") == "ok"]
        if ok:
            out[name] = {"status": "ok", "time_s": statistics.median(r["time_s"] for r in ok),
                         "reps": sum(r["reps"] for r in ok),
                         "round_times_s": [r["time_s"] for r in ok]}
        else:
            out[name] = {"status": rs[0].get("status"), "reason": rs[0].get("reason", "")}
    return out


def _run_metered(lib: str, suite: str, args) -> dict:
    """run_worker with a background-CPU meter; rerun (up to ``args.retry_noisy`` times) when other
    processes used more than NOISE_CORES cores meanwhile, keeping the quietest attempt."""
    best = None
    for attempt in range(1 + max(0, args.retry_noisy)):
        if args.wait_quiet > 0:
            waited = common.wait_quiet(args.wait_quiet, NOISE_CORES)
            if waited > 1:
                _log(f"  {suite}/{lib}: waited {waited:.0f} s for a quiet CPU")
        meter = common.BackgroundMeter()
        doc = run_worker(lib, suite, device=args.device, threads=args.threads, quick=args.quick,
                         isa=args.isa, mxnet_python=args.mxnet_python)
        m = meter.stop()
        bg = m.get("background_cores")
        # jiffies are 10 ms: ignore a few ticks on short workers
        m["noisy"] = bool(bg is not None and bg > NOISE_CORES and m["background_cpu_s"] > 0.05)
        doc["meter"], doc["attempts"] = m, attempt + 1
        if best is None or (bg is not None and bg < (best["meter"].get("background_cores") or 1e9)):
            best = doc
        if not m["noisy"] or doc.get("status") != "ok" or attempt == max(0, args.retry_noisy):
            break
        _log(f"  {suite}/{lib}: other processes used {bg:.2f} cores meanwhile; measuring again")
    best["attempts"] = doc["attempts"]
    return best


def _cuda_check() -> str | None:
    """None when lamina can run on CUDA, else the message to fail with."""
    import lamina
    if not lamina.cuda.is_available():
        return ("lamina bench: --device cuda needs a CUDA device, but lamina.cuda.is_available() is False: "
                f"{lamina.cuda.unavailable_reason()}")
    return None


def list_suites(quick: bool = False) -> str:
    out = []
    for s in SUITES:
        out.append(f"{s}:")
        for c in get_cases(s, quick):
            note = f"  ({c.note})" if c.note else ""
            out.append(f"  {c.name:<30} {c.shape:<26} {c.unit:<8} peers: {', '.join(c.peers)}{note}")
    return "\n".join(out)


def run(args) -> int:
    """Run the benchmark described by parsed ``args`` (see :func:`add_arguments`); returns an exit code."""
    if args.list:
        print(list_suites(args.quick))
        return 0
    if args.threads < 1:
        _log("lamina bench: --threads must be at least 1")
        return 2
    if args.rounds is None:
        args.rounds = 1 if args.quick else 2
    if args.retry_noisy is None:
        args.retry_noisy = 0 if args.quick else 2
    if args.rounds < 1:
        _log("lamina bench: --rounds must be at least 1")
        return 2
    if args.device == "cuda":
        msg = _cuda_check()
        if msg:
            _log(msg)
            return 2
    suites = list(dict.fromkeys(args.suite or DEFAULT_SUITES))
    mxnet_ok = _mxnet_runs(args.mxnet_python)
    peers = list(dict.fromkeys(args.peers or [p for p in PEERS if p != "mxnet" or mxnet_ok]))
    if args.device != "cpu":
        peers = [p for p in peers if p not in ("numpy", "mxnet")]   # CPU-only peers
    missing = {p: f"{p} is not installed" for p in peers
               if not (mxnet_ok if p == "mxnet" else _peer_installed(p))}
    if "mxnet" in missing:
        missing["mxnet"] = "mxnet cannot be imported (give its environment with --mxnet-python)"

    t_start = time.perf_counter()
    rows, peer_info, build_info, gpu_name, failed = [], {}, None, None, False
    workers = []
    load_start = common.loadavg()
    for p, why in missing.items():
        peer_info[p] = {"status": "missing", "reason": why}
    _log(f"lamina bench: suites {', '.join(suites)} on {args.device}, {args.threads} threads, "
         f"peers {', '.join(peers) or 'none'}, isa {args.isa}" + (" (quick)" if args.quick else ""))
    for suite in suites:
        cases = get_cases(suite, args.quick)
        libs = ["lamina"] + [p for p in peers if p not in missing and any(p in c.peers for c in cases)]
        docs = {lib: [] for lib in libs}
        t_suite = time.perf_counter()
        for rnd in range(args.rounds):
            for lib in libs:
                doc = _run_metered(lib, suite, args)
                docs[lib].append(doc)
                workers.append({"suite": suite, "round": rnd, "library": lib, "status": doc.get("status"),
                                "attempts": doc.get("attempts"), **doc.get("meter", {})})
        noisy_libs = sorted({w["library"] for w in workers
                             if w["suite"] == suite and w.get("noisy") and w.get("status") == "ok"})
        _log(f"  {suite}: {time.perf_counter() - t_suite:.1f} s"
             + (f"  (WARNING: other processes were busy during the {', '.join(noisy_libs)} worker(s); "
                "those timings are unreliable)" if noisy_libs else ""))
        lam_docs = [d for d in docs["lamina"] if d.get("status") == "ok"]
        if lam_docs:
            info = lam_docs[0].get("info", {})
            build_info = build_info or info.get("build_info")
            gpu_name = gpu_name or info.get("gpu")
            lam = _combine(lam_docs)
        else:
            bad = docs["lamina"][0]
            _log(f"  lamina worker failed on {suite}: {bad.get('reason')}\n{bad.get('stderr', '')}")
            lam, failed = {}, True
        per_peer = {}
        for p in peers:
            if p in missing or p not in docs:
                continue
            ok = [d for d in docs[p] if d.get("status") == "ok"]
            if ok:
                peer_info.setdefault(p, {"status": "ok", **ok[0].get("info", {})})
                per_peer[p] = _combine(ok)
            else:
                d = docs[p][0]
                status = "peer missing" if d.get("status") == "missing" else "peer failed"
                peer_info.setdefault(p, {"status": d.get("status"), "reason": d.get("reason")})
                per_peer[p] = status + ("" if status == "peer missing" else f": {d.get('reason', '')}")
        for c in cases:
            case = c.describe()
            lr = lam.get(c.name)
            for p in peers:
                if p not in c.peers:
                    continue
                if p in missing:
                    rows.append(common.make_row(suite, case, p, lr, None, status="peer missing"))
                    continue
                pr = per_peer.get(p)
                if isinstance(pr, str):
                    rows.append(common.make_row(suite, case, p, lr, None, status=pr))
                    continue
                pc = (pr or {}).get(c.name)
                if pc is None or pc.get("status") == "n/a":
                    continue                                       # the peer has no such op
                if lr is None or lr.get("status") != "ok":
                    why = (lr or {}).get("reason", "no result")
                    rows.append(common.make_row(suite, case, p, None, pc, status=f"lamina failed: {why}"))
                    failed = True
                elif pc.get("status") != "ok":
                    rows.append(common.make_row(suite, case, p, lr, None,
                                                status=f"peer failed: {pc.get('reason', '')}"))
                else:
                    rows.append(common.make_row(suite, case, p, lr, pc))
            if not any(r.name == c.name and r.suite == suite for r in rows) and lr is not None:
                # no peer row (every peer lacks the op): keep lamina's own figure
                status = "ok" if lr.get("status") == "ok" else f"lamina failed: {lr.get('reason', '')}"
                rows.append(common.make_row(suite, case, "-", lr if status == "ok" else None, None,
                                            status="no peer" if status == "ok" else status))
        for r in rows:
            if r.suite == suite and r.status == "ok" and ("lamina" in noisy_libs or r.peer in noisy_libs):
                r.noisy = True
        print(common.format_table([r for r in rows if r.suite == suite]), flush=True)
        print(flush=True)
    elapsed = time.perf_counter() - t_start

    isas = {"lamina": (build_info or {}).get("cpu_path"),
            **{p: i.get("isa") for p, i in peer_info.items() if i.get("status") == "ok"}}
    print("instruction sets in use: " + ", ".join(f"{k} {v}" for k, v in isas.items()), flush=True)
    summary = _summary(rows)
    if summary:
        print(summary, flush=True)
    if args.markdown:
        print()
        print(common.format_markdown(rows))

    if not args.no_save:
        out = Path(args.out) if args.out else common.default_out_path(args.device, gpu_name)
        settings = {"suites": suites, "device": args.device, "threads": args.threads, "peers": peers,
                    "isa": args.isa, "isa_in_use": isas,
                    "isa_env": {lib: isa_env(lib, args.isa) for lib in ("lamina", *PEERS)},
                    "rounds": args.rounds, "quick": bool(args.quick),
                    "budget": vars(common.Budget.quick() if args.quick else common.Budget()),
                    "thread_env": {lib: thread_env(lib, args.threads) for lib in ("lamina", *PEERS)},
                    "mxnet_python": bool(args.mxnet_python),
                    "command": sys.argv, "noise_threshold_cores": NOISE_CORES,
                    "retry_noisy": args.retry_noisy, "wait_quiet_s": args.wait_quiet}
        record = common.make_record(rows, settings=settings, build_info=build_info, peers=peer_info,
                                    elapsed_s=round(elapsed, 2))
        record["workers"] = workers
        record["loadavg_start"] = load_start
        common.write_json(out, record)
        _log(f"wrote {out} ({elapsed:.1f} s)")
        if args.plot:
            from .plot import write_plot
            png = write_plot(rows, out.with_suffix(".png"), title=_plot_title(record))
            if png is not None:
                _log(f"wrote {png}")
    elif args.plot:
        _log("lamina bench: --plot needs a JSON path (drop --no-save)")
    return 1 if failed else 0


def _summary(rows) -> str:
    """Geometric-mean ratio per suite and peer."""
    groups = {}
    for r in rows:
        if r.status == "ok" and r.ratio:
            groups.setdefault((r.suite, r.peer), []).append(r.ratio)
    if not groups:
        return ""
    lines = ["geometric mean of ratio (peer time / lamina time, >1: lamina faster):"]
    for (suite, peer), ratios in groups.items():
        lines.append(f"  {suite:<12} vs {peer:<6} {common.geomean(ratios):.2f}x  ({len(ratios)} cases)")
    return "\n".join(lines)


def _plot_title(record: dict) -> str:
    m, s, g = record["machine"], record["settings"], record["git"]
    return (f"lamina {record['build_info'] and record['build_info'].get('version')} "
            f"({str(g['commit'])[:8]}) on {m['cpu_model']}, {s['threads']} threads, {s['device']}")


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
