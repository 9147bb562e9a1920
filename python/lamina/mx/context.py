"""MXNet contexts: ``cpu()`` is lamina's cpu device, ``gpu(i)`` is ``cuda:i``."""
from __future__ import annotations

from ..device import device as _device

__all__ = ["Context", "cpu", "gpu", "current_context", "num_gpus"]


class Context:
    def __init__(self, device_type="cpu", device_id=0):
        if isinstance(device_type, Context):
            device_type, device_id = device_type.device_type, device_type.device_id
        if device_type not in ("cpu", "gpu", "cpu_pinned"):
            raise ValueError(f"[Context] device_type must be 'cpu' or 'gpu', got {device_type!r}")
        self.device_type = "cpu" if device_type == "cpu_pinned" else device_type
        self.device_id = int(device_id)

    @property
    def device(self):
        """The lamina device of this context."""
        return _device("cpu") if self.device_type == "cpu" else _device(f"cuda:{self.device_id}")

    @classmethod
    def from_device(cls, dev):
        return cls("cpu", 0) if dev.type == "cpu" else cls("gpu", dev.index or 0)

    def __eq__(self, other):
        return (isinstance(other, Context) and self.device_type == other.device_type
                and self.device_id == other.device_id)

    def __hash__(self):
        return hash((self.device_type, self.device_id))

    def __repr__(self):
        return f"{self.device_type}({self.device_id})"


def cpu(device_id=0):
    return Context("cpu", device_id)


def gpu(device_id=0):
    return Context("gpu", device_id)


def current_context():
    return Context("cpu", 0)


def num_gpus():
    from .. import cuda
    return cuda.device_count() if cuda.is_available() else 0


def resolve(ctx):
    """A Context (or None: cpu) as a lamina device."""
    if ctx is None:
        return _device("cpu")
    if isinstance(ctx, Context):
        return ctx.device
    raise TypeError(f"[Context] expected an mx.cpu() / mx.gpu() context, got {ctx!r}")
