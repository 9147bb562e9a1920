"""``mx.io``: NDArrayIter, DataBatch and DataDesc with MXNet 1.x's batching rules.

``last_batch_handle``: 'pad' (default; the last batch is filled from the start of the data
and ``batch.pad`` says how many rows are filler), 'discard' (drop it) or 'roll_over' (its
rows open the next epoch's first batch). ``shuffle`` reorders the data with
``np.random.shuffle`` at construction and at every ``reset()``, as MXNet does."""
from __future__ import annotations

from collections import OrderedDict, namedtuple

import numpy as np

from . import ndarray as _nd

__all__ = ["DataDesc", "DataBatch", "DataIter", "NDArrayIter"]


class DataDesc(namedtuple("DataDesc", ["name", "shape"])):
    def __new__(cls, name, shape, dtype=np.float32, layout="NCHW"):
        ret = super().__new__(cls, name, tuple(shape))
        ret.dtype, ret.layout = dtype, layout
        return ret


class DataBatch:
    def __init__(self, data, label=None, pad=0, index=None, provide_data=None,
                 provide_label=None):
        self.data, self.label, self.pad, self.index = data, label, pad, index
        self.provide_data, self.provide_label = provide_data, provide_label


class DataIter:
    def __init__(self, batch_size=0):
        self.batch_size = batch_size

    def __iter__(self):
        return self

    def __next__(self):
        return self.next()

    def reset(self):
        pass


def _init_data(data, allow_empty, default_name):
    if data is None:
        if not allow_empty:
            raise ValueError("[NDArrayIter] data is required")
        return []
    if isinstance(data, (np.ndarray, _nd.NDArray, list)):
        data = [data] if not isinstance(data, list) or not data or \
            not isinstance(data[0], (np.ndarray, _nd.NDArray)) else data
        names = [default_name] if len(data) == 1 else [f"_{i}_{default_name}"
                                                       for i in range(len(data))]
        data = OrderedDict(zip(names, data))
    if not isinstance(data, dict):
        raise TypeError("[NDArrayIter] data and label must be arrays, lists or dicts of arrays")
    return [(k, v.asnumpy() if isinstance(v, _nd.NDArray) else np.asarray(v))
            for k, v in data.items()]


class NDArrayIter(DataIter):
    def __init__(self, data, label=None, batch_size=1, shuffle=False, last_batch_handle="pad",
                 data_name="data", label_name="softmax_label", layout="NCHW"):
        super().__init__(batch_size)
        if last_batch_handle not in ("pad", "discard", "roll_over"):
            raise ValueError(f"[NDArrayIter] last_batch_handle must be 'pad', 'discard' or "
                             f"'roll_over', got {last_batch_handle!r}")
        self.data = _init_data(data, False, data_name)
        self.label = _init_data(label, True, label_name)
        self.num_data = self.data[0][1].shape[0]
        for k, v in self.data + self.label:
            if v.shape[0] != self.num_data:
                raise ValueError(f"[NDArrayIter] {k} has {v.shape[0]} rows, expected "
                                 f"{self.num_data}")
        self.idx = np.arange(self.num_data)
        self.shuffle, self.last_batch_handle = shuffle, last_batch_handle
        self.layout = layout
        self.cursor = -batch_size
        self._cache = None
        self.reset()

    def _desc(self, src):
        return [DataDesc(k, (self.batch_size,) + v.shape[1:], v.dtype) for k, v in src]

    @property
    def provide_data(self):
        return self._desc(self.data)

    @property
    def provide_label(self):
        return self._desc(self.label)

    def hard_reset(self):
        if self.shuffle:
            self._shuffle()
        self.cursor, self._cache = -self.batch_size, None

    def reset(self):
        if self.shuffle:
            self._shuffle()
        if self.last_batch_handle == "roll_over" and \
                self.num_data - self.batch_size < self.cursor < self.num_data:
            self.cursor = self.cursor - self.num_data - self.batch_size
        else:
            self.cursor = -self.batch_size

    def _shuffle(self):
        np.random.shuffle(self.idx)
        self.data = [(k, v[self.idx]) for k, v in self.data]
        self.label = [(k, v[self.idx]) for k, v in self.label]

    def iter_next(self):
        self.cursor += self.batch_size
        return self.cursor < self.num_data

    def _rows(self, src):
        c, b, n = self.cursor, self.batch_size, self.num_data
        if self.last_batch_handle == "roll_over" and -b < c < 0:
            cached = self._cache[0 if src is self.data else 1]
            return [np.concatenate([old, v[:c + b]]) for old, (_, v) in zip(cached, src)]
        if self.last_batch_handle == "pad" and c + b > n:
            pad = c + b - n
            return [np.concatenate([v[c:]] + [v] * (pad // n) + [v[:pad % n]]) for _, v in src]
        return [v[c:min(c + b, n)] for _, v in src]

    def next(self):
        if not self.iter_next():
            raise StopIteration
        data, label = self._rows(self.data), self._rows(self.label)
        if self.last_batch_handle == "roll_over" and self.cursor < 0:
            self._cache = None
        if data[0].shape[0] != self.batch_size:
            self._cache = (data, label)
            raise StopIteration
        return DataBatch([_nd.array(d) for d in data],
                         [_nd.array(lb) for lb in label], pad=self.getpad())

    def getpad(self):
        c, b, n = self.cursor, self.batch_size, self.num_data
        if self.last_batch_handle == "pad" and c + b > n:
            return c + b - n
        if self.last_batch_handle == "roll_over" and -b < c < 0:
            return -c
        return 0
