"""``Module``: the base class of every layer, with torch.nn.Module's registration, traversal,
mode, device and state_dict behaviour (names and keys match torch's).

Assigning a ``Parameter``, a ``Module`` or (after ``register_buffer``) a tensor as an attribute
registers it in ``_parameters`` / ``_modules`` / ``_buffers``; ``__getattr__`` finds it there.

``to()`` and friends convert parameters in place: each ``Parameter`` object is repointed at
the converted storage (``Tensor._set_``), so optimizers built before the move keep working, as
in torch. Buffers are replaced."""
from __future__ import annotations

from typing import Iterator

from .. import _C
from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..device import resolve as _dev
from ._state import StateDictMixin
from .parameter import Parameter

Tensor = _C.Tensor

__all__ = ["Module"]


def _addindent(s, n):
    lines = s.split("\n")
    if len(lines) == 1:
        return s
    return lines[0] + "\n" + "\n".join(" " * n + line for line in lines[1:])


def _check_name(op, kind, name):
    if not isinstance(name, str):
        raise TypeError(f"[{op}] {kind} name should be a string, got {type(name).__name__}")
    if name == "" or "." in name:
        raise KeyError(f"[{op}] {kind} name can't be empty or contain \".\", got {name!r}")


def _parse_to(args, kwargs):
    device = kwargs.pop("device", None)
    dtype = kwargs.pop("dtype", None)
    kwargs.pop("non_blocking", None)
    if kwargs:
        raise TypeError(f"[Module.to] unexpected arguments {sorted(kwargs)}")
    for a in args:
        if isinstance(a, Tensor):
            device, dtype = a.device, a.dtype
        elif isinstance(a, (_C.Device, int)) or (isinstance(a, str) and a not in _dt._BY_NAME):
            device = a
        else:
            dtype = a
    device = None if device is None else _dev(device)
    dtype = _dt.resolve(dtype)
    if dtype is not None and not dtype.is_floating_point:
        raise TypeError(f"[Module.to] only floating dtypes are accepted, got {dtype}")
    return device, dtype


class Module(StateDictMixin):
    """Base class for layers: subclass, call ``super().__init__()``, define ``forward``."""

    training: bool

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            raise TypeError(f"[{type(self).__name__}] Module.__init__() takes no arguments, got "
                            f"{len(args)} positional and {sorted(kwargs)} keyword arguments")
        setter = object.__setattr__
        setter(self, "training", True)
        setter(self, "_parameters", {})
        setter(self, "_buffers", {})
        setter(self, "_non_persistent_buffers_set", set())
        setter(self, "_modules", {})

    def forward(self, *args, **kwargs):
        raise NotImplementedError(f"[{self._get_name()}] Module is missing the required "
                                  "\"forward\" function")

    def __call__(self, *args, **kwargs):
        return self.forward(*args, **kwargs)

    # --- registration ----------------------------------------------------------------------

    def _require_init(self, what):
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"[{type(self).__name__}] cannot assign {what} before "
                                 "Module.__init__() call")

    def register_parameter(self, name, param):
        self._require_init("parameters")
        _check_name("register_parameter", "parameter", name)
        if hasattr(self, name) and name not in self._parameters:
            raise KeyError(f"[register_parameter] attribute {name!r} already exists")
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"[register_parameter] cannot assign a {type(param).__name__} object "
                            f"to parameter {name!r} (lamina.nn.Parameter or None required)")
        self._parameters[name] = param

    def register_buffer(self, name, tensor, persistent=True):
        self._require_init("buffers")
        _check_name("register_buffer", "buffer", name)
        if hasattr(self, name) and name not in self._buffers:
            raise KeyError(f"[register_buffer] attribute {name!r} already exists")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"[register_buffer] cannot assign a {type(tensor).__name__} object "
                            f"to buffer {name!r} (a lamina tensor or None required)")
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent_buffers_set.discard(name)
        else:
            self._non_persistent_buffers_set.add(name)

    def add_module(self, name, module):
        self._require_init("child modules")
        _check_name("add_module", "module", name)
        if hasattr(self, name) and name not in self._modules:
            raise KeyError(f"[add_module] attribute {name!r} already exists")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"[add_module] {type(module).__name__} is not a Module subclass")
        self._modules[name] = module

    register_module = add_module

    def get_submodule(self, target):
        mod = self
        for item in target.split(".") if target else []:
            if item not in getattr(mod, "_modules", {}):
                raise AttributeError(f"[get_submodule] {mod._get_name()} has no submodule {item!r}")
            mod = mod._modules[item]
        return mod

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __setattr__(self, name, value):
        d = self.__dict__
        params = d.get("_parameters")
        if isinstance(value, Parameter):
            self._require_init("parameters")
            self._forget(name, keep="_parameters")
            self.register_parameter(name, value)
            return
        if params is not None and name in params:
            if value is not None:
                raise TypeError(f"[{self._get_name()}] cannot assign a {type(value).__name__} "
                                f"object as parameter {name!r} (lamina.nn.Parameter or None "
                                "expected)")
            params[name] = None
            return
        modules = d.get("_modules")
        if isinstance(value, Module):
            self._require_init("child modules")
            self._forget(name, keep="_modules")
            modules[name] = value
            return
        if modules is not None and name in modules:
            if value is not None:
                raise TypeError(f"[{self._get_name()}] cannot assign a {type(value).__name__} "
                                f"object as child module {name!r} (Module or None expected)")
            modules[name] = None
            return
        buffers = d.get("_buffers")
        if buffers is not None and name in buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"[{self._get_name()}] cannot assign a {type(value).__name__} "
                                f"object as buffer {name!r} (a lamina tensor or None expected)")
            buffers[name] = value
            return
        object.__setattr__(self, name, value)

    def _forget(self, name, keep):
        self.__dict__.pop(name, None)
        for store in ("_parameters", "_buffers", "_modules"):
            if store != keep:
                self.__dict__[store].pop(name, None)
        self._non_persistent_buffers_set.discard(name)

    def __delattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                del d[store][name]
                self._non_persistent_buffers_set.discard(name)
                return
        object.__delattr__(self, name)

    def __dir__(self):
        keys = list(super().__dir__())
        keys += list(self._parameters) + list(self._buffers) + list(self._modules)
        return sorted(set(k for k in keys if not k[:1].isdigit()))

    # --- traversal -------------------------------------------------------------------------

    def named_modules(self, memo=None, prefix="", remove_duplicate=True):
        if memo is None:
            memo = set()
        if remove_duplicate:
            if id(self) in memo:
                return
            memo.add(id(self))
        yield prefix, self
        for name, module in self._modules.items():
            if module is None:
                continue
            sub = prefix + ("." if prefix else "") + name
            yield from module.named_modules(memo, sub, remove_duplicate)

    def modules(self) -> Iterator["Module"]:
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        seen = set()
        for name, module in self._modules.items():
            if module is not None and id(module) not in seen:
                seen.add(id(module))
                yield name, module

    def children(self):
        for _, m in self.named_children():
            yield m

    def _named_members(self, get, prefix, recurse, remove_duplicate):
        seen = set()
        mods = (self.named_modules(prefix=prefix, remove_duplicate=remove_duplicate) if recurse
                else [(prefix, self)])
        for mod_prefix, mod in mods:
            for k, v in get(mod):
                if v is None or id(v) in seen:
                    continue
                if remove_duplicate:
                    seen.add(id(v))
                yield mod_prefix + ("." if mod_prefix else "") + k, v

    def named_parameters(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._parameters.items(), prefix, recurse,
                                   remove_duplicate)

    def parameters(self, recurse=True):
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True, remove_duplicate=True):
        return self._named_members(lambda m: m._buffers.items(), prefix, recurse,
                                   remove_duplicate)

    def buffers(self, recurse=True):
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn`` on every submodule (children first) and on self; returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # --- modes and gradients ---------------------------------------------------------------

    def train(self, mode=True):
        if not isinstance(mode, bool):
            raise ValueError(f"[{self._get_name()}.train] training mode is expected to be a bool, "
                             f"got {mode!r}")
        self.training = mode
        for m in self.children():
            m.train(mode)
        return self

    def eval(self):
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:
                with no_grad():
                    p.grad = p.grad.detach()
                    p.grad.zero_()

    # --- device and dtype ------------------------------------------------------------------

    def _apply(self, fn):
        for m in self.children():
            m._apply(fn)
        with no_grad():
            for key, p in self._parameters.items():
                if p is None:
                    continue
                new = fn(p)
                grad = p.grad
                if new is not p:  # repoint the same Parameter object: optimizers keep it
                    p._set_(new.detach())
                if grad is not None:
                    p.grad = fn(grad)
            for key, b in self._buffers.items():
                if b is not None:
                    self._buffers[key] = fn(b)
        return self

    def to(self, *args, **kwargs):
        """``to(device)``, ``to(dtype)`` (floating parameters and buffers only),
        ``to(device, dtype)``, ``to(tensor)``. See the module docstring about identity."""
        device, dtype = _parse_to(args, kwargs)

        def convert(t):
            dt = dtype if dtype is not None and t.dtype.is_floating_point else t.dtype
            return t.to(device if device is not None else t.device, dt)
        return self._apply(convert)

    def cpu(self):
        return self.to("cpu")

    def cuda(self, device=None):
        return self.to("cuda" if device is None else
                       (f"cuda:{device}" if isinstance(device, int) else device))

    def float(self):
        return self.to(_dt.float32)

    def double(self):
        return self.to(_dt.float64)

    # --- repr ------------------------------------------------------------------------------

    def _get_name(self):
        return type(self).__name__

    def extra_repr(self):
        """One line (or several) describing this module's settings, shown by ``repr``."""
        return ""

    def __repr__(self):
        extra = self.extra_repr()
        extra_lines = extra.split("\n") if extra else []
        child_lines = [f"({key}): " + _addindent(repr(m), 2) for key, m in self._modules.items()]
        lines = extra_lines + child_lines
        main = self._get_name() + "("
        if lines:
            if len(extra_lines) == 1 and not child_lines:
                main += extra_lines[0]
            else:
                main += "\n  " + "\n  ".join(lines) + "\n"
        return main + ")"

