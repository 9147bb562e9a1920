"""One adapter per library, so a suite writes each case once.

A backend makes inputs (``randn``), names ops the same way for every library (``exp``, ``sum``, ...), and
times a batch of calls with the right synchronisation. An op a library lacks raises :class:`NotApplicable`
and the case is left out for that library. Each backend imports its library only when built, so the numpy
worker never loads torch and the other way round.
"""
from __future__ import annotations

from typing import Callable, Optional

from .common import cpu_time_batch


class NotApplicable(Exception):
    """This library has no equivalent of the op (the case is skipped for it, not failed)."""


class PeerMissing(Exception):
    """The library (or its device support) is not installed here."""


class Backend:
    name = "?"

    def __init__(self, device: str = "cpu", threads: Optional[int] = None):
        self.device = device
        self.threads = threads

    # inputs
    def randn(self, *shape, requires_grad: bool = False):
        raise NotImplementedError

    def t(self, x):
        """The transposed view (non-contiguous) of a 2-D input."""
        return x.t()

    # timing
    def sync(self) -> None:
        pass

    def time_batch(self, fn: Callable[[], object], inner: int) -> int:
        return cpu_time_batch(fn, inner, self.sync if self.device != "cpu" else None)

    def info(self) -> dict:
        return {}

    def isa(self) -> Optional[str]:
        """The instruction set the library's CPU kernels run with, as the library reports it."""
        return None

    # ops shared by the torch-like libraries (lamina and torch)
    def _mod(self):
        raise NotImplementedError

    def exp(self, x):
        return self._mod().exp(x)

    def relu(self, x):
        return self._mod().relu(x)

    def gelu(self, x):
        return x.gelu() if self.name == "lamina" else self._mod().nn.functional.gelu(x)

    def sum(self, x, dim=None):
        return self._mod().sum(x) if dim is None else self._mod().sum(x, dim)

    def mean(self, x, dim=None):
        return self._mod().mean(x) if dim is None else self._mod().mean(x, dim)

    def max_dim(self, x, dim):
        """Values and indices along ``dim`` (torch semantics)."""
        return self._mod().max(x, dim)

    def logsumexp(self, x, dim):
        return self._mod().logsumexp(x, dim)

    def matmul(self, a, b):
        return self._mod().matmul(a, b)

    # layers, in torch's functional vocabulary (the MXNet adapter maps them to its operators)
    def conv2d(self, x, w, b, stride, padding):
        return self._mod().nn.functional.conv2d(x, w, b, stride=stride, padding=padding)

    def max_pool2d(self, x, kernel_size, stride, padding=0):
        return self._mod().nn.functional.max_pool2d(x, kernel_size, stride, padding)

    def avg_pool2d(self, x, kernel_size, stride, padding=0):
        return self._mod().nn.functional.avg_pool2d(x, kernel_size, stride, padding)

    def batch_norm_train(self, x, running_mean, running_var, w, b):
        """Training-mode batch norm (batch statistics; the running ones updated)."""
        return self._mod().nn.functional.batch_norm(x, running_mean, running_var, w, b,
                                                    training=True)

    def zeros(self, *shape):
        return self._mod().zeros(*shape, device=self.device)

    def ones(self, *shape):
        return self._mod().ones(*shape, device=self.device)

    # autograd
    def record(self, forward):
        """The output of ``forward()``, on the tape (libraries whose tape records always: just call)."""
        return forward()

    def step(self, forward, inputs, grad):
        """A callable: forward() on the tape, then backward with ``grad``, the inputs' grads reset."""
        def run():
            for t in inputs:
                t.grad = None
            forward().backward(grad)
        return run

    def backward(self, y, inputs, grad):
        """A callable: backward of a graph built once (``y = record(...)``), kept for the next call."""
        def run():
            for t in inputs:
                t.grad = None
            y.backward(grad, retain_graph=True)
        return run


class LaminaBackend(Backend):
    name = "lamina"

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        import lamina
        self.L = lamina
        if threads:
            lamina.set_num_threads(int(threads))
        if device.startswith("cuda") and not lamina.cuda.is_available():
            raise PeerMissing(f"lamina CUDA is not available: {lamina.cuda.unavailable_reason()}")
        lamina.manual_seed(0)

    def _mod(self):
        return self.L

    def randn(self, *shape, requires_grad=False):
        x = self.L.randn(*shape)
        if self.device != "cpu":
            x = x.to(self.device)
        if requires_grad:
            x.requires_grad_(True)
        return x

    def sync(self):
        if self.device != "cpu":
            self.L.cuda.synchronize()

    def isa(self):
        return self.L.build_info()["cpu_path"]

    def info(self):
        info = {"version": self.L.__version__, "num_threads": self.L.get_num_threads(),
                "build_info": self.L.build_info()}
        if self.device != "cpu":
            info["gpu"] = self.L.cuda.get_device_name(0)
        return info


class TorchBackend(Backend):
    name = "torch"

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        try:
            import torch
        except ImportError as e:
            raise PeerMissing(f"torch is not installed ({e})") from None
        self.torch = torch
        if threads:
            torch.set_num_threads(int(threads))
            try:
                torch.set_num_interop_threads(1)
            except RuntimeError:
                pass
        if device.startswith("cuda"):
            if not torch.cuda.is_available():
                raise PeerMissing("torch has no CUDA device here")
            torch.backends.cuda.matmul.allow_tf32 = False       # compare FP32 with FP32
            torch.backends.cudnn.allow_tf32 = False
        torch.manual_seed(0)

    def _mod(self):
        return self.torch

    def randn(self, *shape, requires_grad=False):
        return self.torch.randn(*shape, device=self.device, requires_grad=requires_grad)

    def sync(self):
        if self.device != "cpu":
            self.torch.cuda.synchronize()

    def time_batch(self, fn, inner):
        if self.device == "cpu":
            return cpu_time_batch(fn, inner)
        cuda = self.torch.cuda
        start, end = cuda.Event(enable_timing=True), cuda.Event(enable_timing=True)
        start.record()
        for _ in range(inner):
            fn()
        end.record()
        end.synchronize()
        return int(start.elapsed_time(end) * 1e6)                # ms -> ns

    def isa(self):
        return self.torch.backends.cpu.get_cpu_capability()

    def info(self):
        t = self.torch
        info = {"version": t.__version__, "num_threads": t.get_num_threads(),
                "mkldnn": bool(t.backends.mkldnn.is_available())}
        if self.device != "cpu":
            info["gpu"] = t.cuda.get_device_name(0)
            info["cuda"] = t.version.cuda
        return info


class NumpyBackend(Backend):
    name = "numpy"

    def __init__(self, device="cpu", threads=None):
        super().__init__(device, threads)
        if device != "cpu":
            raise PeerMissing("numpy runs on the CPU only")
        import numpy as np
        self.np = np
        self.rng = np.random.default_rng(0)

    def randn(self, *shape, requires_grad=False):
        if requires_grad:
            raise NotApplicable("numpy has no autograd")
        return self.rng.standard_normal(shape, dtype=self.np.float32)

    def t(self, x):
        return x.T

    def exp(self, x):
        return self.np.exp(x)

    def relu(self, x):
        return self.np.maximum(x, self.np.float32(0))

    def gelu(self, x):
        raise NotApplicable("numpy has no erf")

    def sum(self, x, dim=None):
        return self.np.sum(x, axis=dim)

    def mean(self, x, dim=None):
        return self.np.mean(x, axis=dim)

    def max_dim(self, x, dim):
        raise NotApplicable("numpy max has no indices")

    def logsumexp(self, x, dim):
        raise NotApplicable("numpy has no logsumexp")

    def matmul(self, a, b):
        return self.np.matmul(a, b)

    def isa(self):
        """OpenBLAS's core type (threadpoolctl), e.g. Haswell (AVX2) or SkylakeX (AVX-512)."""
        try:
            from threadpoolctl import threadpool_info
        except ImportError:
            return None
        for pool in threadpool_info():
            if pool.get("internal_api") == "openblas":
                return pool.get("architecture")
        return None

    def info(self):
        np = self.np
        info = {"version": np.__version__}
        try:
            cfg = np.show_config(mode="dicts")
            blas = cfg.get("Build Dependencies", {}).get("blas", {})
            info["blas"] = f"{blas.get('name', '?')} {blas.get('version', '')}".strip()
            if blas.get("openblas configuration"):
                info["blas_config"] = blas["openblas configuration"]
        except Exception:                                         # older numpy: no dict config
            pass
        return info


def _mxnet_backend(device="cpu", threads=None):
    from .backend_mxnet import MxnetBackend
    return MxnetBackend(device=device, threads=threads)


BACKENDS = {"lamina": LaminaBackend, "numpy": NumpyBackend, "torch": TorchBackend,
            "mxnet": _mxnet_backend}


def make_backend(name: str, device: str = "cpu", threads: Optional[int] = None) -> Backend:
    try:
        cls = BACKENDS[name]
    except KeyError:
        raise ValueError(f"[bench] unknown library {name!r}; choose from {sorted(BACKENDS)}") from None
    return cls(device=device, threads=threads)
