"""``lamina.keras``: the Keras 3 dialect over lamina's kernels.

``import lamina.keras as keras`` (or ``from lamina import keras``) runs Keras-style code --
``Input``, ``Model``, ``Sequential``, ``layers``, ``compile`` / ``fit`` / ``evaluate`` /
``predict``, ``optimizers``, ``losses``, ``metrics``, ``callbacks`` -- on lamina's CPU and CUDA
kernels, with Keras's weight layouts (``get_weights`` / ``set_weights`` move weights between
Keras and lamina both ways). Keras itself is never imported."""
from . import activations, callbacks, initializers, layers, losses, metrics, optimizers  # noqa
from ._core import Input, KerasTensor, Layer  # noqa: F401
from .models import Model, Sequential  # noqa: F401
from . import utils  # noqa: F401

__all__ = ["Input", "KerasTensor", "Layer", "Model", "Sequential", "activations", "callbacks",
           "initializers", "layers", "losses", "metrics", "optimizers", "utils"]
