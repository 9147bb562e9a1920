"""FullyConnected, Activation, Dropout and Flatten with MXNet 1.x's parameters and defaults.

FullyConnected is lamina's linear (weight (num_hidden, in), MXNet's layout too); with
``flatten=True`` (the default) the data is reshaped to (N, -1) first, else the last axis is
contracted. softrelu and softsign are Functions of their own (one stable formula each way)."""
from __future__ import annotations

import math

from ... import _C
from ...autograd.function import Function
from ...autograd.functions import views as _v
from ...functional.dropout import dropout as _dropout
from ...functional.linear import linear as _linear
from ._base import Op, as_bool, as_choice, as_float, as_int, fail, register


@register
class FullyConnected(Op):
    name = "FullyConnected"
    defaults = dict(num_hidden=None, no_bias=False, flatten=True)

    def _parse(self, p):
        if p["num_hidden"] is None:
            fail(self.name, "num_hidden is required")
        self.num_hidden = as_int(self.name, "num_hidden", p["num_hidden"], minimum=1)
        self.no_bias = as_bool(self.name, "no_bias", p["no_bias"])
        self.flatten = as_bool(self.name, "flatten", p["flatten"])

    def arguments(self):
        return ("data", "weight") if self.no_bias else ("data", "weight", "bias")

    def infer(self, s):
        if len(s) < 1 or (self.flatten and len(s) < 2):
            fail(self.name, f"expected data with at least {2 if self.flatten else 1} dims, "
                            f"got shape {tuple(s)}")
        if self.flatten:
            k, out = math.prod(s[1:]), (s[0], self.num_hidden)
        else:
            k, out = s[-1], tuple(s[:-1]) + (self.num_hidden,)
        args = ((self.num_hidden, k),) + (() if self.no_bias else ((self.num_hidden,),))
        return args, out, ()

    def forward(self, inputs, aux, is_train):
        x, w = inputs[0], inputs[1]
        b = None if self.no_bias else inputs[2]
        if self.flatten and x.ndim != 2:
            x = _v.reshape(x, x.shape[0], -1)
        return _linear(x, w, b)


class _SoftReLU(Function):
    """log(1 + exp(x)) as max(x, 0) + log1p(exp(-|x|)); d/dx = sigmoid(x)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return _C.add(_C.relu(x), _C.log1p(_C.exp(_C.neg(_C.abs(x)))))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return _C.mul(g, _C.sigmoid(x))


class _SoftSign(Function):
    """x / (1 + |x|); d/dx = 1 / (1 + |x|)^2."""

    @staticmethod
    def forward(ctx, x):
        d = _C.add(_C.abs(x), 1.0)
        ctx.save_for_backward(d)
        return _C.div(x, d)

    @staticmethod
    def backward(ctx, g):
        (d,) = ctx.saved_tensors
        return _C.div(g, _C.mul(d, d))


_ACTS = {
    "relu": lambda x: x.relu(),
    "sigmoid": lambda x: x.sigmoid(),
    "tanh": lambda x: x.tanh(),
    "softrelu": _SoftReLU.apply,
    "softsign": _SoftSign.apply,
}


@register
class Activation(Op):
    name = "Activation"
    defaults = dict(act_type=None)

    def _parse(self, p):
        self.act_type = as_choice(self.name, "act_type", p["act_type"], tuple(_ACTS))
        self._fn = _ACTS[self.act_type]

    def forward(self, inputs, aux, is_train):
        return self._fn(inputs[0])


@register
class Dropout(Op):
    """Inverted dropout: kept elements scaled by 1 / (1 - p). mode='training' drops only in
    training (inside ``autograd.record()``, or Module's forward with is_train); 'always'
    drops in inference too."""
    name = "Dropout"
    defaults = dict(p=0.5, mode="training", axes=())

    def _parse(self, p):
        self.p = as_float(self.name, "p", p["p"])
        if not 0.0 <= self.p < 1.0:
            fail(self.name, f"p must be in [0, 1), got {self.p}")
        self.mode = as_choice(self.name, "mode", p["mode"], ("training", "always"))
        if p["axes"] not in ((), None, "()", []):
            fail(self.name, "axes (variational dropout) is not supported")

    def forward(self, inputs, aux, is_train):
        return _dropout(inputs[0], self.p, is_train or self.mode == "always")


@register
class Flatten(Op):
    name = "Flatten"
    defaults = {}

    def infer(self, s):
        if len(s) < 1:
            fail(self.name, "expected data with at least 1 dim")
        return (), (s[0], math.prod(s[1:])), ()

    def forward(self, inputs, aux, is_train):
        x = inputs[0]
        return _v.reshape(x, x.shape[0], -1)
