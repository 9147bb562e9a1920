"""``lamina.data``: ``Dataset``, ``TensorDataset`` and ``DataLoader`` (torch.utils.data names).

A ``TensorDataset`` batch is gathered with one ``index_select`` per tensor (an int64 index,
on the tensor's device), never by stacking items one by one. Shuffling draws a permutation
from ``numpy.random.default_rng(seed)``, created once per loader: a seed makes the whole
sequence of epochs reproducible, and each epoch gets a fresh order."""
from __future__ import annotations

import numbers

import numpy as np

from . import _C
from . import creation as _creation
from .autograd.functions.index import stack as _stack

Tensor = _C.Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader"]


class Dataset:
    """A map-style dataset: subclasses define ``__getitem__(i)`` and ``__len__()``."""

    def __getitem__(self, index):
        raise NotImplementedError(f"[{type(self).__name__}] Dataset subclasses define __getitem__")

    def __len__(self):
        raise NotImplementedError(f"[{type(self).__name__}] Dataset subclasses define __len__")


def _as_tensor(op, i, t):
    if isinstance(t, Tensor):
        return t
    if isinstance(t, np.ndarray):
        if t.dtype == object:
            raise TypeError(f"[{op}] argument {i} is an object array; expected numbers")
        return _creation.asarray(t)  # shares memory for float32/float64/int64/bool arrays
    raise TypeError(f"[{op}] argument {i} is a {type(t).__name__}; expected a lamina tensor or "
                    "a numpy array")


class TensorDataset(Dataset):
    """Rows of several tensors (or numpy arrays) with one first dim: item i is
    ``tuple(t[i] for t in tensors)``."""

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("[TensorDataset] expected at least one tensor")
        ts = tuple(_as_tensor("TensorDataset", i, t) for i, t in enumerate(tensors))
        for i, t in enumerate(ts):
            if t.ndim == 0:
                raise ValueError(f"[TensorDataset] tensor {i} is 0-d; every tensor needs a first "
                                 "(sample) dim")
        n = ts[0].shape[0]
        for i, t in enumerate(ts[1:], 1):
            if t.shape[0] != n:
                raise ValueError(f"[TensorDataset] size mismatch between tensors: tensor 0 has "
                                 f"{n} rows (shape {tuple(ts[0].shape)}), tensor {i} has "
                                 f"{t.shape[0]} (shape {tuple(t.shape)})")
        self.tensors = ts

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return self.tensors[0].shape[0]


def _collate(op, items):
    """Stack a list of samples: tensors, numpy arrays, numbers, or tuples/lists/dicts of them."""
    first = items[0]
    if isinstance(first, Tensor):
        return _stack(items, 0)
    if isinstance(first, np.ndarray):
        return _creation.tensor(np.stack(items))
    if isinstance(first, (numbers.Number, np.generic)):
        return _creation.tensor(np.asarray(items))
    if isinstance(first, dict):
        return {k: _collate(op, [it[k] for it in items]) for k in first}
    if isinstance(first, (tuple, list)):
        if any(len(it) != len(first) for it in items):
            raise ValueError(f"[{op}] samples in a batch have different numbers of fields")
        return tuple(_collate(op, list(field)) for field in zip(*items))
    raise TypeError(f"[{op}] cannot batch samples of type {type(first).__name__}; return "
                    "tensors, numpy arrays, numbers, or tuples/dicts of them")


class DataLoader:
    """Batches of a dataset: ``DataLoader(dataset, batch_size=1, shuffle=False,
    drop_last=False, seed=None)``.

    ``dataset``: a ``TensorDataset`` (fast path), any map-style dataset, or a single tensor /
    numpy array (batches are then tensors, not tuples). Batches of a TensorDataset are tuples
    of new tensors (copies, so writing into a batch never touches the dataset)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None):
        self._single = isinstance(dataset, (Tensor, np.ndarray))
        if self._single:
            dataset = TensorDataset(dataset)
        if not hasattr(dataset, "__getitem__") or not hasattr(dataset, "__len__"):
            raise TypeError(f"[DataLoader] expected a dataset with __getitem__ and __len__, got "
                            f"{type(dataset).__name__}")
        if isinstance(batch_size, bool) or not isinstance(batch_size, numbers.Integral) \
                or batch_size < 1:
            raise ValueError(f"[DataLoader] batch_size must be a positive integer, got "
                             f"{batch_size!r}")
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, numbers.Integral)):
            raise TypeError(f"[DataLoader] seed must be an integer or None, got {seed!r}")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size

    def _order(self, n):
        if self.shuffle:
            return self._rng.permutation(n).astype(np.int64)
        return np.arange(n, dtype=np.int64)

    def _index_on(self, order, device, cache):
        key = str(device)
        if key not in cache:
            idx = _C._from_numpy(order)
            cache[key] = idx if idx.device == device else _C.to(idx, device, idx.dtype, False)
        return cache[key]

    def __iter__(self):
        n = len(self.dataset)
        order = self._order(n)
        stop = n - n % self.batch_size if self.drop_last else n
        fast = isinstance(self.dataset, TensorDataset)
        cache = {}
        for start in range(0, stop, self.batch_size):
            end = min(start + self.batch_size, n)
            if fast:
                batch = []
                for t in self.dataset.tensors:
                    idx = _C.slice(self._index_on(order, t.device, cache), 0, start, end, 1)
                    batch.append(_C.index_select(t, 0, idx))
                yield batch[0] if self._single else tuple(batch)
            else:
                yield _collate("DataLoader", [self.dataset[int(i)] for i in order[start:end]])

    def __repr__(self):
        return (f"DataLoader(dataset={type(self.dataset).__name__} of {len(self.dataset)}, "
                f"batch_size={self.batch_size}, shuffle={self.shuffle}, "
                f"drop_last={self.drop_last}, seed={self.seed})")
