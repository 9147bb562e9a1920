"""Testing helpers: ``assert_close``, a float64 finite-difference ``gradcheck``, and
``check_op``, the one-call op test (forward and backward against NumPy float64, finite
differences and torch, on contiguous and non-contiguous inputs, on every device):

    check_op(F.softmax, [Input((7, 33), -4, 4), 1],          # a drawn input, a constant
             lambda x, dim: np.exp(x - logsumexp(x, dim, keepdims=True)),
             torch.softmax, rng=rng, device=device, tol={lamina.float32: (2e-5, 2e-6)})
"""
from __future__ import annotations

from ._check_op import Input, check_op
from ._close import assert_close
from ._gradcheck import gradcheck

__all__ = ["Input", "assert_close", "check_op", "gradcheck"]
