"""The default process group: which backend carries the collectives, this process's rank and the
number of processes (torch.distributed's names).

    init_process_group("mpi")    ranks started by mpiexec (mpi4py); cpu tensors
    init_process_group("nccl")   one GPU per rank through CuPy's NCCL bindings; cuda tensors
                                 (mpi4py still starts the ranks and hands out NCCL's unique id)

There is one group per process, as in torch (``group=None`` everywhere): it is the only global
state of this package. By default ``init_process_group`` also makes an uncaught exception on any
rank end the whole job (:func:`lamina.distributed.launch.abort_on_exception`), so that the other
ranks, blocked in a collective that the failed rank will never join, do not hang."""
from __future__ import annotations

import os

__all__ = ["init_process_group", "destroy_process_group", "is_initialized", "is_available",
           "get_rank", "get_world_size", "get_backend", "env_world_size", "env_local_rank",
           "env_local_size"]

_group = None  # the backend object (_mpi.MPIBackend or _nccl.NCCLBackend) once initialised

# world size and local rank as the common MPI launchers export them
_SIZE_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE")
_LOCAL_SIZE_VARS = ("OMPI_COMM_WORLD_LOCAL_SIZE", "MPI_LOCALNRANKS", "MV2_COMM_WORLD_LOCAL_SIZE",
                    "PMIX_LOCAL_SIZE", "LOCAL_WORLD_SIZE")
_LOCAL_RANK_VARS = ("OMPI_COMM_WORLD_LOCAL_RANK", "MPI_LOCALRANKID", "MV2_COMM_WORLD_LOCAL_RANK",
                    "PMIX_LOCAL_RANK", "LOCAL_RANK")


def _first_int(names, default):
    for name in names:
        v = os.environ.get(name)
        if v is not None and v.strip().isdigit():
            return int(v)
    return default


def env_world_size() -> int:
    """The number of ranks an MPI launcher (mpiexec of MPICH or Open MPI, srun with PMI) started,
    read from its environment; 1 when this process was not started by one."""
    return _first_int(_SIZE_VARS, 1)


def env_local_rank() -> int:
    """This rank's index among the ranks on its machine (0 when not launched by MPI)."""
    return _first_int(_LOCAL_RANK_VARS, 0)


def env_local_size() -> int:
    """The number of ranks on this machine (1 when not launched by MPI)."""
    return _first_int(_LOCAL_SIZE_VARS, 1)


def is_available() -> bool:
    """True when mpi4py (the transport of every backend here) can be imported."""
    import importlib.util
    return importlib.util.find_spec("mpi4py") is not None


def import_mpi(op):
    """mpi4py's MPI module, or an ImportError naming ``op`` and the extra to install."""
    try:
        from mpi4py import MPI
    except ImportError as e:
        raise ImportError(f"[{op}] lamina.distributed needs mpi4py and an MPI library: "
                          f"pip install 'lamina[distributed]' (mpi4py and mpich) ({e})") from None
    return MPI


def init_process_group(backend="mpi", *, abort_on_error=True, device_id=None):
    """Join the default group. ``backend``: ``"mpi"`` (cpu tensors) or ``"nccl"`` (cuda tensors;
    ``device_id``: this rank's GPU, default its local rank modulo the GPUs on its machine).
    ``abort_on_error``: an uncaught exception on this rank aborts every rank (no hang)."""
    global _group
    if _group is not None:
        raise RuntimeError("[init_process_group] the default process group is already "
                           "initialized; call destroy_process_group() first")
    if not isinstance(backend, str) or backend.lower() not in ("mpi", "nccl"):
        raise ValueError(f"[init_process_group] backend must be 'mpi' or 'nccl', got {backend!r}")
    backend = backend.lower()
    if backend == "mpi":
        from ._mpi import MPIBackend
        group = MPIBackend()
    else:
        from ._nccl import NCCLBackend
        group = NCCLBackend(device_id)
    if abort_on_error:
        from .launch import abort_on_exception
        abort_on_exception()
    _group = group


def destroy_process_group():
    """Leave the default group (frees its communicators); init_process_group may be called again."""
    global _group
    if _group is None:
        raise RuntimeError("[destroy_process_group] the default process group is not initialized")
    g, _group = _group, None
    g.close()


def is_initialized() -> bool:
    return _group is not None


def default_group(op):
    """The default group, or a RuntimeError naming ``op``."""
    if _group is None:
        raise RuntimeError(f"[{op}] the default process group is not initialized; call "
                           "lamina.distributed.init_process_group() first")
    return _group


def get_rank() -> int:
    return default_group("get_rank").rank


def get_world_size() -> int:
    return default_group("get_world_size").size


def get_backend() -> str:
    return default_group("get_backend").name
