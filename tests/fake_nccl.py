"""A stand-in for ``cupy`` and ``cupy.cuda.nccl`` on one rank, over host memory, so that the NCCL
backend's own code (pointers, offsets, chunks, the AVG fallback, the DDP path) runs without a
GPU: with one rank every NCCL collective copies its send buffer to its receive buffer. Installed
by ``install()`` (sys.modules) in tests/dist_worker.py's ``nccl_fake`` case; the real thing runs
in tools/nccl_check.py on a GPU machine."""
from __future__ import annotations

import ctypes
import sys
import types

SIZES = {7: 4, 8: 8, 4: 8}  # NCCL_FLOAT32, NCCL_FLOAT64, NCCL_INT64 -> bytes
calls = []


class FakeComm:
    def __init__(self, ndev, uid, rank):
        assert ndev == 1 and rank == 0 and len(uid) == 128
        self.alive = True

    def _copy(self, name, send, recv, count, datatype, stream):
        assert stream == 0, "lamina's work runs on the legacy default stream"
        assert isinstance(count, int) and count >= 0
        calls.append((name, count))
        if send != recv and count:
            ctypes.memmove(recv, send, count * SIZES[datatype])

    def allReduce(self, send, recv, count, datatype, op, stream):  # noqa: N802
        self._copy("allReduce", send, recv, count, datatype, stream)

    def broadcast(self, send, recv, count, datatype, root, stream):
        assert root == 0
        self._copy("broadcast", send, recv, count, datatype, stream)

    def allGather(self, send, recv, count, datatype, stream):  # noqa: N802
        self._copy("allGather", send, recv, count, datatype, stream)

    def reduceScatter(self, send, recv, count, datatype, op, stream):  # noqa: N802
        self._copy("reduceScatter", send, recv, count, datatype, stream)

    def destroy(self):
        self.alive = False


class _Device:
    def __init__(self, index):
        self.index = index

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def install(with_avg):
    nccl = types.ModuleType("cupy.cuda.nccl")
    nccl.available = True
    nccl.NCCL_FLOAT32, nccl.NCCL_FLOAT64, nccl.NCCL_INT64 = 7, 8, 4
    nccl.NCCL_SUM, nccl.NCCL_PROD, nccl.NCCL_MAX, nccl.NCCL_MIN = 0, 1, 2, 3
    if with_avg:
        nccl.NCCL_AVG = 4
    nccl.get_unique_id = lambda: tuple(range(128))
    nccl.get_version = lambda: 21805
    nccl.NcclCommunicator = FakeComm
    cuda = types.ModuleType("cupy.cuda")
    cuda.nccl = nccl
    cuda.Device = _Device
    cupy = types.ModuleType("cupy")
    cupy.cuda = cuda
    sys.modules.update({"cupy": cupy, "cupy.cuda": cuda, "cupy.cuda.nccl": nccl})
