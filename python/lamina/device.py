"""Devices: ``lamina.device("cpu")``, ``lamina.device("cuda:1")``, ``lamina.device("cuda", 0)``."""
from __future__ import annotations

from . import _C

device = _C.Device
_CPU = _C.Device("cpu")


def resolve(dev, default=None):
    if dev is None:
        return _CPU if default is None else default
    if isinstance(dev, _C.Device):
        return dev
    if isinstance(dev, str):
        return _C.Device(dev)
    if isinstance(dev, int):
        return _C.Device("cuda", dev)
    raise TypeError(f"[device] expected a device or a string like 'cpu' or 'cuda:0', got {dev!r}")
