"""``lamina.nn.functional``: torch.nn.functional names, one module per op family."""
from .conv import conv1d, conv2d, conv_transpose2d
from .activation import (celu, elu, gelu, glu, hardtanh, leaky_relu, log_softmax, logsigmoid,
                         mish, prelu, relu, relu6, selu, sigmoid, silu, softmax, softplus,
                         softsign, tanh)
from .distance import cosine_similarity, normalize, pairwise_distance
from .vision import pixel_shuffle, pixel_unshuffle
from .attention import multi_head_attention_forward, scaled_dot_product_attention
from .dropout import dropout, dropout2d
from .linear import linear
from .loss import (binary_cross_entropy, binary_cross_entropy_with_logits, cross_entropy,
                   huber_loss, kl_div, l1_loss, mse_loss, nll_loss, smooth_l1_loss)
from .normalization import group_norm, instance_norm, layer_norm
from .sparse import embedding, one_hot
from .pool import (adaptive_avg_pool2d, adaptive_max_pool2d, avg_pool1d, avg_pool2d, max_pool1d,
                   max_pool2d)
from .fold import fold, unfold
from .batchnorm import batch_norm
from .padding import pad
from .upsampling import interpolate

__all__ = ["gelu", "log_softmax", "relu", "sigmoid", "softmax", "tanh", "embedding", "one_hot",
           "dropout", "linear", "conv2d",
           "cross_entropy", "nll_loss", "mse_loss", "l1_loss", "huber_loss",
           "binary_cross_entropy_with_logits", "scaled_dot_product_attention", "layer_norm",
           "max_pool2d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d", "batch_norm",
           "max_pool1d", "avg_pool1d", "fold", "unfold", "multi_head_attention_forward",
           "celu", "elu", "glu", "hardtanh", "leaky_relu", "logsigmoid", "mish", "prelu", "relu6",
           "selu", "silu", "softplus", "softsign", "cosine_similarity", "normalize",
           "pairwise_distance", "pixel_shuffle", "pixel_unshuffle", "binary_cross_entropy",
           "kl_div", "smooth_l1_loss", "dropout2d",
           "conv1d", "conv_transpose2d", "pad", "interpolate", "group_norm", "instance_norm"]
