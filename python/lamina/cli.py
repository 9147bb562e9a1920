"""The ``lamina`` command line.

    lamina info [--json]                  what this build contains, devices, threads
    lamina bench [--suite S ...] ...      benchmarks against numpy and torch (see ``lamina bench --help``)

Subcommands live in a registry, :data:`SUBCOMMANDS`: a name maps to ``"module[:attribute]"`` naming an
object (a module or a class) that provides

    HELP: str                          the one line shown by ``lamina --help``
    add_arguments(parser) -> None      its options, on an ``argparse`` sub-parser
    run(args) -> int                   does the work; the return value is the exit code

The target is imported only when its subcommand runs (``lamina --help`` reads the help line from the
registry), so a heavy command does not slow the others. Adding a command is one module plus one line here,
as ``train`` did::

    "train": Subcommand("lamina.train.cli", "train a model on bundled real data"),

Third-party code may also call :func:`register`.
"""
from __future__ import annotations

import argparse
import dataclasses
import importlib
import json
import os
import sys
from typing import Dict, Optional, Sequence


@dataclasses.dataclass(frozen=True)
class Subcommand:
    target: str            # "package.module" or "package.module:attribute"
    help: str

    def load(self):
        mod_name, _, attr = self.target.partition(":")
        obj = importlib.import_module(mod_name)
        return getattr(obj, attr) if attr else obj


SUBCOMMANDS: Dict[str, Subcommand] = {
    "info": Subcommand("lamina.cli:InfoCommand", "show the build, devices and threads"),
    "bench": Subcommand("lamina.bench.run", "benchmark lamina against numpy and torch"),
    "train": Subcommand("lamina.train.cli", "train a model on bundled real data"),
}


def register(name: str, target: str, help: str) -> None:
    """Add (or replace) a subcommand: ``target`` is ``"module[:attribute]"`` as in :data:`SUBCOMMANDS`."""
    SUBCOMMANDS[name] = Subcommand(target, help)


# --- lamina info ---------------------------------------------------------------------------------

def _package_version(name: str) -> Optional[str]:
    try:
        from importlib.metadata import PackageNotFoundError, version
    except ImportError:                                             # pragma: no cover (Python < 3.8)
        return None
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def collect_info() -> dict:
    """Everything ``lamina info`` shows, as a dict."""
    import platform

    import lamina
    from lamina.bench.common import cpu_model, nproc

    bi = lamina.build_info()
    cuda_devices, cuda_reason = [], None
    try:
        if lamina.cuda.is_available():
            cuda_devices = [lamina.cuda.get_device_name(i) for i in range(lamina.cuda.device_count())]
        else:
            cuda_reason = lamina.cuda.unavailable_reason()
    except Exception as e:                                          # a broken driver must not break info
        cuda_reason = f"{type(e).__name__}: {e}"
    return {
        "lamina": lamina.__version__,
        "location": os.path.dirname(lamina.__file__),
        "build_info": bi,
        "devices": {
            "cpu": {"available": True, "model": cpu_model(), "cpus": nproc(), "kernels": bi.get("cpu_path")},
            "cuda": {"available": bool(cuda_devices), "devices": cuda_devices, "reason": cuda_reason},
        },
        "threads": {"num_threads": lamina.get_num_threads(),
                    "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS")},
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _package_version(name) for name in ("numpy", "torch", "matplotlib")},
    }


def _fmt(v) -> str:
    if v is None:
        return "-"
    if isinstance(v, (list, tuple)):
        return ", ".join(str(x) for x in v) if v else "-"
    return str(v)


def format_info(info: dict) -> str:
    lines = [f"lamina {info['lamina']}  ({info['location']})", "build:"]
    bi = info["build_info"]
    width = max(len(k) for k in bi) + 2
    for k, v in bi.items():
        lines.append(f"  {k:<{width}}{_fmt(v)}")
    cpu, cuda = info["devices"]["cpu"], info["devices"]["cuda"]
    lines.append("devices:")
    lines.append(f"  {'cpu':<{width}}available: {cpu['model']}, {cpu['cpus']} CPUs, kernels {cpu['kernels']}")
    if cuda["available"]:
        for i, name in enumerate(cuda["devices"]):
            lines.append(f"  {f'cuda:{i}':<{width}}available: {name}")
    else:
        lines.append(f"  {'cuda':<{width}}unavailable: {cuda['reason']}")
    th = info["threads"]
    lines.append("threads:")
    omp = th["OMP_NUM_THREADS"] or "unset"
    lines.append(f"  {'num_threads':<{width}}{th['num_threads']}  (OMP_NUM_THREADS={omp}; "
                 "change with lamina.set_num_threads)")
    lines.append("environment:")
    lines.append(f"  {'python':<{width}}{info['python']}")
    for name, ver in info["packages"].items():
        lines.append(f"  {name:<{width}}{ver or 'not installed'}")
    return "\n".join(lines)


class InfoCommand:
    HELP = SUBCOMMANDS["info"].help

    @staticmethod
    def add_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--json", action="store_true", help="print the information as JSON")

    @staticmethod
    def run(args) -> int:
        info = collect_info()
        print(json.dumps(info, indent=1) if args.json else format_info(info))
        return 0


# --- main ----------------------------------------------------------------------------------------

def _version() -> str:
    try:
        import lamina
        return lamina.__version__
    except Exception:                                               # still answer --version
        return _package_version("lamina") or "unknown"


def build_parser(command: Optional[str] = None) -> argparse.ArgumentParser:
    """The top-level parser; only ``command``'s own options are loaded (its module is imported)."""
    p = argparse.ArgumentParser(prog="lamina", description="lamina: deep-learning layers on hand-written "
                                "C++ and CUDA kernels.")
    p.add_argument("--version", action="version", version=f"lamina {_version()}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    for name, sc in SUBCOMMANDS.items():
        sp = sub.add_parser(name, help=sc.help, description=sc.help)
        if name == command:
            obj = sc.load()
            obj.add_arguments(sp)
            sp.set_defaults(_run=obj.run)
    return p


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    command = next((a for a in argv if not a.startswith("-")), None)
    parser = build_parser(command if command in SUBCOMMANDS else None)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
