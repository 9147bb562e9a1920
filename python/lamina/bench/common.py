"""Timing, throughput, result rows and the JSON record shared by the benchmark driver and workers.

Protocol (BENCHMARKS.md): warm up, then repeat and take the median; every figure is a ratio against a peer
measured in the same run; each library runs in its own process. Nothing here touches a tensor library:
the workers (:mod:`lamina.bench.peer`) time, the driver (:mod:`lamina.bench.run`) compares.
"""
from __future__ import annotations

import dataclasses
import datetime as _datetime
import gc
import json
import os
import platform
import re
import statistics
import subprocess
import sys
from pathlib import Path
from time import perf_counter_ns
from typing import Callable, Optional

# --- timing --------------------------------------------------------------------------------------


@dataclasses.dataclass
class Budget:
    """How long to measure one case: repeat until ``min_time`` seconds and ``min_reps`` samples, at most
    ``max_reps`` samples; each sample runs the op enough times in a row to last about ``sample_time``."""
    min_time: float = 0.2
    min_reps: int = 5
    max_reps: int = 50
    sample_time: float = 1e-3
    warmup_time: float = 0.02

    @classmethod
    def quick(cls) -> "Budget":
        return cls(min_time=0.01, min_reps=3, max_reps=10, sample_time=2e-4, warmup_time=0.002)


def cpu_time_batch(fn: Callable[[], object], inner: int, sync: Optional[Callable[[], None]] = None) -> int:
    """Nanoseconds for ``inner`` back-to-back calls of ``fn``, ``sync()`` included before the timer stops."""
    t0 = perf_counter_ns()
    for _ in range(inner):
        fn()
    if sync is not None:
        sync()
    return perf_counter_ns() - t0


@dataclasses.dataclass
class Timing:
    median_s: float      # median seconds per call
    min_s: float
    max_s: float
    reps: int            # samples taken
    inner: int           # calls per sample

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def measure(fn: Callable[[], object], budget: Budget = Budget(),
            time_batch: Optional[Callable[[Callable[[], object], int], int]] = None) -> Timing:
    """Warm up ``fn``, then return the median time per call over adaptive repeats.

    ``time_batch(fn, inner)`` returns nanoseconds for ``inner`` calls including any device sync; the default
    uses ``perf_counter_ns`` with no sync (host ops). Cheap ops are batched so one sample lasts about
    ``budget.sample_time``; the garbage collector is paused while a sample runs."""
    if time_batch is None:
        time_batch = cpu_time_batch
    gc.collect()
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        time_batch(fn, 1)                                 # first call: allocation, lazy init, caches
        sample_ns = budget.sample_time * 1e9
        inner = 1
        while True:                                       # grow the batch until one sample is long enough
            t = time_batch(fn, inner)
            if t >= sample_ns or inner >= 1 << 20:
                break
            inner = min(inner * 8, max(inner + 1, int(inner * sample_ns / max(t, 1) * 1.2)))
        warm_end = perf_counter_ns() + budget.warmup_time * 1e9
        while perf_counter_ns() < warm_end:
            time_batch(fn, inner)
        samples = []
        start = perf_counter_ns()
        min_ns = budget.min_time * 1e9
        while len(samples) < budget.max_reps and (len(samples) < budget.min_reps
                                                  or perf_counter_ns() - start < min_ns):
            samples.append(time_batch(fn, inner) / inner)
    finally:
        if was_enabled:
            gc.enable()
    return Timing(median_s=statistics.median(samples) * 1e-9, min_s=min(samples) * 1e-9,
                  max_s=max(samples) * 1e-9, reps=len(samples), inner=inner)


# --- throughput ----------------------------------------------------------------------------------

def gflops(flops: float, seconds: float) -> float:
    return flops / seconds * 1e-9


def gbps(nbytes: float, seconds: float) -> float:
    return nbytes / seconds * 1e-9


def throughput(unit: str, work: Optional[float], seconds: Optional[float]) -> Optional[float]:
    """The figure printed in the ``unit`` column: GFLOP/s or GB/s from ``work``, or microseconds per op."""
    if seconds is None or seconds <= 0:
        return None
    if unit == "GFLOP/s":
        return gflops(work, seconds)
    if unit == "GB/s":
        return gbps(work, seconds)
    if unit == "us":
        return seconds * 1e6
    raise ValueError(f"[bench] unknown unit {unit!r}")


# --- rows ----------------------------------------------------------------------------------------


@dataclasses.dataclass
class Row:
    """One case against one peer. ``ratio = peer_time / lamina_time``: above 1 means lamina is faster."""
    suite: str
    name: str
    shape: str
    unit: str                               # "GB/s", "GFLOP/s" or "us" (microseconds per op)
    peer: str
    lamina_time: Optional[float]            # median seconds per call
    peer_time: Optional[float]
    ratio: Optional[float]
    lamina_throughput: Optional[float]      # in ``unit``
    peer_throughput: Optional[float]
    status: str = "ok"                      # "ok", "peer missing", "peer failed: ...", "lamina failed: ..."
    note: str = ""
    lamina_reps: int = 0
    peer_reps: int = 0
    noisy: bool = False                     # other processes were busy while one of the two ran
    lamina_rounds: Optional[list] = None    # per-round medians (the times above are their median)
    peer_rounds: Optional[list] = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


def make_row(suite: str, case: dict, peer: str, lamina: Optional[dict], other: Optional[dict],
             status: str = "ok") -> Row:
    """Combine a lamina result and a peer result (worker dicts with ``time_s``) into a Row."""
    lt = lamina.get("time_s") if lamina else None
    pt = other.get("time_s") if other else None
    unit, work = case["unit"], case.get("work")
    ratio = pt / lt if (lt and pt) else None
    return Row(suite=suite, name=case["name"], shape=case["shape"], unit=unit, peer=peer,
               lamina_time=lt, peer_time=pt, ratio=ratio,
               lamina_throughput=throughput(unit, work, lt), peer_throughput=throughput(unit, work, pt),
               status=status, note=case.get("note", ""),
               lamina_reps=(lamina or {}).get("reps", 0), peer_reps=(other or {}).get("reps", 0),
               lamina_rounds=(lamina or {}).get("round_times_s"),
               peer_rounds=(other or {}).get("round_times_s"))


def geomean(values) -> Optional[float]:
    import math
    vals = [v for v in values if v and v > 0]
    if not vals:
        return None
    return math.exp(sum(math.log(v) for v in vals) / len(vals))


# --- formatting ----------------------------------------------------------------------------------

def fmt_time(seconds: Optional[float]) -> str:
    if seconds is None:
        return "-"
    if seconds < 1e-6:
        return f"{seconds * 1e9:.0f} ns"
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} us"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"


def fmt_throughput(value: Optional[float], unit: str) -> str:
    if value is None:
        return "-"
    if unit == "us":
        return f"{value:.2f} us/op"
    return f"{value:.1f} {unit}"


def _ratio_cell(r: Row) -> str:
    if r.status != "ok":
        return "-"
    if r.ratio is None:
        return "-"
    return f"{r.ratio:.2f}x" + ("*" if r.noisy else "")


def _peer_cell(r: Row) -> str:
    if r.status == "ok":
        return fmt_time(r.peer_time)
    return r.status if len(r.status) <= 40 else r.status[:37] + "..."


def pivot(rows):
    """Header and cells with one line per case and a (time, ratio) column pair per peer."""
    peers = [p for p in dict.fromkeys(r.peer for r in rows) if p != "-"]
    head = ["suite", "case", "shape", "lamina", "lamina thr"]
    for p in peers:
        head += [p, "ratio"]
    cases = {}
    for r in rows:
        cases.setdefault((r.suite, r.name), []).append(r)
    body = []
    for (suite, name), rs in cases.items():
        r0 = next((r for r in rs if r.lamina_time is not None), rs[0])
        line = [suite, name, r0.shape, fmt_time(r0.lamina_time) if r0.lamina_time is not None
                else next((r.status for r in rs if r.status.startswith("lamina")), "-"),
                fmt_throughput(r0.lamina_throughput, r0.unit)]
        by_peer = {r.peer: r for r in rs}
        for p in peers:
            r = by_peer.get(p)
            line += ["n/a", "-"] if r is None else [_peer_cell(r), _ratio_cell(r)]
        body.append(line)
    return head, body


def format_table(rows, title: Optional[str] = None) -> str:
    """Fixed-width text: one line per case, lamina's time and throughput, each peer's time and
    ``ratio = peer time / lamina time`` (above 1: lamina faster; ``*``: other processes were busy)."""
    head, body = pivot(rows)
    widths = [max(len(str(x)) for x in col) for col in zip(head, *body)] if body else [len(h) for h in head]

    def line(cells):
        return "  ".join(str(c).ljust(w) if i < 3 else str(c).rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = [title] if title else []
    out.append(line(head))
    out.append("  ".join("-" * w for w in widths))
    out.extend(line(b) for b in body)
    if any(r.noisy for r in rows):
        out.append("* other processes used the CPU while this was measured: unreliable")
    return "\n".join(out)


def format_markdown(rows) -> str:
    """The same table as Markdown, for a README."""
    head, body = pivot(rows)
    out = ["| " + " | ".join(head) + " |",
           "|" + "|".join("---" if i < 3 else "---:" for i in range(len(head))) + "|"]
    out += ["| " + " | ".join(str(c) for c in b) + " |" for b in body]
    return "\n".join(out)


# --- machine, commit, JSON -----------------------------------------------------------------------

def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def nproc() -> int:
    """CPUs this process may run on (the affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def cpu_details() -> dict:
    """Vendor, family/model and the SIMD flags that matter for the kernels (from /proc/cpuinfo)."""
    out = {}
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                key, _, val = line.partition(":")
                key, val = key.strip(), val.strip()
                if key in ("vendor_id", "cpu family", "model") and key not in out:
                    out[key.replace(" ", "_")] = val
                elif key == "flags":
                    flags = set(val.split())
                    out["simd"] = [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512_bf16",
                                               "amx_tile") if f in flags]
                    break
    except OSError:
        pass
    return out


def machine_info() -> dict:
    return {
        "platform": platform.platform(),
        "machine": platform.machine(),
        "cpu_model": cpu_model(),
        "cpu": cpu_details(),
        "nproc": nproc(),
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "loadavg": loadavg(),
    }


class BackgroundMeter:
    """How much CPU the rest of the machine used while our children ran: the whole system's busy time from
    /proc/stat minus our children's CPU time (``getrusage``). On a 2-core box a compiler in the background
    halves what a 2-thread library gets, so every worker is checked and noisy ones are flagged."""

    def __init__(self):
        self._t0 = self._sample()

    @staticmethod
    def _sample():
        import resource
        try:
            with open("/proc/stat", encoding="ascii") as f:
                fields = [int(v) for v in f.readline().split()[1:]]
            tck = os.sysconf("SC_CLK_TCK")
            # user nice system idle iowait irq softirq steal ...
            busy = (sum(fields[:3]) + sum(fields[5:8])) / tck
        except (OSError, ValueError, IndexError):
            busy = None
        ru = resource.getrusage(resource.RUSAGE_CHILDREN)
        me = resource.getrusage(resource.RUSAGE_SELF)
        return busy, ru.ru_utime + ru.ru_stime + me.ru_utime + me.ru_stime, perf_counter_ns()

    def stop(self) -> dict:
        """``{"wall_s", "background_cpu_s", "background_cores"}`` since construction (None without /proc)."""
        b0, c0, t0 = self._t0
        b1, c1, t1 = self._sample()
        wall = (t1 - t0) * 1e-9
        if b0 is None or b1 is None or wall <= 0:
            return {"wall_s": wall, "background_cpu_s": None, "background_cores": None}
        other = max(0.0, (b1 - b0) - (c1 - c0))
        return {"wall_s": round(wall, 3), "background_cpu_s": round(other, 3),
                "background_cores": round(other / wall, 3)}


def wait_quiet(max_wait_s: float, threshold_cores: float = 0.15, window_s: float = 0.5) -> float:
    """Wait (up to ``max_wait_s``) until other processes use under ``threshold_cores`` cores over a
    ``window_s`` window; returns the seconds waited."""
    import time
    t0 = time.perf_counter()
    while True:
        m = BackgroundMeter()
        time.sleep(window_s)
        bg = m.stop().get("background_cores")
        waited = time.perf_counter() - t0
        if bg is None or bg <= threshold_cores or waited >= max_wait_s:
            return waited


def loadavg() -> Optional[list]:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def repo_root() -> Optional[Path]:
    """The lamina checkout this package comes from (editable install), or the current directory when it
    is one; None for an installed wheel used outside a checkout."""
    def is_checkout(p: Path) -> bool:
        return (p / "pyproject.toml").is_file() and (p / "python" / "lamina").is_dir()

    here = Path(__file__).resolve()
    for cand in (Path.cwd(), *Path.cwd().parents, here.parents[3] if len(here.parents) > 3 else None):
        if cand is not None and is_checkout(cand):
            return cand
    return None


def git_commit(root: Optional[Path] = None) -> dict:
    """``{"commit": sha or "unknown", "dirty": bool or None}`` for the checkout at ``root``."""
    root = root or repo_root()
    if root is None:
        return {"commit": "unknown", "dirty": None}
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        if sha.returncode != 0:
            return {"commit": "unknown", "dirty": None}
        st = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                            capture_output=True, text=True, timeout=10)
        dirty = bool(st.stdout.strip()) if st.returncode == 0 else None
        return {"commit": sha.stdout.strip(), "dirty": dirty}
    except (OSError, subprocess.SubprocessError):
        return {"commit": "unknown", "dirty": None}


def today() -> str:
    return _datetime.date.today().isoformat()


def host_kind(device: str, gpu_name: Optional[str] = None) -> str:
    """``cpu-2core`` or ``cuda-h100``: the part of a result file name that says what ran it."""
    if device.startswith("cuda"):
        slug = re.sub(r"[^a-z0-9]+", "-", (gpu_name or "gpu").lower()).strip("-")
        slug = re.sub(r"^nvidia-", "", slug)
        return f"cuda-{slug}" if slug else "cuda"
    return f"cpu-{nproc()}core"


def default_out_path(device: str, gpu_name: Optional[str] = None) -> Path:
    """bench/results/<date>-<host-kind>.json in a checkout, else ./lamina-bench-<date>-<host-kind>.json."""
    name = f"{today()}-{host_kind(device, gpu_name)}.json"
    root = repo_root()
    if root is not None:
        return root / "bench" / "results" / name
    return Path.cwd() / f"lamina-bench-{name}"


def write_json(path, record: dict) -> Path:
    path = Path(path)
    if path.parent:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1, sort_keys=False)
        f.write("\n")
    os.replace(tmp, path)
    return path


def make_record(rows, *, settings: dict, build_info: Optional[dict], peers: dict,
                elapsed_s: Optional[float] = None) -> dict:
    """The JSON document: machine, date, commit, lamina.build_info(), peer versions, settings, rows."""
    return {
        "schema": 1,
        "date": _datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "git": git_commit(),
        "build_info": build_info,
        "peers": peers,
        "settings": settings,
        "elapsed_s": elapsed_s,
        "ratio_definition": "peer_time / lamina_time (above 1: lamina faster)",
        "rows": [r.to_dict() if isinstance(r, Row) else r for r in rows],
    }
