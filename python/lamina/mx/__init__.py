"""``lamina.mx``: the MXNet 1.x dialect over lamina's kernels. ``import lamina.mx as mx`` and
MXNet scripts written with ``mx.nd``, ``mx.autograd``, ``mx.sym``, ``mx.mod.Module``,
``mx.io.NDArrayIter``, ``mx.init``, ``mx.metric`` and ``mx.optimizer`` run on lamina's CPU and
CUDA kernels (``mx.cpu()`` / ``mx.gpu()``)."""
from . import autograd
from . import ndarray
from . import ndarray as nd
from .context import Context, cpu, current_context, gpu, num_gpus
from ._ops import MXNetError
from . import name
from . import random
ndarray.random = random
from . import symbol
from . import symbol as sym
from . import io
from . import initializer
from . import initializer as init
from . import metric
from . import optimizer
from . import callback
from . import module
from . import module as mod

__all__ = ["autograd", "nd", "ndarray", "Context", "cpu", "gpu", "current_context",
           "num_gpus", "MXNetError", "name", "random", "symbol", "sym", "io", "initializer", "init",
           "metric", "optimizer", "callback", "module", "mod"]
