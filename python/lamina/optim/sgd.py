"""SGD with momentum, dampening, Nesterov momentum, weight decay and ``maximize``, torch's
update rule; each parameter is updated by one fused kernel (``_C.sgd_step``)."""
from __future__ import annotations

from .. import _C
from .optimizer import Optimizer, _zeros_like, check_hyper

__all__ = ["SGD"]


class SGD(Optimizer):
    """g = grad (+ weight_decay * p); with momentum: buf = momentum * buf + (1 - dampening) g
    (buf = g on the first step), g = g + momentum * buf (nesterov) or buf; p -= lr * g.

    State per parameter: ``momentum_buffer`` (when momentum != 0)."""

    def __init__(self, params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False,
                 *, maximize=False, foreach=None, differentiable=False, fused=None):
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                        nesterov=nesterov, maximize=maximize, foreach=foreach,
                        differentiable=differentiable, fused=fused)
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("SGD", "learning rate", group["lr"])
        check_hyper("SGD", "momentum value", group["momentum"])
        check_hyper("SGD", "weight_decay value", group["weight_decay"])
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("[SGD] Nesterov momentum requires a momentum and zero dampening")
        if group.get("differentiable"):
            raise ValueError("[SGD] differentiable=True is not supported")

    def _update(self, group):
        """One update of every parameter of ``group`` that has a gradient."""
        momentum = float(group["momentum"])
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = self._grad(p)
            state = self.state.setdefault(p, {})
            buf = state.get("momentum_buffer")
            first = buf is None
            if momentum != 0 and buf is None:
                buf = state["momentum_buffer"] = _zeros_like(p)
            _C.sgd_step(p, grad, buf if momentum != 0 else None, float(group["lr"]),
                        momentum, float(group["dampening"]), float(group["weight_decay"]),
                        bool(group["nesterov"]), bool(group["maximize"]), first)
