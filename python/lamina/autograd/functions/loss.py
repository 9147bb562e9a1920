"""Loss Functions with their own backward: fused cross-entropy over logits (N, C) and a stable
binary cross-entropy with logits. The other losses compose differentiable tensor ops
(python/lamina/functional/loss.py)."""
from __future__ import annotations

from ... import _C
from ..function import Function
from ._util import sum_to


class CrossEntropy(Function):
    """Cross-entropy of logits x (N, C) against class indices (N,) int64 or probabilities
    (N, C), reduced over rows. One kernel computes every row's log-softmax and loss, one
    kernel computes d x = (softmax - target distribution) * scale.

    'mean' divides by the summed target weights of the rows not ignored (index targets) or by
    N (probability targets), as torch does."""

    @staticmethod
    def forward(ctx, x, target, weight, ignore_index, smoothing, reduction):
        loss, lse, wrow = _C.cross_entropy(x, target, weight, ignore_index, smoothing)
        ctx.args = (weight, ignore_index, smoothing, reduction)
        ctx.save_for_backward(x, target, lse)
        if reduction == "none":
            return loss
        total = _C.sum(loss, None, False)
        if reduction == "sum":
            return total
        denom = _C.sum(wrow, None, False) if wrow is not None else float(x.shape[0])
        ctx.denom = denom
        return _C.div(total, denom)

    @staticmethod
    def backward(ctx, g):
        x, target, lse = ctx.saved_tensors
        weight, ignore_index, smoothing, reduction = ctx.args
        if reduction == "mean":
            g = _C.div(g, ctx.denom)
        gx = None
        if ctx.needs_input_grad[0]:
            gx = _C.cross_entropy_backward(x, target, weight, ignore_index, smoothing, lse, g)
        gt = None
        if len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]:
            # probability targets: d loss_n / d t_c = -(1 - eps) w_c log_softmax(x)_c
            logp = _C.sub(x, _C.unsqueeze(_C.cast(lse, x.dtype), 1))
            gt = _C.mul(logp, _C.unsqueeze(g, 1) if g.ndim == 1 else g)
            gt = _C.mul(gt, -(1.0 - smoothing))
            if weight is not None:
                gt = _C.mul(gt, weight)
        return gx, gt, None, None, None, None


def _softplus_neg(x):
    """softplus(-x) = log(1 + exp(-x)) = log1p(exp(-|x|)) + max(-x, 0), never overflowing."""
    return _C.add(_C.log1p(_C.exp(_C.neg(_C.abs(x)))), _C.relu(_C.neg(x)))


class BCEWithLogits(Function):
    """Elementwise (1 - t) x + c softplus(-x), c = 1 + (pos_weight - 1) t (c = 1 without
    pos_weight); x and t share a shape, pos_weight broadcasts against them.

    d/dx = c sigmoid(x) - pos_weight t (sigmoid(x) - t without pos_weight);
    d/dt = -x + (pos_weight - 1) softplus(-x); d/d pos_weight = t softplus(-x)."""

    @staticmethod
    def forward(ctx, x, t, pos_weight):
        sp = _softplus_neg(x)
        if pos_weight is None:
            c = None
            loss = _C.add(_C.mul(_C.rsub(t, 1.0), x), sp)
        else:
            c = _C.add(_C.mul(_C.sub(pos_weight, 1.0), t), 1.0)
            loss = _C.add(_C.mul(_C.rsub(t, 1.0), x), _C.mul(c, sp))
        ctx.save_for_backward(x, t, pos_weight, sp, c)
        return loss

    @staticmethod
    def backward(ctx, g):
        x, t, pw, sp, c = ctx.saved_tensors
        need = ctx.needs_input_grad
        gx = gt = gpw = None
        if need[0]:
            sig = _C.sigmoid(x)  # torch's form: c sigmoid(x) - pos_weight t
            if pw is None:
                d = _C.sub(sig, t)
            else:  # ((pw t + 1) - t) sigmoid(x) - pw t, torch's rounding
                pt = _C.mul(pw, t)
                d = _C.sub(_C.mul(_C.sub(_C.add(pt, 1.0), t), sig), pt)
            gx = _C.mul(g, d)
            gx = sum_to(gx, x.shape)
        if need[1]:
            dt = _C.neg(x) if pw is None else _C.add(_C.neg(x), _C.mul(_C.sub(pw, 1.0), sp))
            gt = sum_to(_C.mul(g, dt), t.shape)
        if pw is not None and need[2]:
            gpw = sum_to(_C.mul(g, _C.mul(t, sp)), pw.shape)
        return gx, gt, gpw
