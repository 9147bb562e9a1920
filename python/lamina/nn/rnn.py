"""``GRU``, ``GRUCell``, ``RNN`` and ``RNNCell`` with torch's parameter names, layouts,
initialisation and call conventions. The input projection of a whole sequence is one GEMM;
then per step the recurrent GEMM and, for the GRU, the fused cell (autograd/functions/gru.py,
one kernel each way), for the RNN tanh or relu of the sum. The time loop runs in Python (the
LSTM's runs in C++)."""
from __future__ import annotations

import math
import numbers
import warnings

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt
from ..autograd.functions import views as _v
from ..autograd.functions.gru import GRUCellFn
from ..autograd.functions.index import cat as _cat
from ..autograd.functions.index import stack as _stack
from ..functional.dropout import dropout as _dropout
from ..functional.linear import linear as _linear
from . import init
from .lstm import _check_input, _check_state, _positive_int, _shape
from .module import Module
from .parameter import Parameter

Tensor = _C.Tensor

__all__ = ["GRU", "GRUCell", "RNN", "RNNCell"]

_GATES = {"GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def _step(mode, gx, h, w_hh, b_hh):
    """One time step from gx = x W_ih^T + b_ih (B, G * H) and h (B, H)."""
    gh = _linear(h, w_hh, b_hh)
    if mode == "GRU":
        return GRUCellFn.apply(gx, gh, h)
    s = gx + gh
    return s.tanh() if mode == "RNN_TANH" else s.relu()


def _params(module, op, shapes, dtype, device):
    dtype = _dt.resolve(dtype, _dt.float32)
    if not dtype.is_floating_point:
        raise TypeError(f"[{op}] dtype must be floating, got {dtype}")
    for name, shape in shapes:
        setattr(module, name, Parameter(_creation.empty(*shape, dtype=dtype, device=device)))


def _reset(module):
    stdv = 1.0 / math.sqrt(module.hidden_size) if module.hidden_size > 0 else 0.0
    for w in module.parameters():
        init.uniform_(w, -stdv, stdv)


class _RNNBase(Module):
    mode = "GRU"

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, device=None, dtype=None):
        super().__init__()
        op = type(self).__name__
        self.input_size = _positive_int(op, "input_size", input_size, allow_zero=True)
        self.hidden_size = _positive_int(op, "hidden_size", hidden_size)
        self.num_layers = _positive_int(op, "num_layers", num_layers)
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
                or not 0 <= dropout <= 1):
            raise ValueError(f"[{op}] dropout must be a number in [0, 1], got {dropout!r}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        self.bias, self.batch_first = bool(bias), bool(batch_first)
        self.dropout, self.bidirectional = float(dropout), bool(bidirectional)
        G, H, D = _GATES[self.mode], hidden_size, 2 if bidirectional else 1
        shapes = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else H * D
            for d in range(D):
                sfx = "_reverse" if d == 1 else ""
                shapes += [(f"weight_ih_l{layer}{sfx}", (G * H, layer_in)),
                           (f"weight_hh_l{layer}{sfx}", (G * H, H))]
                if self.bias:
                    shapes += [(f"bias_ih_l{layer}{sfx}", (G * H,)),
                               (f"bias_hh_l{layer}{sfx}", (G * H,))]
        _params(self, op, shapes, dtype, device)
        self._flat_weights_names = [n for n, _ in shapes]
        self.reset_parameters()

    def reset_parameters(self):
        _reset(self)

    def _weights(self, layer, d):
        sfx = "_reverse" if d == 1 else ""
        g = lambda n: getattr(self, f"{n}_l{layer}{sfx}")  # noqa: E731
        b_ih, b_hh = (g("bias_ih"), g("bias_hh")) if self.bias else (None, None)
        return g("weight_ih"), g("weight_hh"), b_ih, b_hh

    def _layer(self, x, h, w_ih, w_hh, b_ih, b_hh, reverse):
        T, B = int(x.shape[0]), int(x.shape[1])
        gx = _linear(x.reshape(T * B, int(x.shape[2])), w_ih, b_ih).reshape(T, B, -1)
        ys = [None] * T
        for t in (range(T - 1, -1, -1) if reverse else range(T)):
            h = _step(self.mode, _v.select(gx, 0, t), h, w_hh, b_hh)
            ys[t] = h
        return _stack(ys, 0), h

    def forward(self, input, hx=None):
        op = self.mode.lower().split("_")[0]
        w0 = self.weight_ih_l0
        _check_input(op, input, self.input_size, w0.dtype, w0.device)
        batched = input.ndim == 3
        x = input if batched else _v.unsqueeze(input, 1)
        if batched and self.batch_first:
            x = _v.transpose(x, 0, 1)
        T, B = int(x.shape[0]), int(x.shape[1])
        if T == 0:
            raise ValueError(f"[{op}] expected a non-empty sequence, got input of size "
                             f"{_shape(input)}")
        D, L, H = (2 if self.bidirectional else 1), self.num_layers, self.hidden_size
        if hx is None:
            h0 = _creation.zeros(L * D, B, H, dtype=input.dtype, device=input.device)
        else:
            lead = (L * D, B) if batched else (L * D,)
            _check_state(op, "hx", hx, lead + (H,), input.dtype, input.device)
            h0 = hx if batched else _v.unsqueeze(hx, 1)
        hns = []
        for layer in range(L):
            ys = []
            for d in range(D):
                y, hn = self._layer(x, _v.select(h0, 0, layer * D + d), *self._weights(layer, d),
                                    d == 1)
                ys.append(y)
                hns.append(hn)
            x = ys[0] if D == 1 else _cat(ys, 2)
            if self.dropout > 0 and self.training and layer < L - 1:
                x = _dropout(x, self.dropout, True)
        h_n, out = _stack(hns, 0), x
        if batched and self.batch_first:
            out = _v.transpose(out, 0, 1)
        if not batched:
            out, h_n = _v.squeeze(out, 1), _v.squeeze(h_n, 1)
        return out, h_n

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class GRU(_RNNBase):
    """``GRU(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, device=None, dtype=None)``: forward(input, h_0=None) -> (output, h_n)
    with torch's shapes; weight_ih_l{k} (3H, in), weight_hh_l{k} (3H, H), gates r, z, n."""
    mode = "GRU"


class RNN(_RNNBase):
    """``RNN(input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True,
    batch_first=False, dropout=0.0, bidirectional=False)``: h' = act(x W_ih^T + b_ih +
    h W_hh^T + b_hh)."""

    def __init__(self, input_size, hidden_size, num_layers=1, nonlinearity="tanh", bias=True,
                 batch_first=False, dropout=0.0, bidirectional=False, device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"[RNN] unknown nonlinearity {nonlinearity!r}: 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, num_layers, bias, batch_first, dropout,
                         bidirectional, device, dtype)


class _CellBase(Module):
    mode = "GRU"

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        op = type(self).__name__
        self.input_size = _positive_int(op, "input_size", input_size, allow_zero=True)
        self.hidden_size = _positive_int(op, "hidden_size", hidden_size)
        self.bias = bool(bias)
        GH = _GATES[self.mode] * hidden_size
        shapes = [("weight_ih", (GH, input_size)), ("weight_hh", (GH, hidden_size))]
        if self.bias:
            shapes += [("bias_ih", (GH,)), ("bias_hh", (GH,))]
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        _params(self, op, shapes, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        _reset(self)

    def forward(self, input, hx=None):
        op = self.mode.lower().split("_")[0] + "_cell"
        w = self.weight_ih
        if not isinstance(input, Tensor) or input.ndim not in (1, 2):
            raise ValueError(f"[{op}] expected a 1-D or 2-D lamina tensor input, got "
                             f"{getattr(input, 'shape', type(input).__name__)}")
        _check_input(op, input.unsqueeze(0) if input.ndim == 1 else input, self.input_size,
                     w.dtype, w.device)
        batched = input.ndim == 2
        x = input if batched else _v.unsqueeze(input, 0)
        B = int(x.shape[0])
        if hx is None:
            h = _creation.zeros(B, self.hidden_size, dtype=input.dtype, device=input.device)
        else:
            shape = (B, self.hidden_size) if batched else (self.hidden_size,)
            _check_state(op, "hx", hx, shape, input.dtype, input.device)
            h = hx if batched else _v.unsqueeze(hx, 0)
        out = _step(self.mode, _linear(x, self.weight_ih, self.bias_ih), h, self.weight_hh,
                    self.bias_hh)
        return out if batched else _v.squeeze(out, 0)

    def extra_repr(self):
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")


class GRUCell(_CellBase):
    """``GRUCell(input_size, hidden_size, bias=True)``: forward(input, hx=None) -> h'."""
    mode = "GRU"


class RNNCell(_CellBase):
    """``RNNCell(input_size, hidden_size, bias=True, nonlinearity='tanh')``."""

    def __init__(self, input_size, hidden_size, bias=True, nonlinearity="tanh", device=None,
                 dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"[RNNCell] unknown nonlinearity {nonlinearity!r}: 'tanh' or 'relu'")
        self.nonlinearity = nonlinearity
        self.mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype)
