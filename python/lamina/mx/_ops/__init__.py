"""MXNet 1.x operators over lamina's kernels, at the tensor level: ``lamina.mx.nd`` wraps them
around NDArrays and ``lamina.mx.sym`` composes them into graphs. One module per family; each
operator is an :class:`~._base.Op` subclass registered in ``OPS`` by its MXNet name."""
from ._base import OPS, MXNetError, Op
from . import dense, conv, batchnorm, softmax_output  # noqa: F401  register the operators

__all__ = ["OPS", "MXNetError", "Op"]
