"""``lamina.distributed``: collectives between processes, in torch.distributed's vocabulary.

    mpiexec -n 2 python train.py          # every rank runs the same script

    import lamina.distributed as dist
    dist.init_process_group("mpi")        # or "nccl" for cuda tensors (one GPU per rank)
    dist.all_reduce(t, dist.ReduceOp.SUM) # in place, on every rank

Backends: ``mpi`` (mpi4py, cpu tensors, zero-copy through the buffer protocol) and ``nccl``
(CuPy's NCCL bindings, cuda tensors, ordered on lamina's stream). Both need
``pip install 'lamina[distributed]'``; nccl also CuPy (``lamina[cuda]``). Data-parallel training:
:class:`lamina.nn.parallel.DistributedDataParallel` and :class:`lamina.data.DistributedSampler`."""
from .collectives import (all_gather, all_gather_into_tensor, all_reduce, barrier,  # noqa: F401
                          broadcast, reduce_scatter, reduce_scatter_tensor)
from .group import (destroy_process_group, env_local_rank, env_local_size,  # noqa: F401
                    env_world_size,
                    get_backend, get_rank, get_world_size, init_process_group, is_available,
                    is_initialized)
from .launch import abort_on_exception, run_guarded  # noqa: F401
from .work import ReduceOp, Work  # noqa: F401

__all__ = ["ReduceOp", "Work", "init_process_group", "destroy_process_group", "is_initialized",
           "is_available", "get_rank", "get_world_size", "get_backend", "env_world_size",
           "env_local_rank", "env_local_size", "all_reduce", "broadcast", "all_gather",
           "all_gather_into_tensor",
           "reduce_scatter", "reduce_scatter_tensor", "barrier", "abort_on_exception",
           "run_guarded"]
