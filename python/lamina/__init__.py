"""lamina: deep-learning layers on hand-written C++ and CUDA kernels."""
from __future__ import annotations

__version__ = "0.1.0"

from . import _C
from .dtypes import bool_, double, dtype, float32, float64, int64, long  # noqa: F401
from .dtypes import bool_ as bool  # noqa: A001
from .device import device
from .autograd import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from . import _registry
from . import tensor as _tensor  # noqa: F401  the core Tensor methods
from .autograd import functions as _functions  # noqa: F401  every op's Tensor methods

Tensor = _C.Tensor
# lamina.add, lamina.sum, lamina.cat, ...: each registered next to its op (export=True)
globals().update(_registry.exported)

from .creation import (arange, as_tensor, asarray, bernoulli, empty, empty_like, eye,  # noqa: E402
                       from_dlpack, from_numpy, full, full_like, initial_seed, linspace,
                       manual_seed, multinomial, ones, ones_like, rand, rand_like, randint,
                       randn, randn_like, tensor, zeros, zeros_like)
from . import cpu, cuda  # noqa: E402
from . import backends  # noqa: E402
from .backends import get_float32_matmul_precision, set_float32_matmul_precision  # noqa: E402
from . import autograd  # noqa: E402
from . import testing  # noqa: E402
from . import optim  # noqa: E402
from . import data, nn  # noqa: E402
from . import distributed  # noqa: E402
from .io import load, save  # noqa: E402


def is_tensor(obj) -> bool:
    return isinstance(obj, Tensor)


def get_num_threads() -> int:
    """Threads lamina's CPU kernels use (OMP_NUM_THREADS or the CPUs this process may use)."""
    return _C.get_num_threads()


def set_num_threads(n: int) -> None:
    _C.set_num_threads(int(n))


def build_info() -> dict:
    """What this build contains and what it runs with."""
    cuda_ok = _C.cuda_compiled()
    return {
        "version": __version__,
        "cuda_compiled": cuda_ok,
        "cuda_backend": _C.cuda_backend() or None,  # "cuda", "simulator" (a test build), None
        "cuda_archs": _C.cuda_archs().split(";") if cuda_ok else [],
        "cuda_runtime_version": _C.cuda_runtime_version() if cuda_ok else None,
        "cpu_path": _C.cpu_path(),
        "num_threads": _C.get_num_threads(),
        "threading": "lamina thread pool (std::thread, sleeping workers)",
        "openmp": False,
    }
