"""Failure handling for jobs of several ranks: one rank's error ends the whole job, never a hang.

When one rank dies of an exception, the others wait forever in the next collective, and MPI
launchers do not end them when a rank merely exits (MPICH's mpiexec keeps waiting). So a rank
that fails prints its traceback, tagged with its rank, and calls ``MPI_Abort`` on the world
communicator: the launcher then kills every rank and exits non-zero at once.

- :func:`abort_on_exception` installs this as ``sys.excepthook`` (``init_process_group`` does it
  unless ``abort_on_error=False``); it covers uncaught exceptions, not ``sys.exit(n)``.
- :func:`run_guarded` calls a function and aborts the job on any exception, ``SystemExit`` with a
  non-zero code included (what ``lamina train`` runs under MPI)."""
from __future__ import annotations

import sys
import time
import traceback

__all__ = ["abort_on_exception", "run_guarded", "abort_job"]


# After printing, before MPI_Abort: the launcher forwards a rank's output asynchronously and
# drops what it has not read yet when it kills the job (seen with MPICH's hydra).
FORWARD_WAIT_S = 0.3


def abort_job(code=1, message=None):
    """Print ``message`` (tagged with the rank), flush, and end every rank with exit ``code``."""
    from .group import import_mpi
    MPI = import_mpi("abort_job")
    comm = MPI.COMM_WORLD
    if message:
        _write(f"[rank {comm.Get_rank()} of {comm.Get_size()}] {message}\n")
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    time.sleep(FORWARD_WAIT_S)
    comm.Abort(int(code) or 1)


def _write(text):
    try:  # one write: the message reaches the launcher whole
        sys.stderr.write(text)
        sys.stderr.flush()
    except Exception:
        pass


def _print_and_abort(etype, value, tb):
    try:
        from .group import import_mpi
        comm = import_mpi("abort_on_exception").COMM_WORLD
        _write(f"[rank {comm.Get_rank()} of {comm.Get_size()}] uncaught {etype.__name__}; "
               "aborting every rank\n" + "".join(traceback.format_exception(etype, value, tb)))
    finally:
        abort_job(1)


def abort_on_exception():
    """Make an uncaught exception on this rank print its traceback and abort every rank."""
    if getattr(sys.excepthook, "_lamina_abort", False):
        return
    previous = sys.excepthook

    def hook(etype, value, tb):
        if issubclass(etype, KeyboardInterrupt) and previous is not sys.__excepthook__:
            previous(etype, value, tb)
        _print_and_abort(etype, value, tb)

    hook._lamina_abort = True
    sys.excepthook = hook


def run_guarded(fn, *args, **kwargs):
    """``fn(*args, **kwargs)``; any exception, or ``SystemExit`` with a non-zero code, prints the
    error tagged with the rank and aborts every rank (exit 1, or the SystemExit's code)."""
    try:
        return fn(*args, **kwargs)
    except SystemExit as e:
        if e.code is None or e.code == 0:
            raise
        if isinstance(e.code, int):
            abort_job(e.code, f"exit code {e.code}; aborting every rank")
        abort_job(1, f"{e.code}; aborting every rank")
    except BaseException:
        _print_and_abort(*sys.exc_info())
