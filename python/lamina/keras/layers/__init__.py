"""``lamina.keras.layers``: Keras 3 layers on lamina's kernels."""
from .._core import Input, InputLayer, Layer  # noqa: F401
from .attention import Attention, MultiHeadAttention  # noqa: F401
from .conv import (AveragePooling2D, Conv2D, GlobalAveragePooling2D,  # noqa: F401
                   GlobalMaxPooling2D, MaxPooling2D)
from .core import Activation, Dense, Dropout, Embedding, Flatten, Reshape  # noqa: F401
from .merging import Add, Concatenate  # noqa: F401
from .normalization import BatchNormalization, LayerNormalization  # noqa: F401
from .rnn import LSTM  # noqa: F401

MaxPool2D = MaxPooling2D
AvgPool2D = AveragePooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D
