"""Weight initialisation, torch.nn.init names and formulas. Every function fills its tensor in
place under ``no_grad`` (draws come from lamina's generator: ``lamina.manual_seed`` makes them
reproducible) and returns it."""
from __future__ import annotations

import math
import numbers
import warnings

from .. import _C
from ..autograd.grad_mode import no_grad

Tensor = _C.Tensor

__all__ = ["calculate_gain", "uniform_", "normal_", "trunc_normal_", "zeros_", "ones_",
           "constant_", "eye_", "xavier_uniform_", "xavier_normal_", "kaiming_uniform_",
           "kaiming_normal_"]


def _check(op, tensor):
    if not isinstance(tensor, Tensor):
        raise TypeError(f"[{op}] expected a lamina tensor, got {type(tensor).__name__}")


def _check_float(op, tensor):
    _check(op, tensor)
    if not tensor.dtype.is_floating_point:
        raise TypeError(f"[{op}] expected a floating tensor, got {tensor.dtype}")


def _fill_from(tensor, src):
    with no_grad():
        tensor.copy_(src)
    return tensor


def calculate_gain(nonlinearity, param=None):
    """The gain torch recommends for a nonlinearity: 1 for linear/conv/sigmoid, 5/3 for tanh,
    sqrt(2) for relu, sqrt(2 / (1 + slope^2)) for leaky_relu (slope 0.01 by default), 3/4
    for selu."""
    linear_fns = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                  "conv_transpose2d", "conv_transpose3d"]
    if nonlinearity in linear_fns or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            slope = 0.01
        elif isinstance(param, numbers.Real) and not isinstance(param, bool):
            slope = float(param)
        else:
            raise ValueError(f"[calculate_gain] negative_slope {param!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"[calculate_gain] unsupported nonlinearity {nonlinearity!r}")


def _calculate_fan_in_and_fan_out(tensor):
    """(fan_in, fan_out) of a weight laid out like torch's: (out, in, *kernel)."""
    if tensor.ndim < 2:
        raise ValueError("[init] fan in and fan out can not be computed for a tensor with fewer "
                         f"than 2 dimensions, got shape {tuple(tensor.shape)}")
    receptive = 1
    for s in tensor.shape[2:]:
        receptive *= s
    return tensor.shape[1] * receptive, tensor.shape[0] * receptive


def _calculate_correct_fan(tensor, mode):
    mode = mode.lower() if isinstance(mode, str) else mode
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"[init] mode {mode!r} is not supported; use 'fan_in' or 'fan_out'")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor, a=0.0, b=1.0, generator=None):
    """Fill with draws from U(a, b)."""
    _check_float("uniform_", tensor)
    if generator is not None:
        raise ValueError("[uniform_] generator objects are not supported; use lamina.manual_seed")
    if not a <= b:
        raise ValueError(f"[uniform_] expected a <= b, got a={a}, b={b}")
    return _fill_from(tensor, _C.rand(list(tensor.shape), float(a), float(b), tensor.dtype,
                                      tensor.device))


def normal_(tensor, mean=0.0, std=1.0, generator=None):
    """Fill with draws from N(mean, std^2)."""
    _check_float("normal_", tensor)
    if generator is not None:
        raise ValueError("[normal_] generator objects are not supported; use lamina.manual_seed")
    if std < 0:
        raise ValueError(f"[normal_] std must be non-negative, got {std}")
    return _fill_from(tensor, _C.randn(list(tensor.shape), float(mean), float(std), tensor.dtype,
                                       tensor.device))


def trunc_normal_(tensor, mean=0.0, std=1.0, a=-2.0, b=2.0, generator=None):
    """N(mean, std^2) restricted to [a, b] (rejection: out-of-range draws are redrawn)."""
    _check_float("trunc_normal_", tensor)
    if not a < b:
        raise ValueError(f"[trunc_normal_] expected a < b, got a={a}, b={b}")
    shape, dt, dev = list(tensor.shape), tensor.dtype, tensor.device
    with no_grad():
        out = _C.randn(shape, float(mean), float(std), dt, dev)
        for _ in range(100):
            bad = _C.logical_or(_C.lt(out, float(a)), _C.gt(out, float(b)))
            if not bad.any().item():
                break
            out = _C.where(bad, _C.randn(shape, float(mean), float(std), dt, dev), out)
        out = _C.clamp(out, float(a), float(b))
    return _fill_from(tensor, out)


def constant_(tensor, val):
    _check("constant_", tensor)
    with no_grad():
        tensor.fill_(val)
    return tensor


def zeros_(tensor):
    return constant_(tensor, 0.0)


def ones_(tensor):
    return constant_(tensor, 1.0)


def eye_(tensor):
    """The identity in a 2-D tensor (ones on the diagonal)."""
    _check("eye_", tensor)
    if tensor.ndim != 2:
        raise ValueError(f"[eye_] only 2-D tensors are supported, got shape {tuple(tensor.shape)}")
    return _fill_from(tensor, _C.eye(tensor.shape[0], tensor.shape[1], tensor.dtype,
                                     tensor.device))


def xavier_uniform_(tensor, gain=1.0, generator=None):
    """U(-a, a), a = gain * sqrt(6 / (fan_in + fan_out)) (Glorot & Bengio, 2010)."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    a = math.sqrt(3.0) * std
    return uniform_(tensor, -a, a, generator)


def xavier_normal_(tensor, gain=1.0, generator=None):
    """N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out))."""
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator)


def _kaiming_std(op, tensor, a, mode, nonlinearity):
    _check_float(op, tensor)
    if tensor.numel() == 0:
        warnings.warn(f"[{op}] initializing a zero-element tensor is a no-op", stacklevel=3)
        return None
    fan = _calculate_correct_fan(tensor, mode)
    return calculate_gain(nonlinearity, a) / math.sqrt(fan)


def kaiming_uniform_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """U(-bound, bound), bound = gain * sqrt(3 / fan) (He et al., 2015). ``a`` is the
    leaky_relu slope; ``Linear`` uses a=sqrt(5), which gives bound = 1 / sqrt(fan_in)."""
    std = _kaiming_std("kaiming_uniform_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator)


def kaiming_normal_(tensor, a=0.0, mode="fan_in", nonlinearity="leaky_relu", generator=None):
    """N(0, std^2), std = gain / sqrt(fan)."""
    std = _kaiming_std("kaiming_normal_", tensor, a, mode, nonlinearity)
    if std is None:
        return tensor
    return normal_(tensor, 0.0, std, generator)
