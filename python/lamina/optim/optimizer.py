"""``Optimizer``: parameter groups with their own hyperparameters, per-parameter state, and
torch's state_dict format (state keyed by parameter index, groups listing indices).

Subclasses implement ``step`` by calling one fused kernel per parameter (csrc/cpu/optim.cpp)
under ``no_grad``; the kernels update the parameter and its state in place and bump their
versions, so a tensor saved for a pending backward notices the change."""
from __future__ import annotations

import itertools

import numpy as np

from .. import _C
from .. import dtypes as _dt
from ..autograd.grad_mode import enable_grad, no_grad
from ..creation import tensor as _tensor

Tensor = _C.Tensor

__all__ = ["Optimizer", "required"]


class _Required:
    def __repr__(self):
        return "<required parameter>"


required = _Required()


def _zeros_like(p):
    return _C.full(list(p.shape), 0.0, p.dtype, p.device)


def _as_tensor(value, like):
    """A state value from a state_dict as a fresh lamina tensor on ``like``'s device/dtype."""
    if not isinstance(value, Tensor):
        value = _C._from_numpy(np.ascontiguousarray(np.asarray(value)))
    dtype = like.dtype if value.dtype.is_floating_point else value.dtype
    return _C.to(value, like.device, dtype, True)


def check_hyper(op, name, value, low=0.0, high=None, high_open=False):
    """ValueError naming the optimizer unless ``low <= value (<|<=) high``."""
    v = float(value)
    ok = v >= low and (high is None or (v < high if high_open else v <= high))
    if not ok or v != v:
        raise ValueError(f"[{op}] invalid {name}: {value}")


class Optimizer:
    """Base class: ``params`` is an iterable of tensors (or of (name, tensor) pairs), or of
    dicts each holding ``params`` and hyperparameters that override ``defaults``."""

    def __init__(self, params, defaults):
        self.defaults = dict(defaults)
        self.state = {}  # parameter -> dict of state (tensors hash by identity)
        self.param_groups = []
        if isinstance(params, Tensor):
            raise TypeError(f"[{type(self).__name__}] params should be an iterable of Tensors or "
                            f"dicts, got a Tensor")
        groups = list(params)
        if not groups:
            raise ValueError(f"[{type(self).__name__}] optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for g in groups:
            self.add_param_group(g)

    def __repr__(self):
        lines = [type(self).__name__ + " ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k != "params"):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"

    def add_param_group(self, param_group):
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"[{name}] a param group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if isinstance(params, Tensor):
            params = [params]
        elif isinstance(params, set):
            raise TypeError(f"[{name}] parameters need to be organized in ordered collections, "
                            f"but the ordering of tensors in sets will change between runs; "
                            f"use a list instead")
        elif params is None:
            raise ValueError(f"[{name}] a param group needs a 'params' entry")
        params = [p[1] if isinstance(p, tuple) and len(p) == 2 else p for p in params]
        for p in params:
            if not isinstance(p, Tensor):
                raise TypeError(f"[{name}] can only optimize lamina Tensors, got "
                                f"{type(p).__name__}")
            if not p.dtype.is_floating_point:
                raise TypeError(f"[{name}] can only optimize floating tensors, got {p.dtype}")
            if p.grad_fn is not None:
                raise ValueError(f"[{name}] can't optimize a non-leaf Tensor")
        group["params"] = params
        for key, default in self.defaults.items():
            if default is required and key not in group:
                raise ValueError(f"[{name}] parameter group didn't specify a value of required "
                                 f"optimization parameter {key}")
            group.setdefault(key, default)
        self._check_group(group)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        if len({id(p) for p in params}) != len(params) or any(id(p) in seen for p in params):
            raise ValueError(f"[{name}] some parameters appear in more than one parameter group "
                             f"(or twice in one)")
        self.param_groups.append(group)

    def _check_group(self, group):
        """Subclasses validate a group's hyperparameters here."""

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                if set_to_none:
                    p.grad = None
                else:
                    g = p.grad
                    if g.grad_fn is not None or g.requires_grad:
                        g = g.detach()
                        p.grad = g
                    g.zero_()

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient; returns closure()'s loss (the
        closure runs with grad enabled)."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            self._check_group(group)
            self._update(group)
        return loss

    def _update(self, group):
        """Subclasses update the parameters of one group here."""
        raise NotImplementedError

    def _descent_grads(self, group):
        """(parameter, gradient, state) for each parameter of ``group`` that has a gradient,
        the gradient negated under ``maximize``: for the optimizers written as tensor ops."""
        for p in group["params"]:
            if p.grad is None:
                continue
            grad = self._grad(p)
            if group["maximize"]:
                grad = _C.neg(grad)
            yield p, grad, self.state.setdefault(p, {})

    def _grad(self, p):
        """``p.grad`` as the kernels need it: contiguous, in ``p``'s dtype, on its device."""
        g = p.grad
        name = type(self).__name__
        if not isinstance(g, Tensor):
            raise TypeError(f"[{name}] the gradient of a parameter must be a lamina Tensor")
        if g.shape != p.shape:
            raise ValueError(f"[{name}] gradient shape {g.shape} does not match the parameter "
                             f"shape {p.shape}")
        if g.dtype != p.dtype or g.device != p.device:
            g = _C.to(g, p.device, p.dtype, False)
        return g if g.is_contiguous() else _C.contiguous(g)

    # --- state_dict ------------------------------------------------------------------------

    def state_dict(self):
        """``{'state': {index: {...}}, 'param_groups': [{..., 'params': [indices]}]}``; the
        state tensors are the live ones (as in torch), 'step' a 0-d float32 tensor."""
        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            ids = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                ids.append(index[id(p)])
            packed["params"] = ids
            groups.append(packed)
        state = {}
        for p, s in self.state.items():
            if id(p) in index:
                state[index[id(p)]] = {k: (_tensor(float(v), dtype=_dt.float32) if k == "step" else v)
                                      for k, v in s.items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore state and hyperparameters saved by ``state_dict`` (of this optimizer or an
        identically built one; numpy arrays and torch tensors are accepted as values)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or "state" not in state_dict \
                or "param_groups" not in state_dict:
            raise ValueError(f"[{name}.load_state_dict] expected a dict with 'state' and "
                             f"'param_groups'")
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"[{name}.load_state_dict] loaded state dict has {len(saved)} "
                             f"parameter groups, the optimizer has {len(self.param_groups)}")
        for i, (g, s) in enumerate(zip(self.param_groups, saved)):
            if len(g["params"]) != len(s["params"]):
                raise ValueError(f"[{name}.load_state_dict] parameter group {i} has "
                                 f"{len(s['params'])} parameters in the state dict, "
                                 f"{len(g['params'])} in the optimizer")
        id_map = dict(zip(itertools.chain.from_iterable(s["params"] for s in saved),
                          itertools.chain.from_iterable(g["params"] for g in self.param_groups)))
        state = {}
        for key, values in state_dict["state"].items():
            if key not in id_map:
                raise ValueError(f"[{name}.load_state_dict] state for parameter {key}, which no "
                                 f"parameter group lists")
            p = id_map[key]
            state[p] = {k: (float(v.item() if hasattr(v, "item") else v) if k == "step" else
                            _as_tensor(v, p) if v is not None and not isinstance(v, (int, float))
                            else v) for k, v in values.items()}
        self.state = state
        self.param_groups = [dict(s, params=g["params"]) for g, s in zip(self.param_groups, saved)]
