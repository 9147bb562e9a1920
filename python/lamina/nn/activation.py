"""Activation layers: each forward is one call into ``lamina.functional``."""
from __future__ import annotations

import warnings

from .. import functional as F
from ..autograd.functions import views as _v
from ..autograd.grad_mode import _state
from .. import creation as _creation
from .module import Module
from .parameter import Parameter

__all__ = ["ReLU", "Sigmoid", "Tanh", "GELU", "Softmax", "LogSoftmax", "Flatten", "Unflatten",
           "ELU", "SELU", "CELU", "LeakyReLU", "SiLU", "Mish", "Softplus", "Softsign",
           "LogSigmoid", "Hardtanh", "ReLU6", "GLU", "PReLU"]


class ReLU(Module):
    """max(0, x). ``inplace=True`` overwrites the input when autograd is not recording it."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = bool(inplace)

    def forward(self, input):
        if self.inplace and _state.enabled and input.requires_grad:
            return F.relu(input)  # lamina refuses in-place writes into recorded tensors
        return F.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Sigmoid(Module):
    def forward(self, input):
        return F.sigmoid(input)


class Tanh(Module):
    def forward(self, input):
        return F.tanh(input)


class GELU(Module):
    """x * Phi(x): the exact erf form, or its tanh approximation (``approximate='tanh'``)."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"[GELU] approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


def _implicit_dim(op, ndim):
    warnings.warn(f"[{op}] implicit dimension choice has been deprecated; pass dim=",
                  stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


class Softmax(Module):
    """exp(x) / sum(exp(x)) along ``dim``."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_dim("Softmax", input.ndim)
        return F.softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class LogSoftmax(Module):
    """log(softmax(x)) along ``dim``, computed stably."""

    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def forward(self, input):
        dim = self.dim if self.dim is not None else _implicit_dim("LogSoftmax", input.ndim)
        return F.log_softmax(input, dim)

    def extra_repr(self):
        return f"dim={self.dim}"


class Flatten(Module):
    """Flattens dims start_dim..end_dim into one: (N, C, H, W) -> (N, C*H*W) by default."""

    def __init__(self, start_dim=1, end_dim=-1):
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input):
        return _v.flatten(input, self.start_dim, self.end_dim)

    def extra_repr(self):
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Expands dim ``dim`` into ``unflattened_size``: (N, 12) -> (N, 3, 4) for (1, (3, 4))."""

    def __init__(self, dim, unflattened_size):
        super().__init__()
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input):
        return _v.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self):
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"


class _Pointwise(Module):
    """An activation with keyword hyperparameters ``_args`` passed to ``F.<_fn>``."""

    _fn = None
    _args = ()

    def forward(self, input):
        return getattr(F, self._fn)(input, **{k: getattr(self, k) for k in self._args})

    def extra_repr(self):
        return ", ".join(f"{k}={getattr(self, k)}" for k in self._args
                         if k != "inplace" or getattr(self, k))


class ELU(_Pointwise):
    """x where x > 0, else alpha (e^x - 1)."""
    _fn, _args = "elu", ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class CELU(_Pointwise):
    """max(0, x) + min(0, alpha (e^(x / alpha) - 1))."""
    _fn, _args = "celu", ("alpha", "inplace")

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha, self.inplace = alpha, inplace


class SELU(_Pointwise):
    """1.0507 * elu(x, 1.6733)."""
    _fn, _args = "selu", ("inplace",)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class LeakyReLU(_Pointwise):
    """x where x > 0, else negative_slope x."""
    _fn, _args = "leaky_relu", ("negative_slope", "inplace")

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope, self.inplace = negative_slope, inplace


class SiLU(_Pointwise):
    """x sigmoid(x)."""
    _fn, _args = "silu", ("inplace",)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Mish(_Pointwise):
    """x tanh(softplus(x))."""
    _fn, _args = "mish", ("inplace",)

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace


class Softplus(_Pointwise):
    """log(1 + e^(beta x)) / beta, linear above ``threshold``."""
    _fn, _args = "softplus", ("beta", "threshold")

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta, self.threshold = beta, threshold


class Softsign(_Pointwise):
    _fn = "softsign"


class LogSigmoid(_Pointwise):
    _fn = "logsigmoid"


class Hardtanh(_Pointwise):
    """x clamped to [min_val, max_val]."""
    _fn, _args = "hardtanh", ("min_val", "max_val", "inplace")

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False):
        super().__init__()
        if min_val > max_val:
            raise ValueError(f"[Hardtanh] min_val ({min_val}) cannot be greater than max_val "
                             f"({max_val})")
        self.min_val, self.max_val, self.inplace = min_val, max_val, inplace


class ReLU6(Hardtanh):
    """min(max(0, x), 6)."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class GLU(_Pointwise):
    """a sigmoid(b) for the halves a, b of the input along ``dim``."""
    _fn, _args = "glu", ("dim",)

    def __init__(self, dim=-1):
        super().__init__()
        self.dim = dim


class PReLU(Module):
    """x where x > 0, else a x with a learnt slope ``weight`` (``num_parameters`` = 1 or the
    number of channels, initialised to ``init``)."""

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        if isinstance(num_parameters, bool) or not isinstance(num_parameters, int) or \
                num_parameters < 1:
            raise ValueError(f"[PReLU] num_parameters must be a positive integer, got "
                             f"{num_parameters!r}")
        self.num_parameters = num_parameters
        self.init = init
        self.weight = Parameter(_creation.full((num_parameters,), float(init), dtype=dtype,
                                               device=device))

    def reset_parameters(self):
        from ..autograd.grad_mode import no_grad
        with no_grad():
            self.weight.fill_(self.init)

    def forward(self, input):
        return F.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"
