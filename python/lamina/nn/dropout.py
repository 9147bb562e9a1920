"""``Dropout``: inverted dropout while training, the identity in eval mode."""
from __future__ import annotations

from ..functional.dropout import check_p, dropout, dropout2d
from .module import Module

__all__ = ["Dropout", "Dropout2d"]


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


class Dropout2d(Dropout):
    """Channel dropout: each channel of an (N, C, H, W) or (C, H, W) input is zeroed with
    probability ``p`` during training, the kept ones scaled by 1 / (1 - p)."""

    def __init__(self, p=0.5, inplace=False):
        Module.__init__(self)
        self.p = check_p("Dropout2d", p)
        self.inplace = bool(inplace)

    def forward(self, input):
        return dropout2d(input, self.p, self.training, self.inplace)
