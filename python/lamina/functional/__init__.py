"""``lamina.nn.functional``: torch.nn.functional names, one module per op family."""
from .activation import gelu, log_softmax, relu, sigmoid, softmax, tanh
from .attention import scaled_dot_product_attention
from .dropout import dropout
from .linear import linear
from .loss import (binary_cross_entropy_with_logits, cross_entropy, huber_loss, l1_loss,
                   mse_loss, nll_loss)
from .normalization import layer_norm
from .sparse import embedding, one_hot

__all__ = ["gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh", "embedding", "one_hot",
           "dropout", "linear",
           "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss",
           "binary_cross_entropy_with_logits", "layer_norm",
           "scaled_dot_product_attention"]
