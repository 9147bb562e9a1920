"""The MXNet 1.9.1 peer (oneDNN on the CPU) for the seed's layers: Convolution, Pooling, BatchNorm
and dot. MXNet wants ``numpy<1.24``, so it lives in its own virtual environment; the driver runs this
worker with that interpreter (``lamina bench --mxnet-python PATH``).

MXNet runs ops asynchronously: a timed batch ends with ``nd.waitall()``. It has no strided views, so a
transposed matmul operand is a marker that ``dot``'s ``transpose_a`` / ``transpose_b`` flags consume,
which is how MXNet code writes it. Its tape records only inside ``autograd.record()``, and gradients are
overwritten (``grad_req="write"``), so nothing is reset between steps."""
from __future__ import annotations

import os
import re
import subprocess
import sys

from .backends import Backend, NotApplicable, PeerMissing
from .common import cpu_time_batch

_ISA_PROBE = ("import mxnet as mx\n"
              "x = mx.nd.ones((1, 8, 8, 8)); w = mx.nd.ones((8, 8, 3, 3))\n"
              "mx.nd.Convolution(x, w, kernel=(3, 3), num_filter=8, no_bias=True).wait_to_read()\n")


class _T:
    """A transposed 2-D operand, for dot's transpose flags."""

    def __init__(self, x):
        self.x = x


class MxnetBackend(Backend):
    name = "mxnet"

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        if device != "cpu":
            raise PeerMissing("the MXNet peer runs on the CPU only")
        try:
            import mxnet as mx
        except ImportError as e:
            raise PeerMissing(f"mxnet is not installed in this interpreter ({e}); "
                              "give its virtual environment with --mxnet-python") from None
        self.mx, self.nd = mx, mx.nd
        mx.random.seed(0)

    def randn(self, *shape, requires_grad=False):
        x = self.nd.random.normal(shape=shape, dtype="float32")
        if requires_grad:
            x.attach_grad()
        return x

    def t(self, x):
        return _T(x)

    def sync(self):
        self.nd.waitall()

    def time_batch(self, fn, inner):
        return cpu_time_batch(fn, inner, self.sync)

    def info(self):
        feats = self.mx.runtime.Features()
        return {"version": self.mx.__version__, "mkldnn": feats.is_enabled("MKLDNN"),
                "omp_threads": os.environ.get("OMP_NUM_THREADS")}

    def isa(self):
        """The ISA oneDNN reports for a probe convolution (its verbose line), in a child process."""
        env = dict(os.environ, ONEDNN_VERBOSE="1", MKLDNN_VERBOSE="1", DNNL_VERBOSE="1")
        try:
            p = subprocess.run([sys.executable, "-c", _ISA_PROBE], env=env, capture_output=True,
                               text=True, timeout=120)
        except (OSError, subprocess.TimeoutExpired):
            return None
        m = re.search(r"isa:([^,\n]+)", p.stdout + p.stderr)
        return m.group(1).strip() if m else None

    # ops
    def _mod(self):
        raise NotApplicable("MXNet has no torch-style module")

    def matmul(self, a, b):
        ta, tb = isinstance(a, _T), isinstance(b, _T)
        return self.nd.dot(a.x if ta else a, b.x if tb else b, transpose_a=ta, transpose_b=tb)

    def conv2d(self, x, w, b, stride, padding):
        k = w.shape[2:]
        return self.nd.Convolution(x, w, b, kernel=k, stride=(stride, stride),
                                   pad=(padding, padding), num_filter=w.shape[0], no_bias=b is None)

    def _pool(self, x, kind, kernel_size, stride, padding):
        return self.nd.Pooling(x, kernel=(kernel_size, kernel_size), pool_type=kind,
                               stride=(stride, stride), pad=(padding, padding),
                               pooling_convention="valid", count_include_pad=True)

    def max_pool2d(self, x, kernel_size, stride, padding=0):
        return self._pool(x, "max", kernel_size, stride, padding)

    def avg_pool2d(self, x, kernel_size, stride, padding=0):
        return self._pool(x, "avg", kernel_size, stride, padding)

    def batch_norm_train(self, x, running_mean, running_var, w, b):
        with self.mx.autograd.train_mode():
            return self.nd.BatchNorm(x, w, b, running_mean, running_var, fix_gamma=False,
                                     use_global_stats=False, momentum=0.9, eps=1e-5)

    def zeros(self, *shape):
        return self.nd.zeros(shape)

    def ones(self, *shape):
        return self.nd.ones(shape)

    def record(self, forward):
        with self.mx.autograd.record():
            return forward()

    def step(self, forward, inputs, grad):
        def run():
            with self.mx.autograd.record():
                y = forward()
            y.backward(grad)
        return run

    def backward(self, y, inputs, grad):
        return lambda: y.backward(grad, retain_graph=True)
