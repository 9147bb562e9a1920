"""``lamina.nn``: modules, parameters, containers, layers and initialisation (torch.nn names)."""
from . import functional  # noqa: F401
from . import init  # noqa: F401
from . import parallel  # noqa: F401
from .activation import GELU, Flatten, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: F401
from .activation import (CELU, ELU, GLU, SELU, Hardtanh, LeakyReLU, LogSigmoid, Mish,  # noqa: F401
                         PReLU, ReLU6, SiLU, Softplus, Softsign, Unflatten)
from .conv import Conv1d, Conv2d, ConvTranspose2d  # noqa: F401
from .containers import Identity, ModuleDict, ModuleList, Sequential  # noqa: F401
from .dropout import Dropout, Dropout2d  # noqa: F401
from .linear import Linear  # noqa: F401
from .module import Module  # noqa: F401
from .lstm import LSTM, LSTMCell  # noqa: F401
from .rnn import GRU, RNN, GRUCell, RNNCell  # noqa: F401
from .parameter import Parameter  # noqa: F401
from .pooling import (AdaptiveAvgPool2d, AdaptiveMaxPool2d, AvgPool1d, AvgPool2d,  # noqa: F401
                      MaxPool1d, MaxPool2d)
from .batchnorm import BatchNorm1d, BatchNorm2d  # noqa: F401
from .loss import *  # noqa: F401,F403  (losses: nn/loss.py __all__)
from .normalization import GroupNorm, InstanceNorm1d, InstanceNorm2d, LayerNorm  # noqa: F401
from .upsampling import (ConstantPad2d, ReflectionPad2d, ReplicationPad2d, Upsample,  # noqa: F401
                         ZeroPad2d)
from .sparse import Embedding  # noqa: F401
from .attention import MultiheadAttention  # noqa: F401
from .transformer import (TransformerDecoderLayer, TransformerEncoder,  # noqa: F401
                          TransformerEncoderLayer)
