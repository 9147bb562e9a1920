"""Indexing ops (index_select, gather, scatter_add, index_add, cat) with their gradients, and
the indexing Tensor methods / ``lamina.*`` functions: those, masked_fill, cat, stack, and
``x[idx]`` / ``x[idx] = value`` (ints, slices, None, Ellipsis and int64 index tensors)."""
from __future__ import annotations

import builtins

import numpy as np

from ... import _C
from ... import dtypes as _dt
from ..._registry import export, tensor_method
from ..grad_mode import _state
from ..function import Function
from ._util import Tensor, no_grad_write, wrap_dim, zeros
from .elementwise import where
from .views import Select, Slice, Unsqueeze


class IndexSelect(Function):
    kernel = _C.index_select

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _C.index_select(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return _C.index_add(zeros(ctx.shape, g), ctx.dim, index, g), None, None


class Gather(Function):
    kernel = _C.gather

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.dim = x.shape, dim
        ctx.save_for_backward(index)
        return _C.gather(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        return _C.scatter_add(zeros(ctx.shape, g), ctx.dim, index, g), None, None


class ScatterAdd(Function):
    kernel = _C.scatter_add

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        ctx.src_shape = src.shape
        return _C.scatter_add(x, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = _src_grad(g, ctx.dim, index, ctx.src_shape)
        return g, None, None, gsrc


class Scatter(Function):
    """out = x with src written at index along dim (repeated targets: the last source on the
    CPU). Gradients as torch: x's is g with the written places zeroed, src's is g gathered."""

    kernel = _C.scatter

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        ctx.src_shape = src.shape
        return _C.scatter(x, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = _C.scatter(g, ctx.dim, index, _C.full(list(index.shape), 0.0, g.dtype,
                                                       g.device))
        if ctx.needs_input_grad[3]:
            gsrc = _src_grad(g, ctx.dim, index, ctx.src_shape)
        return gx, None, None, gsrc


def _src_grad(g, dim, index, src_shape):
    """The gradient of a scatter's src: g gathered at index, in the leading corner of zeros
    when src is larger than index (its untouched part gets 0)."""
    gsrc = _C.gather(g, dim, index)
    if gsrc.shape == src_shape:
        return gsrc
    full = _C.full(list(src_shape), 0.0, g.dtype, g.device)
    view = full
    for d, n in enumerate(gsrc.shape):
        view = _C.slice(view, d, 0, n, 1)
    _C.copy_(view, gsrc)
    return full


class IndexAdd(Function):
    kernel = _C.index_add

    @staticmethod
    def forward(ctx, x, dim, index, src):
        ctx.dim = dim
        ctx.save_for_backward(index)
        return _C.index_add(x, dim, index, src)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gsrc = _C.index_select(g, ctx.dim, index) if ctx.needs_input_grad[3] else None
        return g, None, None, gsrc


class Cat(Function):
    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim % xs[0].ndim if xs and xs[0].ndim else dim
        ctx.sizes = [x.shape[ctx.dim] if x.ndim else 0 for x in xs]
        ctx.dtypes = [x.dtype for x in xs]
        return _C.cat(list(xs), dim)

    @staticmethod
    def backward(ctx, g):
        grads, at = [None], 0
        for n, dt in zip(ctx.sizes, ctx.dtypes):
            part = _C.slice(g, ctx.dim, at, at + n, 1)
            grads.append(part if part.dtype == dt else _C.cast(part, dt))
            at += n
        return tuple(grads)


# --- Tensor methods and lamina functions ---------------------------------------------------

@tensor_method(export=True)
def index_select(self, dim, index):
    return IndexSelect.apply(self, dim, index)


@tensor_method(export=True)
def gather(self, dim, index):
    return Gather.apply(self, dim, index)


@tensor_method(export=True)
def scatter_add(self, dim, index, src):
    return ScatterAdd.apply(self, dim, index, src)


@tensor_method(export=True)
def index_add(self, dim, index, source, alpha=1):
    if alpha != 1:
        source = source * alpha
    return IndexAdd.apply(self, dim, index, source)


def _scatter_src(op, self, index, src, value):
    if (src is None) == (value is None):
        raise TypeError(f"[{op}] give exactly one of src and value")
    if src is None or not isinstance(src, Tensor):
        v = value if src is None else src
        return _C.full(list(index.shape), builtins.float(v), self.dtype, self.device)
    return src


@tensor_method(export=True)
def scatter(self, dim, index, src=None, value=None, *, reduce=None):
    """A copy of self with ``src`` (a tensor, or a number / ``value``) written at ``index``
    along ``dim``: out[i][index[i][j]] = src[i][j] for dim 1. reduce='add' accumulates
    (scatter_add); repeated targets keep the last source on the CPU."""
    src = _scatter_src("scatter", self, index, src, value)
    if reduce == "add":
        return ScatterAdd.apply(self, dim, index, src)
    if reduce is not None:
        raise ValueError(f"[scatter] reduce must be None or 'add', got {reduce!r}")
    return Scatter.apply(self, dim, index, src)


@tensor_method
def scatter_(self, dim, index, src=None, value=None, *, reduce=None):
    """In place: :func:`scatter`'s result written into self."""
    no_grad_write("scatter_", self)
    src = _scatter_src("scatter_", self, index, src, value)
    if reduce not in (None, "add"):
        raise ValueError(f"[scatter_] reduce must be None or 'add', got {reduce!r}")
    fn = _C.scatter_add if reduce == "add" else _C.scatter
    _C.copy_(self, fn(self, dim, index, src))
    return self


@tensor_method
def index_add_(self, dim, index, source, alpha=1):
    """In place: self[..., index[i], ...] += alpha * source[..., i, ...] along ``dim`` (repeated
    indices accumulate, in a deterministic order on the CPU)."""
    no_grad_write("index_add_", self)
    if alpha != 1:
        source = _C.mul(source, alpha)
    _C.copy_(self, _C.index_add(self, dim, index, source))
    return self


@tensor_method(export=True)
def masked_fill(self, mask, value):
    return where(mask, value if isinstance(value, Tensor) else
                 _C.full([], builtins.float(value), self.dtype, self.device), self)


@tensor_method
def masked_fill_(self, mask, value):
    """``value`` written in place where the bool ``mask`` (broadcast to self) is True."""
    no_grad_write("masked_fill_", self)
    if not isinstance(mask, Tensor) or mask.dtype != _dt.bool_:
        raise TypeError("[masked_fill_] expected a bool tensor mask")
    v = value if isinstance(value, Tensor) else \
        _C.full([], builtins.float(value), self.dtype, self.device)
    _C.copy_(self, _C.where(mask, _C.cast(v, self.dtype), self))
    return self


@tensor_method(export=True)
def masked_select(self, mask):
    """The elements where the bool ``mask`` (broadcast with self) is True, as a 1-d tensor."""
    if not isinstance(mask, Tensor) or mask.dtype != _dt.bool_:
        raise TypeError("[masked_select] expected a bool tensor mask")
    shape = _broadcast("masked_select", self.shape, mask.shape)
    x = self if self.shape == shape else self.expand(shape)
    m = mask if mask.shape == shape else _C.expand(mask, list(shape))
    return x.reshape(-1)[m.reshape(-1)]


def _broadcast(op, a, b):
    out = []
    for i in range(1, builtins.max(len(a), len(b)) + 1):
        x = a[-i] if i <= len(a) else 1
        y = b[-i] if i <= len(b) else 1
        if x != y and x != 1 and y != 1:
            raise ValueError(f"[{op}] shapes {tuple(a)} and {tuple(b)} do not broadcast")
        out.append(y if x == 1 else x)
    return tuple(reversed(out))


@tensor_method
def index_fill_(self, dim, index, value):
    """``value`` written in place into the slices ``index`` (int64, 0-d or 1-d) along dim."""
    no_grad_write("index_fill_", self)
    dim = wrap_dim(dim, self.ndim, "index_fill_")
    if not isinstance(index, Tensor) or index.dtype != _dt.int64 or index.ndim > 1:
        raise TypeError("[index_fill_] index must be a 0-d or 1-d int64 tensor")
    n = self.shape[dim] if self.ndim else 1
    idx = _C.reshape(index, [-1])
    if idx.numel():
        lo, hi = _C.amax(idx, None, False, False).item(), _C.amax(idx, None, False, True).item()
        if lo < -n or hi >= n:
            raise IndexError(f"[index_fill_] index {hi if hi >= n else lo} is out of range for "
                             f"dim {dim} of size {n}")
    idx = _C.where(_C.lt(idx, 0), _C.add(idx, n), idx)
    hit = _C.index_add(_C.full([n], 0.0, _dt.int64, self.device), 0, idx,
                       _C.full([idx.numel()], 1.0, _dt.int64, self.device))
    shape = [1] * self.ndim
    if self.ndim:
        shape[dim] = n
    mask = _C.reshape(_C.gt(hit, 0), shape)
    v = value if isinstance(value, Tensor) else \
        _C.full([], builtins.float(value), self.dtype, self.device)
    _C.copy_(self, _C.where(mask, _C.cast(v, self.dtype), self))
    return self


def _to_index(it, device):
    if isinstance(it, Tensor):
        return it
    t = _C._from_numpy(np.asarray(it))
    return _C.to(t, device, t.dtype, False)


def _basic_index(self, idx):
    """Apply ints, slices, None and Ellipsis (views); return the view and the tensor indices
    left for ``_advanced`` with the dims they index."""
    if not isinstance(idx, tuple):
        idx = (idx,)
    consumed = builtins.sum(1 for it in idx if it is not None and it is not Ellipsis and
                            not (isinstance(it, Tensor) and it.dtype == _dt.bool_))
    consumed += builtins.sum(it.ndim for it in idx if isinstance(it, Tensor) and it.dtype == _dt.bool_)
    if consumed > self.ndim:
        raise IndexError(f"[getitem] too many indices for a tensor with {self.ndim} dims")
    out, dim = self, 0
    tensor_dims, tensor_idx = [], []
    for it in idx:
        if it is None:
            out = Unsqueeze.apply(out, dim)
            dim += 1
        elif it is Ellipsis:
            dim += self.ndim - consumed
        elif isinstance(it, bool):
            raise TypeError("[getitem] bool indices are not supported")
        elif isinstance(it, int) or (hasattr(it, "__index__") and not isinstance(it, (Tensor, list))):
            out = Select.apply(out, dim, int(it))
        elif isinstance(it, slice):
            step = 1 if it.step is None else it.step
            if step <= 0:
                raise ValueError(f"[getitem] slice step must be positive, got {step}")
            out = Slice.apply(out, dim, it.start, it.stop, step)
            dim += 1
        elif isinstance(it, (Tensor, list, tuple)) or hasattr(it, "__array__"):
            t = _to_index(it, self.device)
            if t.dtype == _dt.bool_:  # a k-d mask: k int64 index tensors, its nonzero positions
                shape = tuple(out.shape[dim:dim + t.ndim])
                if tuple(t.shape) != shape:
                    raise IndexError(f"[getitem] the shape of the mask {tuple(t.shape)} does not "
                                     f"match the shape of the indexed tensor {shape} at dim {dim}")
                for pos in _mask_positions(t):
                    tensor_dims.append(dim)
                    tensor_idx.append(pos)
                    dim += 1
                continue
            if t.dtype != _dt.int64:
                raise TypeError(f"[getitem] tensor indices must be int64, got {t.dtype}")
            tensor_dims.append(dim)
            tensor_idx.append(t)
            dim += 1
        else:
            raise TypeError(f"[getitem] unsupported index {it!r}")
    return out, tensor_dims, tensor_idx


def _mask_positions(mask):
    """The coordinates of a bool mask's True elements, one int64 tensor per dim, in row-major
    order (found on the host; the mask is copied there)."""
    host = mask.detach().numpy(force=True)
    return [_C.to(_C._from_numpy(np.ascontiguousarray(p, dtype=np.int64)), mask.device,
                  _dt.int64, False) for p in np.nonzero(host)]


@tensor_method
def __getitem__(self, idx):
    out, tensor_dims, tensor_idx = _basic_index(self, idx)
    if tensor_idx:
        out = _advanced(out, tensor_dims, tensor_idx)
    return out


def _linear_index(x, dims, idx, op):
    """int64 index tensors on adjacent dims ``dims`` of ``x`` -> one index ``lin`` into those
    dims flattened, the flattened shape, and the shape of the indexed result."""
    if dims != list(range(dims[0], dims[0] + len(dims))):
        raise TypeError(f"[{op}] tensor indices must be on adjacent dims")
    d0, k = dims[0], len(dims)
    shape = list(x.shape)
    lin = None
    for d, t in zip(dims, idx):
        n = shape[d]
        if t.numel():
            lo, hi = _C.amax(t, None, False, False).item(), _C.amax(t, None, False, True).item()
            if lo < -n or hi >= n:
                raise IndexError(f"[{op}] index {hi if hi >= n else lo} is out of range for dim "
                                 f"{d} of size {n}")
        wrapped = _C.where(_C.lt(t, 0), _C.add(t, n), t)
        lin = wrapped if lin is None else _C.add(_C.mul(lin, n), wrapped)
    block = 1
    for d in dims:
        block *= shape[d]
    flat_shape = shape[:d0] + [block] + shape[d0 + k:]
    out_shape = shape[:d0] + list(lin.shape) + shape[d0 + k:]
    return _C.reshape(_C.contiguous(lin), [-1]), flat_shape, out_shape, d0


def _advanced(x, dims, idx):
    """x[..., i0, i1, ...] for int64 index tensors on adjacent dims (broadcast together)."""
    lin, flat_shape, out_shape, d0 = _linear_index(x, dims, idx, "getitem")
    picked = IndexSelect.apply(x.reshape(flat_shape), d0, lin)
    return picked.reshape(out_shape)


def _advanced_put(x, dims, idx, value):
    """x[..., i0, i1, ...] = value. A repeated index stores the mean of its values."""
    lin, flat_shape, out_shape, d0 = _linear_index(x, dims, idx, "setitem")
    n, block = lin.numel(), flat_shape[d0]
    work = _dt.int64 if x.dtype == _dt.bool_ else x.dtype  # index_add has no bool kernel
    try:
        v = _C.cast(_C.contiguous(_C.expand(value, out_shape)), work)
    except ValueError:
        raise ValueError(f"[setitem] cannot assign a value of shape {value.shape} to "
                         f"{tuple(out_shape)} indexed elements") from None
    v = _C.reshape(v, flat_shape[:d0] + [n] + flat_shape[d0 + 1:])
    src = _C.index_add(_C.full(flat_shape, 0.0, work, x.device), d0, lin, v)
    count = _C.index_add(_C.full([block], 0.0, _dt.int64, x.device), 0, lin,
                         _C.full([n], 1.0, _dt.int64, x.device))
    count = _C.reshape(count, [1] * d0 + [block] + [1] * (len(flat_shape) - d0 - 1))
    src = _C.where(_C.gt(count, 1), _C.cast(_C.div(src, count), work), src)
    new = _C.where(_C.gt(count, 0), src, _C.reshape(x, flat_shape))
    _C.copy_(x, _C.reshape(new, list(x.shape)))


@tensor_method
def __setitem__(self, idx, value):
    no_grad_write("setitem", self)
    if isinstance(value, Tensor) and value.requires_grad and _state.enabled:
        raise RuntimeError("[setitem] assignment is not recorded by autograd, so the gradient "
                           "of the assigned tensor would be lost; build the result with "
                           "lamina.where / cat / index_add, or assign value.detach()")
    if not isinstance(value, Tensor):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            value = _C._from_numpy(np.asarray(value))
        else:
            value = _C.full([], builtins.float(value), self.dtype, self.device)
    if isinstance(idx, Tensor) and idx.dtype == _dt.bool_:
        if idx.shape != self.shape[:idx.ndim]:
            raise ValueError(f"[setitem] mask shape {idx.shape} must match the leading dims of "
                             f"the tensor shape {self.shape}")
        mask = _C.reshape(idx, list(idx.shape) + [1] * (self.ndim - idx.ndim))
        _C.copy_(self, _C.where(mask, _C.to(value, self.device, value.dtype, False), self))
        return
    with_grad = _state.enabled
    _state.enabled = False
    try:
        target, tensor_dims, tensor_idx = _basic_index(self, idx)
    finally:
        _state.enabled = with_grad
    value = _C.to(value, self.device, value.dtype, False)
    if value._storage_id == self._storage_id:  # x[1:] = x[:-1] reads what it writes: copy first
        value = _C.clone(value)
    while value.ndim > target.ndim and value.shape[0] == 1:  # numpy drops leading 1s
        value = _C.squeeze(value, [0])
    if tensor_idx:
        _advanced_put(target, tensor_dims, tensor_idx, value)
        return
    try:
        _C.copy_(target, value)
    except ValueError:
        raise ValueError(f"[setitem] cannot assign a value of shape {value.shape} to a region "
                         f"of shape {target.shape}") from None


@export
def cat(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("[cat] expected a non-empty list of tensors")
    for t in tensors:
        if not isinstance(t, Tensor):
            raise TypeError(f"[cat] expected tensors, got {type(t).__name__}")
    return Cat.apply(dim, *tensors)


@export
def stack(tensors, dim=0):
    tensors = list(tensors)
    if not tensors:
        raise ValueError("[stack] expected a non-empty list of tensors")
    shape = tensors[0].shape
    for t in tensors:
        if t.shape != shape:
            raise ValueError(f"[stack] all tensors must have one shape, got {shape} and {t.shape}")
    n = tensors[0].ndim + 1
    if not -n <= dim < n:
        raise IndexError(f"[stack] dim {dim} is out of range for {n} dims")
    return cat([Unsqueeze.apply(t, dim % n) for t in tensors], dim % n)



@tensor_method(export=True)
def nonzero(self, *, as_tuple=False):
    """The indices of the non-zero elements in row-major order: a (count, ndim) int64 tensor,
    or with ``as_tuple`` one 1-d tensor per dim. The positions come from a stable argsort of
    the zero flags (lamina's sort kernel), so they stay on the tensor's device; only the count
    is read back."""
    flags = _C.ne(self.detach(), 0.0).reshape(-1) if self.dtype != _dt.bool_ else \
        self.detach().reshape(-1)
    count = int(_C.sum(_C.cast(flags, _dt.int64), [], False).item()) if flags.numel() else 0
    pos = _C.argsort(_C.cast(_C.logical_not(flags), _dt.int64), 0, False)
    pos = _C.slice(pos, 0, 0, count, 1)
    cols = []
    for size in reversed(self.shape):
        s = _C.full([], builtins.float(builtins.max(size, 1)), _dt.int64, self.device)
        cols.append(_C.remainder(pos, s))
        pos = _C.floor_divide(pos, s)
    cols.reverse()
    if as_tuple:  # a 0-d input: torch gives one tensor of zeros
        return tuple(cols) if cols else (_C.full([count], 0.0, _dt.int64, self.device),)
    if not cols:
        return _C.full([count, 0], 0.0, _dt.int64, self.device)
    return stack(cols, 1)


@tensor_method(export=True)
def argwhere(self):
    """``nonzero(self)``: the (count, ndim) indices of the non-zero elements."""
    return nonzero(self)
