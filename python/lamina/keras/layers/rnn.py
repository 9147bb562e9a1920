"""LSTM with Keras's arguments, weights and outputs, on lamina's fused LSTM layer kernel.

Keras's weights: kernel (features, 4u), recurrent_kernel (u, 4u), bias (4u,), gates in the
order i, f, c, o -- torch's i, f, g, o, so only the layout differs: the fused kernel takes
W_ih = kernel^T and W_hh = recurrent_kernel^T as transposed views, and Keras's single bias as
b_ih (b_hh None). Batch-major input (batch, time, features) enters the kernel as a (time,
batch, features) view. Activations other than tanh / sigmoid run a per-step composition of
lamina ops (correct and differentiable, not fused)."""
from __future__ import annotations

import numpy as np

from ... import _C
from ... import functional as F
from ...autograd.functions import views as _v
from ...autograd.functions.index import stack as _stack
from ...autograd.functions.lstm import LSTMLayer
from .. import activations
from .. import initializers as _init
from .._core import KerasTensor, Layer


def _flip_time(y):
    """y (batch, time, ...) with the time axis reversed (a recorded index_select)."""
    T = int(y.shape[1])
    idx = _C.arange(T - 1, -1, -1, _C.DType.int64, y.device)
    return y.index_select(1, idx)


class _UnitForgetBias(_init.Initializer):
    """Keras's LSTM bias with unit_forget_bias: zeros, ones for the forget gate."""

    def __init__(self, units, base):
        self.units, self.base = units, _init.get(base)

    def __call__(self, shape, dtype=None):
        u = self.units
        return np.concatenate([self.base((u,)), np.ones(u, np.float32),
                               self.base((2 * u,))]).astype(np.float32)


class LSTM(Layer):
    """``LSTM(units, activation='tanh', recurrent_activation='sigmoid', use_bias=True,
    kernel_initializer='glorot_uniform', recurrent_initializer='orthogonal',
    bias_initializer='zeros', unit_forget_bias=True, dropout=0.0, return_sequences=False,
    return_state=False, go_backwards=False)``.

    call(inputs (batch, time, features), initial_state=None ([h, c]), training=None) ->
    last output (batch, u), or the sequence (batch, time, u) with return_sequences; with
    return_state, [output, h, c]. With go_backwards the sequence is read from the end and
    the returned sequence is in that reversed order (as Keras). ``dropout`` drops input
    features with one mask per sequence (Keras's); recurrent_dropout is not supported."""

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise ValueError(f"[LSTM] units must be a positive integer, got {units!r}")
        if recurrent_dropout or stateful:
            raise NotImplementedError("[LSTM] recurrent_dropout and stateful are not supported")
        self.units = units
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias, self.unit_forget_bias = bool(use_bias), bool(unit_forget_bias)
        self.dropout = float(dropout)
        self.return_sequences, self.return_state = bool(return_sequences), bool(return_state)
        self.go_backwards = bool(go_backwards)
        self._inits = (kernel_initializer, recurrent_initializer, bias_initializer)
        self._fused = (self.activation is activations.tanh and
                       self.recurrent_activation is activations.sigmoid)

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) != 3:
            raise self._error(f"expected a 3-D input (batch, time, features), got shape {shape}")
        if self.built and shape[-1] is not None and shape[-1] != self.kernel.shape[0]:
            raise self._error(f"expected {self.kernel.shape[0]} features on axis -1, got shape "
                              f"{shape}")
        if shape[1] == 0:
            raise self._error(f"expected a non-empty sequence, got shape {shape}")

    def build(self, input_shape):
        k, r, b = self._inits
        u = self.units
        self.add_weight((input_shape[-1], 4 * u), k, "kernel")
        self.add_weight((u, 4 * u), r, "recurrent_kernel")
        if self.use_bias:
            self.add_weight((4 * u,), _UnitForgetBias(u, b) if self.unit_forget_bias else b,
                            "bias")

    def call(self, inputs, initial_state=None, training=False):
        x = inputs
        B = int(x.shape[0])
        if self.dropout > 0 and training:
            keep = 1.0 - self.dropout
            mask = _C.full([B, 1, int(x.shape[2])], 1.0, x.dtype, x.device)
            x = x * F.dropout(mask, self.dropout, True) if keep > 0 else x * 0.0
        h0 = c0 = None
        if initial_state is not None:
            h0, c0 = initial_state
            for name, t in (("h", h0), ("c", c0)):
                if tuple(t.shape) != (B, self.units):
                    raise self._error(f"expected initial state {name} of shape "
                                      f"({B}, {self.units}), got {tuple(t.shape)}")
        bias = self.bias if self.use_bias else None
        if self._fused:
            xt = _v.transpose(x, 0, 1)  # (time, batch, features), a view
            y, h, c = LSTMLayer.apply(xt, h0, c0, _v.t(self.kernel), _v.t(self.recurrent_kernel),
                                      bias, None, self.go_backwards)
            seq = _v.transpose(y, 0, 1)
            if self.go_backwards and self.return_sequences:
                seq = _flip_time(seq)
        else:
            seq, h, c = self._steps(x, h0, c0, bias)
        out = seq if self.return_sequences else h
        return [out, h, c] if self.return_state else out

    def _steps(self, x, h, c, bias):
        """The recurrence step by step: z = x_t K + h R + b; i, f, c~, o = split(z);
        c = f c + i act(c~); h = o act(c) (act / recurrent act as configured)."""
        B, T, u = int(x.shape[0]), int(x.shape[1]), self.units
        gx = F.linear(x, _v.t(self.kernel), bias)
        if h is None:
            h = _C.full([B, u], 0.0, x.dtype, x.device)
            c = _C.full([B, u], 0.0, x.dtype, x.device)
        rt = _v.t(self.recurrent_kernel)
        act, ract = self.activation, self.recurrent_activation
        outs = []
        for s in range(T):
            t = T - 1 - s if self.go_backwards else s
            z = _v.select(gx, 1, t) + F.linear(h, rt)
            i, f, g, o = _v.split(z, u, 1)
            c = ract(f) * c + ract(i) * act(g)
            h = ract(o) * act(c)
            outs.append(h)
        return _stack(outs, 1), h, c

    def compute_output_spec(self, inputs, initial_state=None, **kwargs):
        B, T = inputs.shape[0], inputs.shape[1]
        out = KerasTensor((B, T, self.units) if self.return_sequences else (B, self.units))
        if self.return_state:
            return [out, KerasTensor((B, self.units)), KerasTensor((B, self.units))]
        return out
