"""``LSTM`` and ``LSTMCell`` with torch's parameter names, layouts, initialisation and call
conventions. Each layer and direction of ``LSTM`` is one autograd node (autograd/functions/lstm.py: the time
loop and its BPTT run in C++); ``LSTMCell`` is one node per step (two matmuls + the fused
cell). ``proj_size > 0`` (LSTM with projections) runs a per-step composition of lamina ops:
correct and differentiable, but not the fused path."""
from __future__ import annotations

import math
import numbers
import warnings

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt
from ..autograd.functions import views as _v
from ..autograd.functions.index import cat as _cat
from ..autograd.functions.index import stack as _stack
from ..autograd.functions.lstm import LSTMCellFn, LSTMLayer
from ..functional.dropout import dropout as _dropout
from ..functional.linear import linear as _linear
from . import init
from .module import Module
from .parameter import Parameter

Tensor = _C.Tensor

__all__ = ["LSTM", "LSTMCell"]


def _positive_int(op, name, n, allow_zero=False):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0 or (n == 0 and not allow_zero):
        kind = "non-negative" if allow_zero else "positive"
        raise ValueError(f"[{op}] {name} must be a {kind} integer, got {n!r}")
    return n


def _shape(t):
    return tuple(int(s) for s in t.shape)


def _check_input(op, input, input_size, dtype, device):
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina tensor input, got {type(input).__name__}")
    if input.ndim not in (2, 3):
        raise ValueError(f"[{op}] expected input of size (T, B, {input_size}), (B, T, "
                         f"{input_size}) or (T, {input_size}) (2-D or 3-D), got {_shape(input)}")
    if input.shape[-1] != input_size:
        raise ValueError(f"[{op}] expected input of size (*, {input_size}) (input_size="
                         f"{input_size}), got {_shape(input)}")
    if input.dtype != dtype:
        raise TypeError(f"[{op}] input dtype {input.dtype} and parameter dtype {dtype} differ; "
                        "convert one (e.g. model.to(x.dtype) or x.float())")
    if input.device != device:
        raise ValueError(f"[{op}] input is on {input.device} but the parameters are on {device}")


def _check_state(op, name, t, shape, dtype, device):
    if not isinstance(t, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got {type(t).__name__}")
    if _shape(t) != tuple(shape):
        raise ValueError(f"[{op}] expected {name} of size {tuple(shape)}, got {_shape(t)}")
    if t.dtype != dtype:
        raise TypeError(f"[{op}] expected {name} of dtype {dtype} (the input's), got {t.dtype}")
    if t.device != device:
        raise ValueError(f"[{op}] expected {name} on {device} (the input's device), got "
                         f"{t.device}")


def _time_major(op, module, input):
    """The checked input of a recurrent layer as (x (T, B, I), batched, T, B): unbatched
    (T, I) gets B = 1, batch_first (B, T, I) is transposed (a view)."""
    w0 = module.weight_ih_l0
    _check_input(op, input, module.input_size, w0.dtype, w0.device)
    batched = input.ndim == 3
    x = input if batched else _v.unsqueeze(input, 1)
    if batched and module.batch_first:
        x = _v.transpose(x, 0, 1)
    T, B = int(x.shape[0]), int(x.shape[1])
    if T == 0:
        raise ValueError(f"[{op}] expected a non-empty sequence, got input of size "
                         f"{_shape(input)}")
    return x, batched, T, B


class LSTM(Module):
    """``LSTM(input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0,
    bidirectional=False, proj_size=0, device=None, dtype=None)``.

    forward(input, (h_0, c_0)=None) -> (output, (h_n, c_n)) with torch's shapes: input (T, B, I)
    ((B, T, I) with batch_first, or unbatched (T, I)); h_0, h_n (L * D, B, H_out) and c_0, c_n
    (L * D, B, H) (unbatched: without B); output (T, B, D * H_out). Parameters per layer k and
    direction ('' or '_reverse'): weight_ih_l{k} (4H, in), weight_hh_l{k} (4H, H_out),
    bias_ih_l{k}, bias_hh_l{k} (4H,), weight_hr_l{k} (proj_size, H) when proj_size > 0; gates
    in the order i, f, g, o; all initialised U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, num_layers=1, bias=True, batch_first=False,
                 dropout=0.0, bidirectional=False, proj_size=0, device=None, dtype=None):
        super().__init__()
        op = "LSTM"
        self.input_size = _positive_int(op, "input_size", input_size, allow_zero=True)
        self.hidden_size = _positive_int(op, "hidden_size", hidden_size)
        self.num_layers = _positive_int(op, "num_layers", num_layers)
        self.proj_size = _positive_int(op, "proj_size", proj_size, allow_zero=True)
        if (isinstance(dropout, bool) or not isinstance(dropout, numbers.Real)
                or not 0 <= dropout <= 1):
            raise ValueError(f"[{op}] dropout should be a number in range [0, 1] representing the "
                             f"probability of an element being zeroed, got {dropout!r}")
        if proj_size >= hidden_size:
            raise ValueError(f"[{op}] proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size}, hidden_size={hidden_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn("dropout option adds dropout after all but last recurrent layer, so "
                          "non-zero dropout expects num_layers greater than 1, but got "
                          f"dropout={dropout} and num_layers={num_layers}")
        self.bias = bool(bias)
        self.batch_first = bool(batch_first)
        self.dropout = float(dropout)
        self.bidirectional = bool(bidirectional)
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[{op}] dtype must be floating, got {dtype}")
        H, D = hidden_size, 2 if bidirectional else 1
        real_h = proj_size if proj_size > 0 else H
        self._flat_weights_names = []
        self._all_weights = []
        for layer in range(num_layers):
            layer_in = input_size if layer == 0 else real_h * D
            for d in range(D):
                sfx = "_reverse" if d == 1 else ""
                shapes = [(f"weight_ih_l{layer}{sfx}", (4 * H, layer_in)),
                          (f"weight_hh_l{layer}{sfx}", (4 * H, real_h))]
                if self.bias:
                    shapes += [(f"bias_ih_l{layer}{sfx}", (4 * H,)),
                               (f"bias_hh_l{layer}{sfx}", (4 * H,))]
                if proj_size > 0:
                    shapes.append((f"weight_hr_l{layer}{sfx}", (proj_size, H)))
                for name, shape in shapes:
                    setattr(self, name, Parameter(_creation.empty(*shape, dtype=dtype,
                                                                  device=device)))
                self._flat_weights_names.extend(n for n, _ in shapes)
                self._all_weights.append([n for n, _ in shapes])
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    @property
    def _flat_weights(self):
        return [getattr(self, n) for n in self._flat_weights_names]

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def _weights(self, layer, d):
        sfx = "_reverse" if d == 1 else ""
        g = lambda n: getattr(self, f"{n}_l{layer}{sfx}")  # noqa: E731
        b_ih, b_hh = (g("bias_ih"), g("bias_hh")) if self.bias else (None, None)
        w_hr = g("weight_hr") if self.proj_size > 0 else None
        return g("weight_ih"), g("weight_hh"), b_ih, b_hh, w_hr

    def forward(self, input, hx=None):
        op = "lstm"
        x, batched, T, B = _time_major(op, self, input)
        D, L, H = (2 if self.bidirectional else 1), self.num_layers, self.hidden_size
        h_out = self.proj_size if self.proj_size > 0 else H
        h0 = c0 = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"[{op}] expected hx to be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            h0, c0 = hx
            lead = (L * D, B) if batched else (L * D,)
            _check_state(op, "h_0", h0, lead + (h_out,), input.dtype, input.device)
            _check_state(op, "c_0", c0, lead + (H,), input.dtype, input.device)
            if not batched:
                h0, c0 = _v.unsqueeze(h0, 1), _v.unsqueeze(c0, 1)
        hns, cns = [], []
        for layer in range(L):
            ys = []
            for d in range(D):
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(layer, d)
                k = layer * D + d
                hk = None if h0 is None else _v.select(h0, 0, k)
                ck = None if c0 is None else _v.select(c0, 0, k)
                if w_hr is None:
                    y, hn, cn = LSTMLayer.apply(x, hk, ck, w_ih, w_hh, b_ih, b_hh, d == 1)
                else:
                    y, hn, cn = _proj_layer(x, hk, ck, w_ih, w_hh, b_ih, b_hh, w_hr, d == 1)
                ys.append(y)
                hns.append(hn)
                cns.append(cn)
            x = ys[0] if D == 1 else _cat(ys, 2)
            if self.dropout > 0 and self.training and layer < L - 1:
                x = _dropout(x, self.dropout, True)
        h_n, c_n = _stack(hns, 0), _stack(cns, 0)
        out = x
        if batched and self.batch_first:
            out = _v.transpose(out, 0, 1)
        if not batched:
            out = _v.squeeze(out, 1)
            h_n, c_n = _v.squeeze(h_n, 1), _v.squeeze(c_n, 1)
        return out, (h_n, c_n)

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.proj_size != 0:
            s += f", proj_size={self.proj_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        if self.batch_first is not False:
            s += f", batch_first={self.batch_first}"
        if self.dropout != 0:
            s += f", dropout={self.dropout}"
        if self.bidirectional is not False:
            s += f", bidirectional={self.bidirectional}"
        return s


def _proj_layer(x, h0, c0, w_ih, w_hh, b_ih, b_hh, w_hr, reverse):
    """One direction of an LSTM layer with projections, step by step from lamina ops:
    gates = x_t W_ih^T + b_ih + h W_hh^T + b_hh; c = f c + i g; h = (o tanh(c)) W_hr^T."""
    T, B = int(x.shape[0]), int(x.shape[1])
    H, P = int(w_hh.shape[0]) // 4, int(w_hr.shape[0])
    gx = _linear(x, w_ih, b_ih)
    h = h0 if h0 is not None else _creation.zeros(B, P, dtype=x.dtype, device=x.device)
    c = c0 if c0 is not None else _creation.zeros(B, H, dtype=x.dtype, device=x.device)
    outs = [None] * T
    for s in range(T):
        t = T - 1 - s if reverse else s
        gates = _v.select(gx, 0, t) + _linear(h, w_hh, b_hh)
        i, f, g, o = _v.split(gates, H, 1)
        c = i.sigmoid() * g.tanh() + f.sigmoid() * c
        h = _linear(o.sigmoid() * c.tanh(), w_hr)
        outs[t] = h
    return _stack(outs, 0), h, c


class LSTMCell(Module):
    """``LSTMCell(input_size, hidden_size, bias=True, device=None, dtype=None)``.

    forward(input (B, I) or (I,), (h, c) = None) -> (h', c') of (B, H) (or (H,)). Parameters
    weight_ih (4H, I), weight_hh (4H, H), bias_ih, bias_hh (4H,), U(-1/sqrt(H), 1/sqrt(H))."""

    def __init__(self, input_size, hidden_size, bias=True, device=None, dtype=None):
        super().__init__()
        op = "LSTMCell"
        self.input_size = _positive_int(op, "input_size", input_size, allow_zero=True)
        self.hidden_size = _positive_int(op, "hidden_size", hidden_size)
        self.bias = bool(bias)
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[{op}] dtype must be floating, got {dtype}")
        H = hidden_size
        self.weight_ih = Parameter(_creation.empty(4 * H, input_size, dtype=dtype, device=device))
        self.weight_hh = Parameter(_creation.empty(4 * H, H, dtype=dtype, device=device))
        if self.bias:
            self.bias_ih = Parameter(_creation.empty(4 * H, dtype=dtype, device=device))
            self.bias_hh = Parameter(_creation.empty(4 * H, dtype=dtype, device=device))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self):
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0.0
        for w in self.parameters():
            init.uniform_(w, -stdv, stdv)

    def forward(self, input, hx=None):
        op = "lstm_cell"
        w = self.weight_ih
        if not isinstance(input, Tensor):
            raise TypeError(f"[{op}] expected a lamina tensor input, got {type(input).__name__}")
        if input.ndim not in (1, 2):
            raise ValueError(f"[{op}] expected input of size (B, {self.input_size}) or "
                             f"({self.input_size},) (1-D or 2-D), got {_shape(input)}")
        if input.shape[-1] != self.input_size:
            raise ValueError(f"[{op}] expected input of size (*, {self.input_size}) (input_size="
                             f"{self.input_size}), got {_shape(input)}")
        if input.dtype != w.dtype:
            raise TypeError(f"[{op}] input dtype {input.dtype} and parameter dtype {w.dtype} "
                            "differ; convert one (e.g. model.to(x.dtype) or x.float())")
        if input.device != w.device:
            raise ValueError(f"[{op}] input is on {input.device} but the parameters are on "
                             f"{w.device}")
        batched = input.ndim == 2
        x = input if batched else _v.unsqueeze(input, 0)
        h = c = None
        if hx is not None:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"[{op}] expected hx to be a tuple (h, c), got "
                                f"{type(hx).__name__}")
            h, c = hx
            shape = (int(x.shape[0]), self.hidden_size) if batched else (self.hidden_size,)
            _check_state(op, "h", h, shape, input.dtype, input.device)
            _check_state(op, "c", c, shape, input.dtype, input.device)
            if not batched:
                h, c = _v.unsqueeze(h, 0), _v.unsqueeze(c, 0)
        h1, c1 = LSTMCellFn.apply(x, h, c, self.weight_ih, self.weight_hh, self.bias_ih,
                                  self.bias_hh)
        if not batched:
            h1, c1 = _v.squeeze(h1, 0), _v.squeeze(c1, 0)
        return h1, c1

    def extra_repr(self):
        s = f"{self.input_size}, {self.hidden_size}"
        if self.bias is not True:
            s += f", bias={self.bias}"
        return s
