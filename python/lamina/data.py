"""``lamina.data``: ``Dataset``, ``TensorDataset``, ``DataLoader`` and ``DistributedSampler``
(torch.utils.data names).

A ``TensorDataset`` batch is gathered with one ``index_select`` per tensor (an int64 index,
on the tensor's device), never by stacking items one by one. Shuffling draws a permutation
from ``numpy.random.default_rng(seed)``, created once per loader: a seed makes the whole
sequence of epochs reproducible, and each epoch gets a fresh order. A ``sampler`` (any iterable
of indices with a length, e.g. ``DistributedSampler``) gives the order instead."""
from __future__ import annotations

import math
import numbers

import numpy as np

from . import _C
from . import creation as _creation
from .autograd.functions.index import stack as _stack

Tensor = _C.Tensor

__all__ = ["Dataset", "TensorDataset", "DataLoader", "Sampler", "DistributedSampler"]


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


class Sampler:
    """An iterable of dataset indices with a length (the order a DataLoader batches in)."""

    def __iter__(self):
        raise NotImplementedError(f"[{type(self).__name__}] Sampler subclasses define __iter__")

    def __len__(self):
        raise NotImplementedError(f"[{type(self).__name__}] Sampler subclasses define __len__")


def _check_int(op, name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"[{op}] {name} must be an integer >= {low}, got {value!r}")
    return int(value)


class DistributedSampler(Sampler):
    """Rank ``rank``'s share of ``dataset`` among ``num_replicas`` ranks (torch's semantics).

    Every epoch the indices are shuffled (``shuffle``; numpy ``default_rng(seed + epoch)``: call
    ``set_epoch(epoch)`` before each epoch, the same on every rank), then, unless ``drop_last``,
    padded by repeating the first ones to a multiple of ``num_replicas`` (with ``drop_last`` the
    tail is dropped instead); rank r takes every ``num_replicas``-th index from r. So the ranks'
    shares are disjoint (but for the padding) and of equal length. ``num_replicas`` and ``rank``
    default to the process group's."""

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        op = "DistributedSampler"
        if num_replicas is None or rank is None:
            from . import distributed as dist
            if not dist.is_initialized():
                raise RuntimeError(f"[{op}] num_replicas and rank default to the process "
                                   "group's: call lamina.distributed.init_process_group() first, "
                                   "or pass them")
            num_replicas = dist.get_world_size() if num_replicas is None else num_replicas
            rank = dist.get_rank() if rank is None else rank
        self.num_replicas = _check_int(op, "num_replicas", num_replicas, 1)
        self.rank = _check_int(op, "rank", rank, 0)
        if self.rank >= self.num_replicas:
            raise ValueError(f"[{op}] rank {rank} is out of range [0, {num_replicas})")
        self.dataset = dataset
        self.shuffle = bool(shuffle)
        self.seed = _check_int(op, "seed", seed, 0)
        self.drop_last = bool(drop_last)
        self.epoch = 0
        n = len(dataset)
        if self.drop_last and n % self.num_replicas:
            self.num_samples = max(math.ceil((n - self.num_replicas) / self.num_replicas), 0)
        else:
            self.num_samples = math.ceil(n / self.num_replicas)
        self.total_size = self.num_samples * self.num_replicas

    def set_epoch(self, epoch):
        """The epoch the next iteration shuffles for (same value on every rank)."""
        self.epoch = int(epoch)

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            idx = np.random.default_rng(self.seed + self.epoch).permutation(n)
        else:
            idx = np.arange(n)
        if self.total_size > n and n > 0:  # pad by repeating from the start (cyclically)
            idx = np.concatenate([idx, np.resize(idx, self.total_size - n)])
        idx = idx[:self.total_size]
        return iter(idx[self.rank:self.total_size:self.num_replicas].tolist())

    def __len__(self):
        return self.num_samples

    def __repr__(self):
        return (f"DistributedSampler(rank={self.rank} of {self.num_replicas}, "
                f"{self.num_samples} of {len(self.dataset)} samples, shuffle={self.shuffle}, "
                f"seed={self.seed}, drop_last={self.drop_last}, epoch={self.epoch})")


class DataLoader:
    """Batches of a dataset: ``DataLoader(dataset, batch_size=1, shuffle=False,
    drop_last=False, seed=None, sampler=None)``.

    ``sampler``: an iterable of indices with a length (e.g. ``DistributedSampler``), read once
    per epoch, giving the order of the samples; it excludes ``shuffle``.

    ``dataset``: a ``TensorDataset`` (fast path), any map-style dataset, or a single tensor /
    numpy array (batches are then tensors, not tuples). Batches of a TensorDataset are tuples
    of new tensors (copies, so writing into a batch never touches the dataset)."""

    def __init__(self, dataset, batch_size=1, shuffle=False, drop_last=False, seed=None,
                 sampler=None):
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
        if sampler is not None:
            if shuffle:
                raise ValueError("[DataLoader] sampler and shuffle=True are mutually exclusive "
                                 "(the sampler gives the order)")
            if not hasattr(sampler, "__iter__") or not hasattr(sampler, "__len__"):
                raise TypeError(f"[DataLoader] sampler must be an iterable of indices with a "
                                f"length, got {type(sampler).__name__}")
        self.sampler = sampler
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self._rng = np.random.default_rng(seed)

    def __len__(self):
        n = len(self.dataset) if self.sampler is None else len(self.sampler)
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size

    def _order(self, n):
        if self.sampler is not None:
            order = np.asarray(list(self.sampler), dtype=np.int64).reshape(-1)
            if order.size and (order.min() < 0 or order.max() >= n):
                raise IndexError(f"[DataLoader] the sampler gave index {int(order.max())} "
                                 f"(or {int(order.min())}) for a dataset of {n} samples")
            return order
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
        order = self._order(len(self.dataset))
        n = len(order)
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
                f"drop_last={self.drop_last}, seed={self.seed}"
                f"{'' if self.sampler is None else ', sampler=' + type(self.sampler).__name__})")
