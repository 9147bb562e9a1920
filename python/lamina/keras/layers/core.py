"""Core layers: Dense, Activation, Dropout, Flatten, Reshape, Embedding (Keras 3 arguments,
weight names and layouts)."""
from __future__ import annotations

import numpy as np

from ... import dtypes as _dt
from ... import functional as F
from ..._C import Tensor
from ...autograd.functions import views as _v
from .. import activations
from .._core import Layer


def _prod(dims):
    out = 1
    for d in dims:
        if d is None:
            return None
        out *= d
    return out


class Dense(Layer):
    """``Dense(units, activation=None, use_bias=True, kernel_initializer='glorot_uniform',
    bias_initializer='zeros')`` on the last axis: kernel (in, units), bias (units,).
    One GEMM (lamina's ``linear`` with the kernel as a transposed view) and the activation."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"[Dense] units must be a positive integer, got {units!r}")
        self.units = units
        self.activation = activations.get(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer, self.bias_initializer = kernel_initializer, bias_initializer

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) < 2:
            raise self._error(f"expected an input of rank >= 2 (batch, ..., features), got "
                              f"shape {shape}")
        if self.built and shape[-1] is not None and shape[-1] != self.kernel.shape[0]:
            raise self._error(f"expected axis -1 of the input to be {self.kernel.shape[0]}, "
                              f"got shape {shape}")
        if not self.built and shape[-1] is None:
            raise self._error(f"the last axis of the input must be known, got {shape}")

    def build(self, input_shape):
        self.add_weight((input_shape[-1], self.units), self.kernel_initializer, "kernel")
        if self.use_bias:
            self.add_weight((self.units,), self.bias_initializer, "bias")

    def call(self, inputs):
        y = F.linear(inputs, _v.t(self.kernel), self.bias if self.use_bias else None)
        return self.activation(y)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1]) + (self.units,)


_ELEMENTWISE = {activations.get(n) for n in ("relu", "sigmoid", "tanh", "gelu", "elu", "selu",
                                             "softplus", "softsign", "silu", "relu6",
                                             "leaky_relu", "exponential", "linear")}


class Activation(Layer):
    """``Activation(activation)``: a named Keras activation or a callable."""

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)

    def call(self, inputs):
        x = inputs
        if x.ndim == 4 and not x.is_contiguous() and self.activation in _ELEMENTWISE:
            base = _v.permute(x, 0, 3, 1, 2)  # an NHWC view of NCHW memory (after Conv2D)
            if base.is_contiguous():
                return _v.permute(self.activation(base), 0, 2, 3, 1)
        return self.activation(x)


class Dropout(Layer):
    """``Dropout(rate, noise_shape=None, seed=None)``: inverted dropout while training (fit, or
    ``training=True``), the identity otherwise. Masks come from lamina's generator."""

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        if not 0 <= rate <= 1:
            raise ValueError(f"[Dropout] rate must be in [0, 1], got {rate!r}")
        if noise_shape is not None:
            raise NotImplementedError("[Dropout] noise_shape is not supported")
        self.rate = float(rate)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        return F.dropout(inputs, self.rate, True)


class Flatten(Layer):
    """``Flatten(data_format=None)``: (batch, ...) -> (batch, prod(...)). With
    ``data_format='channels_first'`` the channels are moved last first, as Keras does."""

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = data_format or "channels_last"

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) < 1:
            raise self._error(f"expected a batched input, got shape {shape}")

    def call(self, inputs):
        x = inputs
        if self.data_format == "channels_first" and x.ndim > 2:
            x = _v.permute(x, 0, *range(2, x.ndim), 1)
        return _v.reshape(x, int(x.shape[0]), -1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], _prod(input_shape[1:]))


class Reshape(Layer):
    """``Reshape(target_shape)``: the batch axis kept, the rest reshaped (one -1 allowed)."""

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        self.target_shape = tuple(int(d) for d in target_shape)

    def _resolved(self, shape):
        known = _prod(shape[1:])
        target = list(self.target_shape)
        if target.count(-1) > 1:
            raise self._error(f"at most one -1 in target_shape, got {self.target_shape}")
        if known is None:
            return (shape[0],) + tuple(None if d == -1 else d for d in target)
        if -1 in target:
            rest = _prod([d for d in target if d != -1])
            if rest == 0 or known % rest:
                raise self._error(f"cannot reshape an input of shape {shape} to "
                                  f"{self.target_shape}")
            target[target.index(-1)] = known // rest
        if _prod(target) != known:
            raise self._error(f"total size of the new shape {self.target_shape} must equal the "
                              f"input's {known} (input shape {shape})")
        return (shape[0],) + tuple(target)

    def _check_input(self, shape):
        self._resolved(shape)

    def call(self, inputs):
        return _v.reshape(inputs, int(inputs.shape[0]), *self.target_shape)

    def compute_output_shape(self, input_shape):
        return self._resolved(tuple(input_shape))


class Embedding(Layer):
    """``Embedding(input_dim, output_dim, embeddings_initializer='uniform')``: embeddings
    (input_dim, output_dim), looked up with lamina's embedding (integer inputs of any dtype
    are cast to int64). ``mask_zero`` is not supported."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", mask_zero=False,
                 **kwargs):
        super().__init__(**kwargs)
        if mask_zero:
            raise NotImplementedError("[Embedding] mask_zero (Keras masking) is not supported")
        self.input_dim, self.output_dim = int(input_dim), int(output_dim)
        self.embeddings_initializer = embeddings_initializer

    def build(self, input_shape):
        self.add_weight((self.input_dim, self.output_dim), self.embeddings_initializer,
                        "embeddings")

    def call(self, inputs):
        if not isinstance(inputs, Tensor):
            inputs = np.asarray(inputs)
        if inputs.dtype != _dt.int64:
            inputs = inputs.to(_dt.int64)
        return F.embedding(inputs, self.embeddings)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)
