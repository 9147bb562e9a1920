"""Backend switches, as in ``torch.backends``: ``lamina.backends.cuda.matmul.allow_tf32``, and the
float32 matmul precision behind ``lamina.set_float32_matmul_precision``."""
from __future__ import annotations

from . import cuda

__all__ = ["cuda", "get_float32_matmul_precision", "set_float32_matmul_precision"]

_PRECISIONS = ("highest", "high", "medium")


def set_float32_matmul_precision(precision: str) -> None:
    """``"highest"``: float32 matmuls in full fp32 (the default). ``"high"`` or ``"medium"``: CUDA
    float32 matmuls may use TF32 tensor cores (10-bit mantissa inputs, fp32 accumulation), the same
    as ``lamina.backends.cuda.matmul.allow_tf32 = True``. CPU matmuls are always full fp32."""
    if not isinstance(precision, str) or precision not in _PRECISIONS:
        raise ValueError(f"[set_float32_matmul_precision] expected 'highest', 'high' or 'medium', "
                         f"got {precision!r}")
    cuda.matmul._set(precision != "highest", precision)


def get_float32_matmul_precision() -> str:
    """The current float32 matmul precision: ``"highest"`` unless TF32 is allowed."""
    return cuda.matmul._precision()
