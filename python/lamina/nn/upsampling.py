"""``Upsample`` and the padding modules (``ZeroPad2d``, ``ConstantPad2d``, ``ReflectionPad2d``,
``ReplicationPad2d``): torch's modules over F.interpolate and F.pad."""
from __future__ import annotations

from ..functional.padding import pad
from ..functional.upsampling import interpolate
from .module import Module

__all__ = ["ConstantPad2d", "ReflectionPad2d", "ReplicationPad2d", "Upsample", "ZeroPad2d"]


class Upsample(Module):
    """``Upsample(size=None, scale_factor=None, mode='nearest', align_corners=None,
    recompute_scale_factor=None)``."""

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.size, self.scale_factor, self.mode = size, scale_factor, mode
        self.align_corners, self.recompute_scale_factor = align_corners, recompute_scale_factor

    def forward(self, input):
        return interpolate(input, self.size, self.scale_factor, self.mode, self.align_corners,
                           self.recompute_scale_factor)

    def extra_repr(self):
        what = f"size={self.size}" if self.size is not None else f"scale_factor={self.scale_factor}"
        return f"{what}, mode={self.mode!r}"


class _Pad2d(Module):
    mode = "constant"

    def __init__(self, padding, value=0.0):
        super().__init__()
        self.padding = (padding,) * 4 if isinstance(padding, int) else tuple(padding)
        if len(self.padding) != 4:
            raise ValueError(f"[{type(self).__name__}] padding must be an int or 4 ints "
                             f"(left, right, top, bottom), got {padding!r}")
        self.value = value

    def forward(self, input):
        if self.mode == "constant":
            return pad(input, self.padding, "constant", self.value)
        return pad(input, self.padding, self.mode)

    def extra_repr(self):
        return f"{self.padding}"


class ZeroPad2d(_Pad2d):
    """``ZeroPad2d(padding)``: (left, right, top, bottom) of zeros."""


class ConstantPad2d(_Pad2d):
    """``ConstantPad2d(padding, value)``."""

    def __init__(self, padding, value):
        super().__init__(padding, value)


class ReflectionPad2d(_Pad2d):
    """``ReflectionPad2d(padding)``."""
    mode = "reflect"


class ReplicationPad2d(_Pad2d):
    """``ReplicationPad2d(padding)``."""
    mode = "replicate"
