"""Keras 3 optimizers with Keras's defaults and update rules: SGD, Adam, RMSprop.

SGD and Adam reuse lamina.optim's fused kernels where the math is Keras's:

* SGD: Keras keeps m = momentum m - lr g and adds it (nesterov: momentum m - lr g); torch
  keeps buf = momentum buf + g and subtracts lr buf (nesterov: lr (g + momentum buf)). With
  a constant lr per step these are the same update (m = -lr buf), so lamina.optim.SGD runs.
* Adam: Keras divides by sqrt(v) + eps and scales by lr sqrt(1 - b2^t) / (1 - b1^t); torch
  divides by sqrt(v) / sqrt(1 - b2^t) + eps. Both agree when torch's eps is Keras's eps /
  sqrt(1 - b2^t), so each step sets that eps on lamina.optim.Adam's fused kernel.
* RMSprop is Keras's own (not torch's): eps sits inside the square root,
  p -= lr g / sqrt(v + eps), so it is written here with in-place tensor ops.

Gradients are read from ``p.grad`` (Model.fit's backward fills them); ``apply_gradients``
takes (gradient, variable) pairs as Keras does. weight_decay, clipnorm, clipvalue, EMA and
learning-rate schedule objects are not supported (a callable of the step is)."""
from __future__ import annotations

import math

from .. import _C
from .. import optim as _optim
from ..autograd.grad_mode import no_grad


class Optimizer:
    def __init__(self, learning_rate=0.001, weight_decay=None, clipnorm=None, clipvalue=None,
                 global_clipnorm=None, use_ema=False, name=None, **kwargs):
        if weight_decay or clipnorm or clipvalue or global_clipnorm or use_ema:
            raise NotImplementedError(f"[{type(self).__name__}] weight_decay, clipnorm, "
                                      "clipvalue, global_clipnorm and use_ema are not supported")
        kwargs.pop("loss_scale_factor", None)
        kwargs.pop("gradient_accumulation_steps", None)
        if kwargs:
            raise TypeError(f"[{type(self).__name__}] unexpected arguments {sorted(kwargs)}")
        self.learning_rate = learning_rate
        self.name = name or type(self).__name__.lower()
        self.iterations = 0
        self._inner = None
        self._ids = None

    def _lr(self):
        lr = self.learning_rate
        return float(lr(self.iterations) if callable(lr) else lr)

    def _make(self, params):
        raise NotImplementedError

    def _step(self, params, lr):
        self._inner.param_groups[0]["lr"] = lr
        self._inner.step()

    def apply(self, params):
        """One update of every parameter in ``params`` holding a gradient."""
        params = [p for p in params if p.grad is not None]
        if not params:
            return
        ids = tuple(id(p) for p in params)
        if ids != self._ids:
            self._inner, self._ids = self._make(params), ids
        self._step(params, self._lr())
        self.iterations += 1

    def apply_gradients(self, grads_and_vars):
        pairs = list(grads_and_vars)
        for g, p in pairs:
            p.grad = g
        self.apply([p for _, p in pairs])

    def get_config(self):
        return {"name": self.name, "learning_rate": self.learning_rate}


class SGD(Optimizer):
    """``SGD(learning_rate=0.01, momentum=0.0, nesterov=False)``."""

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        if not 0 <= momentum <= 1:
            raise ValueError(f"[SGD] momentum must be in [0, 1], got {momentum!r}")
        self.momentum, self.nesterov = float(momentum), bool(nesterov)

    def _make(self, params):
        return _optim.SGD(params, lr=self._lr(), momentum=self.momentum,
                          nesterov=self.nesterov and self.momentum > 0)


class Adam(Optimizer):
    """``Adam(learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False)``."""

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
                 amsgrad=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.beta_1, self.beta_2, self.epsilon = float(beta_1), float(beta_2), float(epsilon)
        self.amsgrad = bool(amsgrad)

    def _make(self, params):
        return _optim.Adam(params, lr=self._lr(), betas=(self.beta_1, self.beta_2),
                           eps=self.epsilon, amsgrad=self.amsgrad)

    def _step(self, params, lr):
        t = self.iterations + 1
        group = self._inner.param_groups[0]
        group["lr"] = lr
        group["eps"] = self.epsilon / math.sqrt(1.0 - self.beta_2 ** t)  # Keras's eps placement
        self._inner.step()


class RMSprop(Optimizer):
    """``RMSprop(learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False)``:
    v = rho v + (1 - rho) g^2; (centered: a = rho a + (1 - rho) g, v - a^2); increment =
    lr g / sqrt(v + eps); with momentum m = momentum m + increment, p -= m; else
    p -= increment."""

    def __init__(self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7,
                 centered=False, **kwargs):
        super().__init__(learning_rate, **kwargs)
        self.rho, self.momentum = float(rho), float(momentum)
        self.epsilon, self.centered = float(epsilon), bool(centered)

    def _make(self, params):
        def zeros(p):
            return _C.full(list(p.shape), 0.0, p.dtype, p.device)
        return {id(p): {"velocity": zeros(p),
                        "momentum": zeros(p) if self.momentum > 0 else None,
                        "average_gradient": zeros(p) if self.centered else None}
                for p in params}

    @no_grad()
    def _step(self, params, lr):
        rho = self.rho
        for p in params:
            s = self._inner[id(p)]
            g = p.grad
            v = s["velocity"]
            v.mul_(rho).addcmul_(g, g, value=1.0 - rho)
            if self.centered:
                a = s["average_gradient"]
                a.mul_(rho).add_(g * (1.0 - rho))
                denom = v - a * a + self.epsilon
            else:
                denom = v + self.epsilon
            inc = (g * lr) / denom.sqrt()
            if self.momentum > 0:
                m = s["momentum"]
                m.mul_(self.momentum).add_(inc)
                p.sub_(m)
            else:
                p.sub_(inc)


_BY_NAME = {"sgd": SGD, "adam": Adam, "rmsprop": RMSprop}


def get(identifier):
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str) and identifier.lower() in _BY_NAME:
        return _BY_NAME[identifier.lower()]()
    raise ValueError(f"[optimizers] unknown optimizer {identifier!r}; use 'sgd', 'adam', "
                     "'rmsprop' or an optimizer object")
