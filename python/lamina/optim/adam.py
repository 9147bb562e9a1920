"""Adam and AdamW (amsgrad optional), torch's update rule: each parameter is updated by one
fused kernel (``_C.adam_step``) given the step's bias corrections, computed here in double."""
from __future__ import annotations

from .. import _C
from .optimizer import Optimizer, _zeros_like, check_hyper

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """m = beta1 m + (1 - beta1) g; v = beta2 v + (1 - beta2) g^2 (amsgrad: running max of v);
    p -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).

    ``weight_decay`` adds weight_decay * p to g (L2), or with ``decoupled_weight_decay`` (AdamW)
    multiplies p by 1 - lr * weight_decay first. State per parameter: ``step``, ``exp_avg``,
    ``exp_avg_sq`` and (amsgrad) ``max_exp_avg_sq``."""

    _name = "Adam"
    _decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
                 amsgrad=False, *, foreach=None, maximize=False, capturable=False,
                 differentiable=False, fused=None, decoupled_weight_decay=False):
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay,
                        amsgrad=amsgrad, maximize=maximize, foreach=foreach,
                        capturable=capturable, differentiable=differentiable, fused=fused,
                        decoupled_weight_decay=decoupled_weight_decay or self._decoupled)
        super().__init__(params, defaults)

    def _check_group(self, group):
        op = self._name
        check_hyper(op, "learning rate", group["lr"])
        check_hyper(op, "epsilon value", group["eps"])
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"[{op}] betas must be a pair of floats, got {betas!r}")
        check_hyper(op, "beta parameter at index 0", betas[0], 0.0, 1.0, high_open=True)
        check_hyper(op, "beta parameter at index 1", betas[1], 0.0, 1.0, high_open=True)
        check_hyper(op, "weight_decay value", group["weight_decay"])
        if group.get("differentiable"):
            raise ValueError(f"[{op}] differentiable=True is not supported")

    def _update(self, group):
        """One update of every parameter of ``group`` that has a gradient."""
        beta1, beta2 = (float(b) for b in group["betas"])
        amsgrad = bool(group["amsgrad"])
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = self._grad(p)
            state = self.state.setdefault(p, {})
            if not state:
                state["step"] = 0.0
                state["exp_avg"] = _zeros_like(p)
                state["exp_avg_sq"] = _zeros_like(p)
                if amsgrad:
                    state["max_exp_avg_sq"] = _zeros_like(p)
            elif amsgrad and "max_exp_avg_sq" not in state:
                state["max_exp_avg_sq"] = _zeros_like(p)
            state["step"] = step = float(state["step"]) + 1.0
            _C.adam_step(p, grad, state["exp_avg"], state["exp_avg_sq"],
                         state["max_exp_avg_sq"] if amsgrad else None, float(group["lr"]),
                         beta1, beta2, float(group["eps"]), float(group["weight_decay"]),
                         bool(group["decoupled_weight_decay"]), bool(group["maximize"]),
                         1.0 - beta1 ** step, 1.0 - beta2 ** step)


class AdamW(Adam):
    """Adam with decoupled weight decay (p *= 1 - lr * weight_decay before the update);
    torch's default weight_decay of 0.01."""

    _name = "AdamW"
    _decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False, foreach=None, capturable=False,
                 differentiable=False, fused=None):
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, foreach=foreach, maximize=maximize,
                         capturable=capturable, differentiable=differentiable, fused=fused)
