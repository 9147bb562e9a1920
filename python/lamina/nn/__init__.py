"""``lamina.nn``: modules, parameters, containers, layers and initialisation (torch.nn names)."""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from .activation import GELU, Flatten, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: F401
from .containers import Identity, ModuleDict, ModuleList, Sequential  # noqa: F401
from .dropout import Dropout  # noqa: F401
from .linear import Linear  # noqa: F401
from .module import Module  # noqa: F401
from .rnn import LSTM, LSTMCell  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .loss import *  # noqa: F401,F403  (losses: nn/loss.py __all__)
