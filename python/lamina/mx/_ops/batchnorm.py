"""BatchNorm with MXNet 1.x's parameters and semantics, over axis 1 of (N, C, ...) data.

- ``fix_gamma=True`` (MXNet's default): gamma is read as 1 and its gradient is 0; like
  MXNet's Module (and nd calls passing gamma by keyword), the forward also writes 1 into
  the gamma array. (MXNet 1.9.1's nd call with positional inputs leaves it: not copied.)
- Training (``is_train`` and not ``use_global_stats``) normalises with the batch mean and the
  biased batch variance; otherwise with moving_mean / moving_var.
- The moving statistics are updated in place with MXNet's momentum meaning,
  ``moving = momentum * moving + (1 - momentum) * batch_stat`` (biased variance), and, as in
  MXNet 1.x's CPU operator, during the backward pass: a training forward that is never
  backpropagated leaves them unchanged.
- Backward differentiates the batch-statistics formula except with ``use_global_stats``;
  in inference (recorded with train_mode=False) the moving statistics stand in for the
  batch's, as in MXNet.
Forward and backward are lamina's fused batch-norm kernels."""
from __future__ import annotations

from ... import _C
from ...autograd.function import Function
from ._base import Op, as_bool, as_float, as_int, fail, register


class _BatchNorm(Function):
    @staticmethod
    def forward(ctx, x, gamma, beta, mm, mv, training, global_stats, fix_gamma, momentum, eps):
        w = None if fix_gamma else gamma
        if training:
            y, mean, invstd = _C.batch_norm(x, w, beta, None, None, True, 0.0, eps)
        else:
            y, mean, invstd = _C.batch_norm(x, w, beta, mm, mv, False, 0.0, eps)
        ctx.args = (training, global_stats, fix_gamma, momentum, eps, mm, mv)
        ctx.save_for_backward(x, w, mean, invstd)
        return y

    @staticmethod
    def backward(ctx, g):
        x, w, mean, invstd = ctx.saved_tensors
        training, global_stats, fix_gamma, momentum, eps, mm, mv = ctx.args
        need = ctx.needs_input_grad
        # MXNet differentiates the batch-statistics formula unless use_global_stats, even
        # in inference, where the moving statistics stand in for the batch's
        dx, dw, db = _C.batch_norm_backward(x, g, w, mean, invstd, not global_stats, need[0],
                                            need[1] and not fix_gamma, need[2])
        if fix_gamma and need[1]:
            dw = _C.full([int(x.shape[1])], 0.0, x.dtype, x.device)
        if training:  # MXNet 1.x updates the moving statistics here, in backward
            var = _C.sub(_C.reciprocal(_C.mul(invstd, invstd)), eps)
            _C.mul_(mm, momentum)
            _C.add_(mm, _C.mul(mean, 1.0 - momentum))
            _C.mul_(mv, momentum)
            _C.add_(mv, _C.mul(var, 1.0 - momentum))
        return dx, dw, db, None, None, None, None, None, None, None


@register
class BatchNorm(Op):
    name = "BatchNorm"
    defaults = dict(eps=1e-3, momentum=0.9, fix_gamma=True, use_global_stats=False,
                    output_mean_var=False, axis=1, min_calib_range=None, max_calib_range=None)

    def _parse(self, p):
        op = self.name
        self.eps = as_float(op, "eps", p["eps"])
        if self.eps <= 0:
            fail(op, f"eps must be positive, got {self.eps}")
        self.momentum = as_float(op, "momentum", p["momentum"])
        self.fix_gamma = as_bool(op, "fix_gamma", p["fix_gamma"])
        self.use_global_stats = as_bool(op, "use_global_stats", p["use_global_stats"])
        if as_bool(op, "output_mean_var", p["output_mean_var"]):
            fail(op, "output_mean_var=True is not supported")
        if as_int(op, "axis", p["axis"]) != 1:
            fail(op, f"only axis=1 (channels of NCHW / NC data) is supported, got {p['axis']}")

    def arguments(self):
        return ("data", "gamma", "beta")

    def auxiliary(self):
        return ("moving_mean", "moving_var")

    def infer(self, s):
        if len(s) < 2:
            fail(self.name, f"expected data (N, C, ...) with at least 2 dims, got shape "
                            f"{tuple(s)}")
        c = (s[1],)
        return (c, c), tuple(s), (c, c)

    def forward(self, inputs, aux, is_train):
        x, gamma, beta = inputs
        mm, mv = aux
        if self.fix_gamma:
            gamma.detach().fill_(1.0)
        training = bool(is_train) and not self.use_global_stats
        return _BatchNorm.apply(x, gamma, beta, mm, mv, training, self.use_global_stats,
                                self.fix_gamma,
                                self.momentum, self.eps)
