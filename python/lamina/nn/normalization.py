"""``LayerNorm``: torch's layout and defaults (weight ones, bias zeros, both of
normalized_shape; state_dict keys "weight" and "bias")."""
from __future__ import annotations

from .. import creation as _creation
from .. import dtypes as _dt
from ..functional.normalization import layer_norm, normalized_shape_arg
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["LayerNorm"]


class LayerNorm(Module):
    """``LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None,
    dtype=None)``: y = (x - E[x]) / sqrt(Var[x] + eps) * weight + bias over the last
    len(normalized_shape) dims (biased variance). Without elementwise_affine, weight and bias
    are None; bias=False keeps the weight only."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        self.normalized_shape = normalized_shape_arg("LayerNorm", normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[LayerNorm] dtype must be floating, got {dtype}")
        if elementwise_affine:
            self.weight = Parameter(_creation.empty(*self.normalized_shape, dtype=dtype,
                                                    device=device))
            if bias:
                self.bias = Parameter(_creation.empty(*self.normalized_shape, dtype=dtype,
                                                      device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.weight is not None:
            init.ones_(self.weight)
        if self.bias is not None:
            init.zeros_(self.bias)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (f"{self.normalized_shape}, eps={self.eps}, "
                f"elementwise_affine={self.elementwise_affine}, bias={self.bias is not None}")
