"""Small Keras utilities: set_random_seed and to_categorical."""
from __future__ import annotations

import random

import numpy as np

from .. import creation as _creation


def set_random_seed(seed):
    """Seed Python's, numpy's and lamina's generators (initializers, dropout, shuffling)."""
    random.seed(seed)
    np.random.seed(seed)
    _creation.manual_seed(seed)


def to_categorical(x, num_classes=None):
    x = np.asarray(x, dtype=np.int64).reshape(-1) if np.ndim(x) <= 1 else np.asarray(x, np.int64)
    n = int(num_classes or x.max() + 1)
    return np.eye(n, dtype=np.float32)[x]
