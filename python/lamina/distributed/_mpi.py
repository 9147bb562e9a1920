"""The MPI backend: cpu tensors handed to mpi4py without a copy.

A contiguous cpu tensor's memory is viewed as a numpy array (``Tensor._numpy_view``, no copy)
and passed to MPI with an explicit datatype through the buffer protocol. Calls move at most
``chunk`` elements each (2^28 by default; ``LAMINA_DIST_CHUNK`` overrides it, for tests), so a
tensor of any size stays under MPI's ``int`` counts. ``AVG`` is MPI's SUM divided by the world
size in place. Non-blocking calls (``async_op=True``) return a :class:`Work` holding the MPI
requests; MPICH progresses them during later MPI calls (``Work.is_completed`` tests them)."""
from __future__ import annotations

import os

import numpy as np

from .group import import_mpi
from .work import ReduceOp, Work

DEFAULT_CHUNK = 1 << 28  # elements per MPI call


class MPIBackend:
    name = "mpi"
    device_type = "cpu"
    tensor_device = "cpu"  # where small control tensors (flags, checksums) live

    def __init__(self):
        MPI = import_mpi("init_process_group")
        self.MPI = MPI
        self.comm = MPI.COMM_WORLD.Dup()  # our traffic never matches the user's messages
        self.rank = self.comm.Get_rank()
        self.size = self.comm.Get_size()
        self.chunk = int(os.environ.get("LAMINA_DIST_CHUNK", DEFAULT_CHUNK))
        # keyed by the numpy view's dtype (hashing it is cheaper than lamina's)
        self._types = {np.dtype(np.float32): MPI.FLOAT, np.dtype(np.float64): MPI.DOUBLE,
                       np.dtype(np.int64): MPI.INT64_T}
        self._ops = {ReduceOp.SUM: MPI.SUM, ReduceOp.AVG: MPI.SUM, ReduceOp.MAX: MPI.MAX,
                     ReduceOp.MIN: MPI.MIN}

    def close(self):
        self.comm.Free()

    # --- helpers -----------------------------------------------------------------------------

    @staticmethod
    def _array(t):
        """The tensor's memory as a 1-D numpy array (contiguous tensors only: no copy)."""
        a = t._numpy_view()
        return a if a.ndim == 1 else a.reshape(-1)

    def _chunks(self, n):
        return [(s, min(s + self.chunk, n)) for s in range(0, n, self.chunk)]

    def _work(self, requests, finish, keep, async_op):
        work = Work(requests, finish, keep, self.MPI.Request.Waitall, self.MPI.Request.Testall)
        if async_op:
            return work
        work.wait()
        return None

    def _avg(self, a):
        return lambda: np.divide(a, a.dtype.type(self.size), out=a)

    # --- collectives on contiguous tensors ---------------------------------------------------

    def all_reduce(self, t, op, async_op):
        a = self._array(t)
        dt, mop = self._types[a.dtype], self._ops[op]
        if not async_op and a.size <= self.chunk:  # the common case, with no bookkeeping
            self.comm.Allreduce(self.MPI.IN_PLACE, [a, dt], mop)
            if op is ReduceOp.AVG:
                np.divide(a, a.dtype.type(self.size), out=a)
            return None
        reqs = []
        for s, e in self._chunks(a.size):
            if async_op:
                reqs.append(self.comm.Iallreduce(self.MPI.IN_PLACE, [a[s:e], dt], mop))
            else:
                self.comm.Allreduce(self.MPI.IN_PLACE, [a[s:e], dt], mop)
        finish = [self._avg(a)] if op is ReduceOp.AVG else []
        return self._work(reqs, finish, [a], async_op)

    def broadcast(self, t, src, async_op):
        a = self._array(t)
        dt = self._types[a.dtype]
        reqs = []
        for s, e in self._chunks(a.size):
            if async_op:
                reqs.append(self.comm.Ibcast([a[s:e], dt], root=src))
            else:
                self.comm.Bcast([a[s:e], dt], root=src)
        return self._work(reqs, [], [a], async_op)

    def all_gather(self, out, inp, async_op):
        """``out`` holds ``size`` blocks of ``inp``'s elements, block r from rank r."""
        a = self._array(inp)
        dt = self._types[a.dtype]
        o = self._array(out).reshape(self.size, a.size)
        reqs, finish, keep = [], [], [a, o]
        chunks = self._chunks(a.size)
        if len(chunks) <= 1:  # straight into the output
            if async_op:
                reqs.append(self.comm.Iallgather([a, dt], [o, dt]))
            else:
                self.comm.Allgather([a, dt], [o, dt])
            return self._work(reqs, finish, keep, async_op)
        for s, e in chunks:  # a chunk's blocks land strided in the output: through a buffer
            tmp = np.empty((self.size, e - s), a.dtype)
            if async_op:
                reqs.append(self.comm.Iallgather([a[s:e], dt], [tmp, dt]))
                finish.append(lambda s=s, e=e, tmp=tmp: o.__setitem__((slice(None), slice(s, e)),
                                                                      tmp))
                keep.append(tmp)
            else:
                self.comm.Allgather([a[s:e], dt], [tmp, dt])
                o[:, s:e] = tmp
        return self._work(reqs, finish, keep, async_op)

    def reduce_scatter(self, out, inp, op, async_op):
        """``inp`` holds ``size`` blocks of ``out``'s elements; block r reduced lands on rank r."""
        o = self._array(out)
        dt, mop = self._types[o.dtype], self._ops[op]
        a = self._array(inp).reshape(self.size, o.size)
        reqs, keep = [], [a, o]
        chunks = self._chunks(o.size)
        for s, e in chunks:
            send = a if len(chunks) == 1 else np.ascontiguousarray(a[:, s:e])
            if async_op:
                reqs.append(self.comm.Ireduce_scatter_block([send, dt], [o[s:e], dt], mop))
                keep.append(send)
            else:
                self.comm.Reduce_scatter_block([send, dt], [o[s:e], dt], mop)
        finish = [self._avg(o)] if op is ReduceOp.AVG else []
        return self._work(reqs, finish, keep, async_op)

    def barrier(self, async_op):
        if async_op:
            return self._work([self.comm.Ibarrier()], [], [], True)
        self.comm.Barrier()
        return None
