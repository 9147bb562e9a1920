"""``state_dict`` / ``load_state_dict`` for ``Module`` (mixed into it; torch's keys and errors).

Keys are dotted paths (``"0.weight"``, ``"encoder.layers.1.bias"``): parameters, then
persistent buffers, module by module in registration order. Loading accepts lamina tensors,
numpy arrays and torch tensors (taken over by DLPack, or through numpy), casts them to each
parameter's dtype and device, and copies them in place under ``no_grad`` so the Parameter
objects (and any optimizer holding them) stay the same.

Loading is all-or-nothing: every key is checked first, and on an error (a size mismatch, a
value that is not a tensor, or with ``strict`` a missing or unexpected key) a RuntimeError
listing all of them is raised before anything is written."""
from __future__ import annotations

import collections
from collections.abc import Mapping

from .. import _C
from ..autograd.grad_mode import no_grad
from .parameter import Parameter, as_tensor

Tensor = _C.Tensor

__all__ = ["StateDictMixin", "IncompatibleKeys"]


class IncompatibleKeys(collections.namedtuple("IncompatibleKeys",
                                              ["missing_keys", "unexpected_keys"])):
    """What ``load_state_dict`` returns: the keys it expected but did not get, and the keys it
    got but does not know."""

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return super().__repr__()

    __str__ = __repr__


def _shape(t):
    return tuple(int(s) for s in t.shape)


class StateDictMixin:
    """The state_dict half of ``Module``."""

    def _save_to_state_dict(self, destination, prefix, keep_vars):
        for name, p in self._parameters.items():
            if p is not None:
                destination[prefix + name] = p if keep_vars else p.detach()
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                destination[prefix + name] = b if keep_vars else b.detach()

    def state_dict(self, *, destination=None, prefix="", keep_vars=False):
        """An ordered dict from dotted names to tensors sharing the module's storage
        (detached unless ``keep_vars``)."""
        if destination is None:
            destination = collections.OrderedDict()
        self._save_to_state_dict(destination, prefix, keep_vars)
        for name, module in self._modules.items():
            if module is not None:
                module.state_dict(destination=destination, prefix=prefix + name + ".",
                                  keep_vars=keep_vars)
        return destination

    def _local_state(self):
        for name, p in self._parameters.items():
            if p is not None:
                yield name, p, True
        for name, b in self._buffers.items():
            if b is not None and name not in self._non_persistent_buffers_set:
                yield name, b, False

    def _load_from_state_dict(self, state_dict, prefix, expected, missing, errors, plan):
        """Check this module's own entries; queue ``(module, name, is_param, target, value)``
        copies in ``plan``. Subclasses with extra state may override (call super())."""
        for name, target, is_param in self._local_state():
            key = prefix + name
            expected.add(key)
            if key not in state_dict:
                missing.append(key)
                continue
            raw = state_dict[key]
            try:
                value = as_tensor(raw, "load_state_dict")
            except TypeError:
                errors.append(f'while copying the parameter named "{key}", expected a tensor, '
                              f"a numpy array or a torch tensor in the state_dict, got "
                              f"{type(raw).__name__}")
                continue
            if target.ndim == 0 and value.ndim == 1 and value.shape[0] == 1:
                value = value.reshape(())  # torch's allowance for old checkpoints
            if _shape(value) != _shape(target):
                errors.append(f"size mismatch for {key}: copying a param with shape "
                              f"{_shape(value)} from checkpoint, the shape in current model is "
                              f"{_shape(target)}.")
                continue
            plan.append((self, name, is_param, target, value))

    def load_state_dict(self, state_dict, strict=True, assign=False):
        """Copy ``state_dict``'s values into this module's parameters and buffers.

        Returns ``IncompatibleKeys(missing_keys, unexpected_keys)``. With ``strict`` (the
        default), missing or unexpected keys raise a RuntimeError naming them; size mismatches
        raise whatever ``strict`` is. ``assign=True`` makes the loaded tensors the new
        parameters (keeping ``requires_grad``) instead of copying into the existing ones."""
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"[load_state_dict] expected a mapping from names to tensors, got "
                            f"{type(state_dict).__name__}")
        for k in state_dict:
            if not isinstance(k, str):
                raise TypeError(f"[load_state_dict] state_dict keys must be strings, got {k!r}")
        expected, missing, errors, plan = set(), [], [], []
        stack = [("", self)]
        while stack:  # depth first, in registration order (a shared submodule loads per path)
            prefix, module = stack.pop()
            module._load_from_state_dict(state_dict, prefix, expected, missing, errors, plan)
            children = [(prefix + n + ".", m) for n, m in module._modules.items() if m is not None]
            stack.extend(reversed(children))
        unexpected = [k for k in state_dict if k not in expected]
        if strict:
            if unexpected:
                errors.insert(0, "Unexpected key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in unexpected) + ".")
            if missing:
                errors.insert(0, "Missing key(s) in state_dict: " +
                              ", ".join(f'"{k}"' for k in missing) + ".")
        if errors:
            raise RuntimeError(f"[load_state_dict] Error(s) in loading state_dict for "
                               f"{self._get_name()}:\n\t" + "\n\t".join(errors))
        with no_grad():
            for module, name, is_param, target, value in plan:
                value = _C.to(value, target.device, target.dtype, False)
                if assign:
                    if is_param:
                        module._parameters[name] = Parameter(_C.clone(value),
                                                             target.requires_grad)
                    else:
                        module._buffers[name] = _C.clone(value)
                else:
                    target.copy_(value)
        return IncompatibleKeys(missing, unexpected)
