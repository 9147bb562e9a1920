"""Adagrad, torch's update rule, written with in-place elementwise ops (no fused kernel yet)."""
from __future__ import annotations

from .. import _C
from .optimizer import Optimizer, check_hyper

__all__ = ["Adagrad"]


class Adagrad(Optimizer):
    """g = grad (+ weight_decay p); clr = lr / (1 + (step - 1) lr_decay); sum += g^2;
    p -= clr g / (sqrt(sum) + eps).

    State per parameter, created with the optimizer as torch does: ``step`` and ``sum``
    (filled with ``initial_accumulator_value``)."""

    def __init__(self, params, lr=1e-2, lr_decay=0, weight_decay=0, initial_accumulator_value=0,
                 eps=1e-10, foreach=None, *, maximize=False, differentiable=False, fused=None):
        defaults = dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, eps=eps,
                        foreach=foreach, maximize=maximize, differentiable=differentiable,
                        fused=fused)
        super().__init__(params, defaults)
        for group in self.param_groups:
            self._check_group(group)
            for p in group["params"]:
                self.state[p] = {"step": 0.0, "sum": _C.full(
                    list(p.shape), float(group["initial_accumulator_value"]), p.dtype, p.device)}

    def _check_group(self, group):
        check_hyper("Adagrad", "learning rate", group["lr"])
        check_hyper("Adagrad", "lr_decay value", group["lr_decay"])
        check_hyper("Adagrad", "weight_decay value", group["weight_decay"])
        check_hyper("Adagrad", "initial_accumulator_value value",
                    group["initial_accumulator_value"])
        check_hyper("Adagrad", "epsilon value", group["eps"])
        if group.get("differentiable"):
            raise ValueError("[Adagrad] differentiable=True is not supported")

    def _update(self, group):
        """One update of every parameter of ``group`` that has a gradient."""
        wd, eps = float(group["weight_decay"]), float(group["eps"])
        for p, grad, state in self._descent_grads(group):
            if "sum" not in state:  # a parameter group added after construction
                state["step"] = 0.0
                state["sum"] = _C.full(list(p.shape), float(group["initial_accumulator_value"]),
                                       p.dtype, p.device)
            state["step"] = step = float(state["step"]) + 1.0
            if wd != 0:
                grad = _C.add(grad, _C.mul(p, wd))
            clr = float(group["lr"]) / (1.0 + (step - 1.0) * float(group["lr_decay"]))
            _C.add_(state["sum"], _C.mul(grad, grad))
            std = _C.add(_C.sqrt(state["sum"]), eps)
            _C.sub_(p, _C.mul(_C.div(grad, std), clr))
