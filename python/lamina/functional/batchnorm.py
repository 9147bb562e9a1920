"""``batch_norm`` with torch.nn.functional's signature, over (N, C) or (N, C, *) inputs.

Training: batch statistics per channel (the biased variance normalises), and when running
statistics are given they are updated in place, r = (1 - momentum) r + momentum * stat, with
the unbiased variance. Evaluation: the running statistics normalise. One fused kernel each
way (see autograd/functions/batchnorm.py)."""
from __future__ import annotations

from .. import _C
from ..autograd.functions.batchnorm import BatchNorm

Tensor = _C.Tensor

__all__ = ["batch_norm"]


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False,
               momentum=0.1, eps=1e-5):
    op = "batch_norm"
    if not isinstance(input, Tensor):
        raise TypeError(f"[{op}] expected a lamina Tensor input, got {type(input).__name__}")
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and not isinstance(t, Tensor):
            raise TypeError(f"[{op}] {name} must be a lamina Tensor or None, got "
                            f"{type(t).__name__}")
    if momentum is None:
        # torch refuses None here; lamina takes it where momentum is unused (evaluation, or no
        # running statistics). A cumulative average needs the module's batch count.
        if training and (running_mean is not None or running_var is not None):
            raise TypeError(f"[{op}] momentum=None needs a batch count for its cumulative "
                            "average: use nn.BatchNorm*(momentum=None), or pass "
                            "momentum=1 / num_batches")
        momentum = 0.0
    return BatchNorm.apply(input, weight, bias, running_mean, running_var, bool(training),
                           float(momentum), float(eps))
