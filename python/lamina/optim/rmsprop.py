"""RMSprop, torch's update rule, written with in-place elementwise ops (no fused kernel yet)."""
from __future__ import annotations

from .. import _C
from .optimizer import Optimizer, _zeros_like, check_hyper

__all__ = ["RMSprop"]


class RMSprop(Optimizer):
    """g = grad (+ weight_decay p); v = alpha v + (1 - alpha) g^2; centered: m = alpha m +
    (1 - alpha) g and the denominator sqrt(v - m^2) + eps, else sqrt(v) + eps; with momentum:
    buf = momentum buf + g / denom, p -= lr buf; else p -= lr g / denom.

    State per parameter: ``step``, ``square_avg``, ``momentum_buffer`` (momentum > 0) and
    ``grad_avg`` (centered)."""

    def __init__(self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0, momentum=0,
                 centered=False, capturable=False, foreach=None, maximize=False,
                 differentiable=False):
        defaults = dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                        momentum=momentum, centered=centered, capturable=capturable,
                        foreach=foreach, maximize=maximize, differentiable=differentiable)
        super().__init__(params, defaults)

    def _check_group(self, group):
        check_hyper("RMSprop", "learning rate", group["lr"])
        check_hyper("RMSprop", "epsilon value", group["eps"])
        check_hyper("RMSprop", "momentum value", group["momentum"])
        check_hyper("RMSprop", "weight_decay value", group["weight_decay"])
        check_hyper("RMSprop", "alpha value", group["alpha"])
        if group.get("differentiable"):
            raise ValueError("[RMSprop] differentiable=True is not supported")

    def _update(self, group):
        """One update of every parameter of ``group`` that has a gradient."""
        lr, alpha, eps = float(group["lr"]), float(group["alpha"]), float(group["eps"])
        wd, momentum = float(group["weight_decay"]), float(group["momentum"])
        for p, grad, state in self._descent_grads(group):
            if not state:
                state["step"] = 0.0
                state["square_avg"] = _zeros_like(p)
                if momentum > 0:
                    state["momentum_buffer"] = _zeros_like(p)
                if group["centered"]:
                    state["grad_avg"] = _zeros_like(p)
            state["step"] = float(state["step"]) + 1.0
            if wd != 0:
                grad = _C.add(grad, _C.mul(p, wd))
            square_avg = state["square_avg"]
            _C.mul_(square_avg, alpha)
            _C.add_(square_avg, _C.mul(_C.mul(grad, grad), 1.0 - alpha))
            if group["centered"]:
                grad_avg = state["grad_avg"]  # lerp toward g by 1 - alpha
                _C.add_(grad_avg, _C.mul(_C.sub(grad, grad_avg), 1.0 - alpha))
                avg = _C.sqrt(_C.sub(square_avg, _C.mul(grad_avg, grad_avg)))
            else:
                avg = _C.sqrt(square_avg)
            avg = _C.add(avg, eps)
            if momentum > 0:
                buf = state["momentum_buffer"]
                _C.mul_(buf, momentum)
                _C.add_(buf, _C.div(grad, avg))
                _C.sub_(p, _C.mul(buf, lr))
            else:
                _C.sub_(p, _C.mul(_C.div(grad, avg), lr))
