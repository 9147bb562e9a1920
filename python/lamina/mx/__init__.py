"""``lamina.mx``: the MXNet 1.x dialect over lamina's kernels. ``import lamina.mx as mx`` and
MXNet scripts written with ``mx.nd``, ``mx.autograd``, ``mx.sym``, ``mx.mod.Module``,
``mx.io.NDArrayIter``, ``mx.init``, ``mx.metric`` and ``mx.optimizer`` run on lamina's CPU and
CUDA kernels (``mx.cpu()`` / ``mx.gpu()``)."""
from . import autograd
from . import ndarray
from . import ndarray as nd
from .context import Context, cpu, current_context, gpu, num_gpus
from ._ops import MXNetError

__all__ = ["autograd", "nd", "ndarray", "Context", "cpu", "gpu", "current_context",
           "num_gpus", "MXNetError"]
