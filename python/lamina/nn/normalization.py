"""``LayerNorm``, ``GroupNorm``, ``InstanceNorm1d`` / ``2d``: torch's layouts and defaults
(weight ones, bias zeros; state_dict keys "weight", "bias", and the instance norms' running
statistics as buffers when tracked)."""
from __future__ import annotations

from .. import creation as _creation
from .. import dtypes as _dt
from ..functional.normalization import (group_norm, instance_norm, layer_norm,
                                        normalized_shape_arg)
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["GroupNorm", "InstanceNorm1d", "InstanceNorm2d", "LayerNorm"]


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


class GroupNorm(Module):
    """``GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None)``:
    F.group_norm with per-channel weight (ones) and bias (zeros)."""

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None):
        super().__init__()
        if num_channels % num_groups:
            raise ValueError(f"[GroupNorm] num_channels {num_channels} must be divisible by "
                             f"num_groups {num_groups}")
        self.num_groups, self.num_channels, self.eps, self.affine = (num_groups, num_channels,
                                                                     eps, affine)
        dtype = _dt.resolve(dtype, _dt.float32)
        if affine:
            self.weight = Parameter(_creation.ones(num_channels, dtype=dtype, device=device))
            self.bias = Parameter(_creation.zeros(num_channels, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)

    def forward(self, input):
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}"


class _InstanceNorm(Module):
    _dims = 3

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None):
        super().__init__()
        self.num_features, self.eps, self.momentum = num_features, eps, momentum
        self.affine, self.track_running_stats = affine, track_running_stats
        dtype = _dt.resolve(dtype, _dt.float32)
        if affine:
            self.weight = Parameter(_creation.ones(num_features, dtype=dtype, device=device))
            self.bias = Parameter(_creation.zeros(num_features, dtype=dtype, device=device))
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype,
                                                                 device=device))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype,
                                                               device=device))
        else:
            self.running_mean = self.running_var = None

    def forward(self, input):
        name = type(self).__name__
        if input.ndim not in (self._dims - 1, self._dims):
            raise ValueError(f"[{name}] expected a {self._dims - 1}-D or {self._dims}-D input, "
                             f"got {input.ndim}-D")
        unbatched = input.ndim == self._dims - 1
        x = input.unsqueeze(0) if unbatched else input
        use_input_stats = self.training or not self.track_running_stats
        y = instance_norm(x, self.running_mean, self.running_var, self.weight, self.bias,
                          use_input_stats, self.momentum, self.eps)
        return y.squeeze(0) if unbatched else y

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, track_running_stats={self.track_running_stats}")


class InstanceNorm1d(_InstanceNorm):
    """``InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False,
    track_running_stats=False)`` over (N, C, L) or (C, L)."""
    _dims = 3


class InstanceNorm2d(_InstanceNorm):
    """``InstanceNorm2d(...)`` over (N, C, H, W) or (C, H, W)."""
    _dims = 4
