"""The NCCL backend: cuda tensors, one GPU per rank, through CuPy's NCCL bindings.

mpiexec starts the ranks; rank 0 makes NCCL's unique id and MPI broadcasts it; every rank then
builds a ``cupy.cuda.nccl.NcclCommunicator`` on its GPU (``device_id``, by default its local
rank modulo the GPUs it sees). Collectives take the tensor's device pointer (the one
``__cuda_array_interface__`` exports) and run on the legacy default stream (stream 0), the stream
every lamina kernel runs on: they are ordered after the kernels that produced the data and
before those that read the result, with no host synchronisation. ``wait()`` therefore has
nothing to wait for; ``barrier`` synchronises the device, then the ranks (MPI).

CuPy is imported only here, when ``init_process_group("nccl")`` runs. This file has been
written against CuPy's documented API but only runs on a machine with GPUs (tools/gpu_check.sh
runs a 1- or 2-rank check there)."""
from __future__ import annotations

import os

from .. import _C
from .. import dtypes as _dt
from .group import env_local_rank, import_mpi
from .work import ReduceOp, Work

DEFAULT_CHUNK = 1 << 28  # elements per NCCL call (bcast takes an int count)
_STREAM = 0              # the legacy default stream, lamina's stream


def _import_nccl():
    try:
        import cupy
        from cupy.cuda import nccl
    except ImportError as e:
        raise ImportError("[init_process_group] backend 'nccl' needs CuPy with NCCL: "
                          "pip install 'lamina[cuda]' (cupy-cuda12x) or 'lamina[cuda13]' "
                          f"({e})") from None
    if not getattr(nccl, "available", True):
        raise ImportError("[init_process_group] backend 'nccl': this CuPy was built without "
                          "NCCL (cupy.cuda.nccl.available is False)")
    return cupy, nccl


class NCCLBackend:
    name = "nccl"
    device_type = "cuda"

    def __init__(self, device_id=None):
        from .. import cuda
        cupy, nccl = _import_nccl()
        MPI = import_mpi("init_process_group")
        if not cuda.is_available():
            raise RuntimeError("[init_process_group] backend 'nccl' needs a CUDA device, but "
                               f"{cuda.unavailable_reason()}")
        self.MPI, self.cupy, self.nccl = MPI, cupy, nccl
        self.world = MPI.COMM_WORLD.Dup()
        self.rank, self.size = self.world.Get_rank(), self.world.Get_size()
        ndev = cuda.device_count()
        self.device = int(device_id) if device_id is not None else env_local_rank() % ndev
        if not 0 <= self.device < ndev:
            raise ValueError(f"[init_process_group] device_id {device_id} is not one of the "
                             f"{ndev} GPUs of this machine")
        self.tensor_device = f"cuda:{self.device}"  # where small control tensors live
        self.chunk = int(os.environ.get("LAMINA_DIST_CHUNK", DEFAULT_CHUNK))
        uid = nccl.get_unique_id() if self.rank == 0 else None
        uid = self.world.bcast(uid, root=0)
        with cupy.cuda.Device(self.device):
            self.comm = nccl.NcclCommunicator(self.size, uid, self.rank)
        self._types = {_dt.float32: nccl.NCCL_FLOAT32, _dt.float64: nccl.NCCL_FLOAT64,
                       _dt.int64: nccl.NCCL_INT64}
        avg = getattr(nccl, "NCCL_AVG", None)
        if avg is not None and nccl.get_version() < 21000:  # ncclAvg came with NCCL 2.10
            avg = None
        self._ops = {ReduceOp.SUM: nccl.NCCL_SUM, ReduceOp.MAX: nccl.NCCL_MAX,
                     ReduceOp.MIN: nccl.NCCL_MIN, ReduceOp.AVG: avg}

    def close(self):
        self.comm.destroy()
        self.world.Free()

    def check_device(self, op, t):
        if t.device.index != self.device:
            raise ValueError(f"[{op}] this rank's NCCL communicator is on cuda:{self.device}, "
                             f"got a tensor on {t.device}")

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _ptr(t):
        # a contiguous tensor's first element: __cuda_array_interface__["data"][0]
        return t.data_ptr() if t.numel() else 0

    def _chunks(self, n):
        return [(s, min(s + self.chunk, n)) for s in range(0, n, self.chunk)]

    def _op(self, op):
        """(NCCL op, whether to divide by the world size afterwards)."""
        if op is ReduceOp.AVG and self._ops[ReduceOp.AVG] is None:
            return self.nccl.NCCL_SUM, True
        return self._ops[op], False

    def _done(self, finish, async_op):
        if async_op:
            return Work(finish=finish)
        for f in finish:
            f()
        return None

    def _divide(self, t):
        return lambda: _C.copy_(t, _C.div(t, float(self.size)))

    # --- collectives on contiguous tensors ---------------------------------------------------

    def all_reduce(self, t, op, async_op):
        p, dt, isz = self._ptr(t), self._types[t.dtype], t.element_size()
        nop, divide = self._op(op)
        with self.cupy.cuda.Device(self.device):
            for s, e in self._chunks(t.numel()):
                self.comm.allReduce(p + s * isz, p + s * isz, e - s, dt, nop, _STREAM)
        return self._done([self._divide(t)] if divide else [], async_op)

    def broadcast(self, t, src, async_op):
        p, dt, isz = self._ptr(t), self._types[t.dtype], t.element_size()
        with self.cupy.cuda.Device(self.device):
            for s, e in self._chunks(t.numel()):
                self.comm.broadcast(p + s * isz, p + s * isz, e - s, dt, src, _STREAM)
        return self._done([], async_op)

    def all_gather(self, out, inp, async_op):
        n, dt, isz = inp.numel(), self._types[inp.dtype], inp.element_size()
        chunks = self._chunks(n)
        with self.cupy.cuda.Device(self.device):
            if len(chunks) <= 1:
                self.comm.allGather(self._ptr(inp), self._ptr(out), n, dt, _STREAM)
                return self._done([], async_op)
            blocks = _C.reshape(out, [self.size, n])
            for s, e in chunks:  # a chunk's blocks land strided in the output: through a buffer
                tmp = _C.empty([self.size, e - s], inp.dtype, inp.device)
                self.comm.allGather(self._ptr(inp) + s * isz, self._ptr(tmp), e - s, dt, _STREAM)
                _C.copy_(_C.slice(blocks, 1, s, e, 1), tmp)  # stream-ordered after the gather
        return self._done([], async_op)

    def reduce_scatter(self, out, inp, op, async_op):
        n, dt, isz = out.numel(), self._types[out.dtype], out.element_size()
        nop, divide = self._op(op)
        chunks = self._chunks(n)
        with self.cupy.cuda.Device(self.device):
            if len(chunks) <= 1:
                self.comm.reduceScatter(self._ptr(inp), self._ptr(out), n, dt, nop, _STREAM)
            else:
                blocks = _C.reshape(inp, [self.size, n])
                for s, e in chunks:
                    send = _C.contiguous(_C.slice(blocks, 1, s, e, 1))
                    self.comm.reduceScatter(self._ptr(send), self._ptr(out) + s * isz, e - s, dt,
                                            nop, _STREAM)
        return self._done([self._divide(out)] if divide else [], async_op)

    def barrier(self, async_op):
        _C.cuda_synchronize(self.device)
        self.world.Barrier()
        return self._done([], async_op)
