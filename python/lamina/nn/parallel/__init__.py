"""``lamina.nn.parallel``: data-parallel training across processes (torch.nn.parallel names)."""
from .distributed import DistributedDataParallel  # noqa: F401

__all__ = ["DistributedDataParallel"]
