"""``lamina.backends.cuda``: switches of the CUDA kernels."""
from __future__ import annotations

from .. import _C

__all__ = ["matmul"]


class _MatmulSettings:
    """``lamina.backends.cuda.matmul``. ``allow_tf32`` (default False, like torch): float32 GEMMs on
    the GPU may use TF32 tensor cores (inputs rounded to a 10-bit mantissa, fp32 accumulation): much
    faster, relative error ~1e-3 instead of ~1e-6. The flag is process-wide and has no effect on the
    CPU; it exists (and can be set) in CPU-only builds too."""

    __slots__ = ("_named",)  # a misspelt attribute is an error, not a silent no-op

    def __init__(self):
        self._named = "high"  # the precision name reported while TF32 is allowed

    @property
    def allow_tf32(self) -> bool:
        return bool(_C.cuda_matmul_allow_tf32())

    @allow_tf32.setter
    def allow_tf32(self, value) -> None:
        if not isinstance(value, (bool, int)):
            raise TypeError(f"[allow_tf32] expected a bool, got {type(value).__name__}")
        self._set(bool(value), "high" if value else "highest")

    def _set(self, allow: bool, name: str) -> None:
        _C.cuda_set_matmul_allow_tf32(allow)
        if allow:
            self._named = name

    def _precision(self) -> str:
        return self._named if self.allow_tf32 else "highest"

    def __repr__(self) -> str:
        return f"lamina.backends.cuda.matmul(allow_tf32={self.allow_tf32})"


matmul = _MatmulSettings()
