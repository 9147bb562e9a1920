"""``Dropout``: inverted dropout while training, the identity in eval mode."""
from __future__ import annotations

from ..functional.dropout import check_p, dropout
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability ``p`` during training and scale the kept ones by
    1 / (1 - p); after ``eval()`` the input passes through unchanged. The mask is drawn from
    lamina's generator (``lamina.manual_seed`` makes it reproducible)."""

    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        self.p = check_p("Dropout", p)
        self.inplace = bool(inplace)

    def forward(self, input):
        return dropout(input, self.p, self.training, self.inplace)

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"
