"""Datasets for the training jobs. Each loader returns float32/int64 numpy arrays split into
train and test parts with a fixed seed; nothing is downloaded."""
from __future__ import annotations

import numpy as np


def digits(test_fraction=0.2, seed=0):
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes).

    Returns ((x_train, y_train), (x_test, y_test)) with x as (N, 1, 8, 8) float32 in [0, 1]."""
    try:
        from sklearn.datasets import load_digits
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise RuntimeError("[train] the digits data set needs scikit-learn: "
                           "pip install 'lamina[examples]'") from e
    d = load_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None, :, :]
    y = d.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(y))
    n_test = int(round(len(y) * test_fraction))
    test, train = order[:n_test], order[n_test:]
    return (x[train], y[train]), (x[test], y[test])
