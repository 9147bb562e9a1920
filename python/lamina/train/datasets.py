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


def chars(val_fraction=0.1):
    """Character-level text: the prose of Python's own documentation topics (``pydoc_data.topics``,
    shipped with every CPython, about 465k characters of English), nothing downloaded.

    Returns (train_ids, val_ids, vocab): int64 arrays of character indices, the validation part being
    the last ``val_fraction`` of the text, and the sorted list of characters."""
    try:
        from pydoc_data.topics import topics
    except ImportError as e:  # pragma: no cover - some distributions strip pydoc_data
        raise RuntimeError("[train] the chars data set needs the pydoc_data module of the "
                           "Python standard library") from e
    text = "\n\n".join(topics[k] for k in sorted(topics))
    vocab = sorted(set(text))
    lookup = {c: i for i, c in enumerate(vocab)}
    ids = np.fromiter((lookup[c] for c in text), dtype=np.int64, count=len(text))
    n_val = int(round(len(ids) * val_fraction))
    return ids[:-n_val], ids[-n_val:], vocab


def lm_windows(ids, seq_len, batch_size, rng):
    """A batch of random windows: inputs (B, T) and the next characters (B, T) as targets."""
    starts = rng.integers(0, len(ids) - seq_len - 1, size=batch_size)
    idx = starts[:, None] + np.arange(seq_len + 1)[None, :]
    w = ids[idx]
    return w[:, :-1], w[:, 1:]


def lm_eval_windows(ids, seq_len, max_windows=64):
    """Evenly spaced, non-overlapping windows over ``ids`` (the validation set of every epoch)."""
    n = min(max_windows, (len(ids) - 1) // seq_len)
    step = (len(ids) - 1 - seq_len) // max(n - 1, 1) if n > 1 else 0
    starts = np.arange(n) * step
    idx = starts[:, None] + np.arange(seq_len + 1)[None, :]
    w = ids[idx]
    return w[:, :-1], w[:, 1:]
