"""Tensor factories: from data, constant fills, ranges, random draws (``manual_seed``)."""
from __future__ import annotations

import numbers

import numpy as np

from . import _C
from . import dtypes as _dt
from .device import resolve as _dev
from ._args import check_sizes, size_arg

Tensor = _C.Tensor


def _finish(t, requires_grad):
    if requires_grad:
        t.requires_grad_(True)
    return t


def _numpy_of(data, dtype):
    if isinstance(data, Tensor):
        return None
    try:
        arr = np.asarray(data)
    except ValueError as e:  # ragged nested lists
        raise ValueError(f"[tensor] could not convert the data to an array: {e}") from None
    if arr.dtype == object:
        raise TypeError("[tensor] could not convert the data to a numeric array")
    if dtype is None:
        if isinstance(data, np.ndarray) or isinstance(data, np.generic):
            dtype = _dt.from_numpy_dtype(arr.dtype)
        elif arr.dtype.kind == "f":
            dtype = _dt.float32
        else:
            dtype = _dt.from_numpy_dtype(arr.dtype)
    target = _dt.to_numpy_dtype(dtype)
    if target is np.int64 and arr.dtype.kind == "u" and arr.size and \
            arr.max() > np.iinfo(np.int64).max:
        raise ValueError(f"[tensor] value {arr.max()} does not fit in int64")
    # np.ascontiguousarray would turn a 0-d array into shape (1,)
    return np.asarray(arr, dtype=target, order="C")


def tensor(data, dtype=None, device=None, requires_grad=False):
    """A new tensor holding a copy of ``data`` (lists, numbers, numpy arrays, tensors).

    Python floats become float32, ints int64, bools bool; numpy arrays keep their dtype."""
    dtype = _dt.resolve(dtype)
    dev = _dev(device)
    if isinstance(data, Tensor):
        out = _C.to(data.detach(), dev, dtype or data.dtype, True)
    else:
        out = _C._from_numpy(_numpy_of(data, dtype))
        if dev != out.device:
            out = _C.to(out, dev, out.dtype, False)
    return _finish(out, requires_grad)


def asarray(obj, dtype=None, device=None, copy=None, requires_grad=False):
    """Like ``tensor`` but shares memory with numpy arrays, DLPack producers and tensors when
    dtype and device allow (``copy=False`` makes sharing mandatory)."""
    dtype = _dt.resolve(dtype)
    dev = None if device is None else _dev(device)
    out = None
    if isinstance(obj, Tensor):
        out = obj
    elif hasattr(obj, "__dlpack__") and not copy:
        try:
            out = from_dlpack(obj)
        except (TypeError, BufferError, ValueError, RuntimeError):
            if copy is False:
                raise
            out = None
    if out is not None:
        want_dt = dtype or out.dtype
        want_dev = dev or out.device
        if copy or want_dt != out.dtype or want_dev != out.device:
            if copy is False:
                raise ValueError("[asarray] copy=False but a copy is needed for the dtype/device")
            out = _C.to(out, want_dev, want_dt, True)
        return _finish(out, requires_grad)
    if copy is False:
        raise ValueError(f"[asarray] cannot share memory with {type(obj).__name__}")
    return tensor(obj, dtype=dtype, device=dev, requires_grad=requires_grad)


def from_numpy(arr):
    """A tensor sharing ``arr``'s memory (float32, float64, int64 or bool arrays)."""
    if not isinstance(arr, np.ndarray):
        raise TypeError(f"[from_numpy] expected a numpy.ndarray, got {type(arr).__name__}")
    return from_dlpack(arr)


def from_dlpack(ext):
    """Zero-copy import of any DLPack producer (numpy, torch, cupy, ...) or a raw capsule."""
    if hasattr(ext, "__dlpack__"):
        kind, _ = ext.__dlpack_device__()
        kwargs = {"stream": 1} if int(kind) == 2 else {}  # we run on the legacy default stream
        try:
            cap = ext.__dlpack__(max_version=(1, 0), **kwargs)
        except TypeError:
            cap = ext.__dlpack__(**kwargs)
    elif type(ext).__name__ == "PyCapsule":
        cap = ext
    else:
        raise TypeError(f"[from_dlpack] expected an object with __dlpack__ or a DLPack capsule, "
                        f"got {type(ext).__name__}")
    return _C.from_dlpack_capsule(cap)


def _shape(op, size):
    """Validated sizes: integers, not negative, and a tensor that can be addressed."""
    shape = check_sizes(op, size_arg(op, size))
    n = 1
    for s in shape:
        n *= s
    if n * 8 >= 2**63:
        raise ValueError(f"[{op}] size {tuple(shape)} is too large to allocate")
    return shape


def _factory(op, size, value, dtype, device, requires_grad):
    shape = _shape(op, size)
    return _finish(_C.full(shape, value, _dt.resolve(dtype, _dt.float32), _dev(device)), requires_grad)


def zeros(*size, dtype=None, device=None, requires_grad=False):
    return _factory("zeros", size, 0.0, dtype, device, requires_grad)


def ones(*size, dtype=None, device=None, requires_grad=False):
    return _factory("ones", size, 1.0, dtype, device, requires_grad)


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        dtype = (_dt.bool_ if isinstance(fill_value, bool) else
                 _dt.int64 if isinstance(fill_value, numbers.Integral) else _dt.float32)
    return _factory("full", (size,), float(fill_value),
                    dtype, device, requires_grad)


def empty(*size, dtype=None, device=None, requires_grad=False):
    shape = _shape("empty", size)
    return _finish(_C.empty(shape, _dt.resolve(dtype, _dt.float32), _dev(device)), requires_grad)


def _like(x, dtype, device):
    return _dt.resolve(dtype, x.dtype), _dev(device, x.device)


def zeros_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.full(list(x.shape), 0.0, dt, dev), requires_grad)


def ones_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.full(list(x.shape), 1.0, dt, dev), requires_grad)


def full_like(x, fill_value, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.full(list(x.shape), float(fill_value), dt, dev), requires_grad)


def empty_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.empty(list(x.shape), dt, dev), requires_grad)


def rand_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.rand(list(x.shape), 0.0, 1.0, dt, dev), requires_grad)


def randn_like(x, dtype=None, device=None, requires_grad=False):
    dt, dev = _like(x, dtype, device)
    return _finish(_C.randn(list(x.shape), 0.0, 1.0, dt, dev), requires_grad)


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = _dt.int64 if ints else _dt.float32
    return _finish(_C.arange(float(start), float(end), float(step), _dt.resolve(dtype), _dev(device)),
                   requires_grad)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _finish(_C.linspace(float(start), float(end), int(steps), _dt.resolve(dtype, _dt.float32),
                               _dev(device)), requires_grad)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _finish(_C.eye(int(n), int(n if m is None else m), _dt.resolve(dtype, _dt.float32),
                          _dev(device)), requires_grad)


def rand(*size, dtype=None, device=None, requires_grad=False):
    """Uniform in [0, 1). Deterministic for a ``manual_seed``, on the CPU and CUDA alike."""
    shape = _shape("rand", size)
    return _finish(_C.rand(shape, 0.0, 1.0, _dt.resolve(dtype, _dt.float32), _dev(device)),
                   requires_grad)


def randn(*size, dtype=None, device=None, requires_grad=False):
    """Standard normal draws."""
    shape = _shape("randn", size)
    return _finish(_C.randn(shape, 0.0, 1.0, _dt.resolve(dtype, _dt.float32), _dev(device)),
                   requires_grad)


def randint(low, high=None, size=None, dtype=None, device=None):
    """Integers in [low, high); ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("[randint] expected randint(low, high, size) or randint(high, size)")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    shape = _shape("randint", (size,))
    return _C.randint(shape, int(low), int(high), _dt.resolve(dtype, _dt.int64), _dev(device))


def bernoulli(p, generator=None):
    """1 with probability p (a tensor of probabilities), else 0; same dtype as p."""
    if generator is not None:
        raise ValueError("[bernoulli] generator objects are not supported; use manual_seed")
    if not isinstance(p, Tensor) or not p.dtype.is_floating_point:
        raise TypeError("[bernoulli] expected a floating tensor of probabilities")
    u = _C.rand(list(p.shape), 0.0, 1.0, p.dtype, p.device)
    return _C.cast(_C.lt(u, p), p.dtype)


def manual_seed(seed):
    """Seed the generator used by rand/randn/randint/bernoulli/dropout on every device."""
    if not isinstance(seed, numbers.Integral):
        raise TypeError(f"[manual_seed] expected an integer seed, got {seed!r}")
    _C.manual_seed(int(seed) & 0xFFFFFFFFFFFFFFFF)


def initial_seed():
    return _C.initial_seed()


def multinomial(input, num_samples, replacement=False, generator=None):
    """``num_samples`` category indices per row of non-negative weights ``input`` (1-D or
    2-D): with replacement, inverse-CDF draws (cumsum + searchsorted); without, the Gumbel
    top-k (the k largest of log w + Gumbel noise), which samples without replacement in
    proportion to the weights."""
    op = "multinomial"
    if generator is not None:
        raise ValueError(f"[{op}] generator objects are not supported; use manual_seed")
    if not isinstance(input, Tensor) or not input.dtype.is_floating_point or input.ndim not in (1, 2):
        raise TypeError(f"[{op}] expected a 1-D or 2-D floating tensor of weights")
    w = input.detach() if input.ndim == 2 else input.detach().unsqueeze(0)
    rows, n = int(w.shape[0]), int(w.shape[1])
    if isinstance(num_samples, bool) or not isinstance(num_samples, int) or num_samples < 1:
        raise ValueError(f"[{op}] num_samples must be a positive int, got {num_samples!r}")
    if not replacement and num_samples > n:
        raise ValueError(f"[{op}] cannot draw {num_samples} samples from {n} categories "
                         "without replacement")
    if bool(_C.lt(w, 0.0).any()) or not bool(w.isfinite().all()):
        raise ValueError(f"[{op}] weights must be finite and non-negative")
    total = w.sum(1, keepdim=True)
    if bool(_C.le(total, 0.0).any()):
        raise ValueError(f"[{op}] every row needs a positive total weight")
    if replacement:
        cdf = _C.cumsum(w, 1, False)
        u = _C.rand([rows, num_samples], 0.0, 1.0, w.dtype, w.device) * total
        out = _C.searchsorted(cdf, u, True).clamp(0, n - 1)
    else:
        g = -(-_C.rand([rows, n], 0.0, 1.0, _dt.float64, w.device).clamp(1e-300, 1.0).log()).log()
        keys = _C.where(_C.gt(w, 0.0), w.to(_dt.float64).log() + g,
                        _C.full([], float("-inf"), _dt.float64, w.device))
        out = _C.topk(keys, num_samples, 1, True)[1]
    return out if input.ndim == 2 else out.squeeze(0)


def as_tensor(data, dtype=None, device=None):
    """``data`` as a tensor, sharing memory with numpy arrays and tensors when dtype and device
    allow (torch.as_tensor); a copy otherwise."""
    return asarray(data, dtype=dtype, device=device)


# --- Tensor.new_*: the tensor's dtype and device unless given ----------------------------------

def _new_like(self, dtype, device):
    return _dt.resolve(dtype, self.dtype), _dev(device, self.device)


def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
    dt, dev = _new_like(self, dtype, device)
    return _finish(_C.full(_shape("new_zeros", size), 0.0, dt, dev), requires_grad)


def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
    dt, dev = _new_like(self, dtype, device)
    return _finish(_C.full(_shape("new_ones", size), 1.0, dt, dev), requires_grad)


def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
    dt, dev = _new_like(self, dtype, device)
    return _finish(_C.full(_shape("new_full", (size,)), float(fill_value), dt, dev),
                   requires_grad)


def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
    dt, dev = _new_like(self, dtype, device)
    return _finish(_C.empty(_shape("new_empty", size), dt, dev), requires_grad)


def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
    """A copy of ``data``; Python data takes this tensor's dtype (torch's rule)."""
    dt, dev = _new_like(self, dtype, device)
    return tensor(data, dtype=dt, device=dev, requires_grad=requires_grad)


for _fn in (new_zeros, new_ones, new_full, new_empty, new_tensor):
    setattr(Tensor, _fn.__name__, _fn)
del _fn
