"""``Linear``: y = x @ W.T + b with torch's layout and default initialisation."""
from __future__ import annotations

import math

from .. import creation as _creation
from .. import dtypes as _dt
from ..functional.linear import linear as _linear
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["Linear"]


def _features(name, n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"[Linear] {name} must be a non-negative integer, got {n!r}")
    return n


class Linear(Module):
    """``Linear(in_features, out_features, bias=True, device=None, dtype=None)``.

    weight: (out_features, in_features); bias: (out_features,). Initialised like torch:
    weight ~ kaiming_uniform_(a=sqrt(5)), i.e. U(-1/sqrt(in), 1/sqrt(in)), and
    bias ~ U(-1/sqrt(in), 1/sqrt(in)). Input (..., in_features) -> (..., out_features)."""

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features = _features("in_features", in_features)
        self.out_features = _features("out_features", out_features)
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[Linear] dtype must be floating, got {dtype}")
        self.weight = Parameter(_creation.empty(out_features, in_features, dtype=dtype,
                                                device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return _linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
