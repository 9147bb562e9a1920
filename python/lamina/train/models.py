"""Models the training jobs build by name."""
from __future__ import annotations

from .. import nn


def mlp(in_features=64, hidden=(128, 64), classes=10, dropout=0.1):
    """Flatten -> [Linear -> ReLU -> Dropout] per hidden size -> Linear."""
    layers = [nn.Flatten()]
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


MODELS = {"mlp": mlp}
