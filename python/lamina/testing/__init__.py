"""Testing helpers: ``assert_close``, a float64 finite-difference ``gradcheck``, and
``check_op``, the one-call op test (forward and backward against NumPy float64, finite
differences and torch, on contiguous and non-contiguous inputs, on every device)."""
from __future__ import annotations

from ._check_op import Input, check_op
from ._close import assert_close
from ._gradcheck import gradcheck

__all__ = ["Input", "assert_close", "check_op", "gradcheck"]
