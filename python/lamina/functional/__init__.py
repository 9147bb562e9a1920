"""``lamina.nn.functional``: torch.nn.functional names, one module per op family."""
from .activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from .sparse import embedding, one_hot

__all__ = ["gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh", "embedding", "one_hot"]
