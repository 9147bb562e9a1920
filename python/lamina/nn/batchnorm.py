"""``BatchNorm1d`` / ``BatchNorm2d`` with torch.nn's parameters, buffers, state_dict keys and
repr (torch 2.13's, with the keyword-only ``bias`` flag): weight (ones) and bias (zeros)
when ``affine`` (bias only with ``bias=True``); running_mean (zeros), running_var (ones)
and num_batches_tracked (int64 0) buffers when ``track_running_stats``.

Training (or eval without running statistics) normalises with batch statistics; with
running statistics, training updates them with ``momentum`` (None: a cumulative average,
factor 1 / num_batches_tracked) and the unbiased batch variance."""
from __future__ import annotations

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..functional.batchnorm import batch_norm as _batch_norm
from . import init
from .module import Module
from .parameter import Parameter

__all__ = ["BatchNorm1d", "BatchNorm2d"]


class _BatchNorm(Module):
    _dims = ()
    _expect = ""

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        name = type(self).__name__
        if isinstance(num_features, bool) or not isinstance(num_features, int) or \
                num_features < 0:
            raise ValueError(f"[{name}] num_features must be a non-negative integer, got "
                             f"{num_features!r}")
        dtype = _dt.resolve(dtype, _dt.float32)
        if not dtype.is_floating_point:
            raise TypeError(f"[{name}] dtype must be floating, got {dtype}")
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if affine:
            self.weight = Parameter(_creation.empty(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(_creation.empty(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype,
                                                                 device=device))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype,
                                                               device=device))
            self.register_buffer("num_batches_tracked", _creation.tensor(
                0, dtype=_dt.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _load_from_state_dict(self, state_dict, prefix, expected, missing, errors, plan):
        """Checkpoints saved before torch tracked batches (and ones that drop the counter) have
        no ``num_batches_tracked``: like torch, the module keeps its own rather than report it
        missing."""
        key = prefix + "num_batches_tracked"
        if self.num_batches_tracked is not None and key not in state_dict:
            state_dict = dict(state_dict)
            state_dict[key] = self.num_batches_tracked
        super()._load_from_state_dict(state_dict, prefix, expected, missing, errors, plan)

    def _check_input_dim(self, input):
        if not isinstance(input, _C.Tensor):
            raise TypeError(f"[{type(self).__name__}] expected a lamina Tensor input, got "
                            f"{type(input).__name__}")
        if input.ndim not in self._dims:
            raise ValueError(f"[{type(self).__name__}] expected {self._expect} input (got "
                             f"{input.ndim}D input)")

    def forward(self, input):
        self._check_input_dim(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            with no_grad():
                self.num_batches_tracked.add_(1)
            factor = (1.0 / int(self.num_batches_tracked) if self.momentum is None
                      else self.momentum)
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        keep = not self.training or self.track_running_stats
        return _batch_norm(input, self.running_mean if keep else None,
                           self.running_var if keep else None, self.weight, self.bias,
                           use_batch, factor, self.eps)

    def extra_repr(self):
        return (f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, "
                f"affine={self.affine}, bias={self.bias is not None}, "
                f"track_running_stats={self.track_running_stats}")


class BatchNorm1d(_BatchNorm):
    """``BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, *, bias=True)`` over (N, C) or (N, C, L) inputs."""
    _dims = (2, 3)
    _expect = "2D or 3D"


class BatchNorm2d(_BatchNorm):
    """``BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True,
    track_running_stats=True, *, bias=True)`` over (N, C, H, W) inputs."""
    _dims = (4,)
    _expect = "4D"
