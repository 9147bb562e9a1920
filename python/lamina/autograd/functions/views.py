"""View ops (no copies) and their gradients, and the shape Tensor methods / ``lamina.*``
functions over them: reshape, view, permute, transpose, expand, squeeze, unsqueeze, narrow,
select, split, chunk, repeat, ..."""
from __future__ import annotations

import builtins

from ... import _C
from ..._args import size_arg
from ..._registry import tensor_method, tensor_property
from ..function import Function
from ._util import sum_to, wrap_dim, zeros


class Reshape(Function):
    @staticmethod
    def forward(ctx, x, shape, strict):
        ctx.shape = x.shape
        return _C.view(x, shape) if strict else _C.reshape(x, shape)

    @staticmethod
    def backward(ctx, g):
        return _C.reshape(g, list(ctx.shape)), None, None


class Permute(Function):
    kernel = _C.permute

    @staticmethod
    def forward(ctx, x, dims):
        n = x.ndim
        ctx.inv = [0] * n
        for i, d in enumerate(dims):
            ctx.inv[d % max(n, 1)] = i
        return _C.permute(x, list(dims))

    @staticmethod
    def backward(ctx, g):
        return _C.permute(g, ctx.inv), None


class Transpose(Function):
    kernel = _C.transpose

    @staticmethod
    def forward(ctx, x, d0, d1):
        ctx.d = (d0, d1)
        return _C.transpose(x, d0, d1)

    @staticmethod
    def backward(ctx, g):
        return _C.transpose(g, *ctx.d), None, None


class Expand(Function):
    kernel = _C.expand

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return _C.expand(x, list(shape))

    @staticmethod
    def backward(ctx, g):
        return sum_to(g, ctx.shape), None


class Squeeze(Function):
    kernel = _C.squeeze

    @staticmethod
    def forward(ctx, x, dims):
        ctx.shape = x.shape
        return _C.squeeze(x, dims)

    @staticmethod
    def backward(ctx, g):
        return _C.reshape(g, list(ctx.shape)), None


class Unsqueeze(Function):
    kernel = _C.unsqueeze

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return _C.unsqueeze(x, dim)

    @staticmethod
    def backward(ctx, g):
        return _C.squeeze(g, [ctx.dim]), None


class Slice(Function):
    kernel = _C.slice

    @staticmethod
    def forward(ctx, x, dim, start, stop, step):
        ctx.shape, ctx.args = x.shape, (dim, start, stop, step)
        return _C.slice(x, dim, start, stop, step)

    @staticmethod
    def backward(ctx, g):
        out = zeros(ctx.shape, g)
        _C.copy_(_C.slice(out, *ctx.args), g)
        return out, None, None, None, None


class Select(Function):
    kernel = _C.select

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.shape, ctx.args = x.shape, (dim, index)
        return _C.select(x, dim, index)

    @staticmethod
    def backward(ctx, g):
        out = zeros(ctx.shape, g)
        _C.copy_(_C.select(out, *ctx.args), g)
        return out, None, None


class AsStrided(Function):
    @staticmethod
    def forward(ctx, x, shape, strides, offset):
        if not x.is_contiguous() or x._offset != 0:
            raise ValueError("[as_strided] autograd needs a contiguous input with offset 0")
        ctx.shape = x.shape
        ctx.args = (list(shape), list(strides), offset)
        return _C.as_strided(x, *ctx.args)

    @staticmethod
    def backward(ctx, g):
        # overlapping windows add up: scatter each output element back with index_add
        n = 1
        for s in ctx.shape:
            n *= s
        flat = _C.arange(0, n, 1, _C.DType.int64, g.device)
        idx = _C.reshape(_C.contiguous(_C.as_strided(flat, *ctx.args)), [-1])
        out = _C.index_add(zeros([n], g), 0, idx, _C.reshape(_C.contiguous(g), [-1]))
        return _C.reshape(out, list(ctx.shape)), None, None, None


# --- Tensor methods and lamina functions ---------------------------------------------------

@tensor_method(export=True)
def reshape(self, *shape):
    return Reshape.apply(self, size_arg("reshape", shape), False)


@tensor_method
def view(self, *shape):
    return Reshape.apply(self, size_arg("view", shape), True)


@tensor_method
def view_as(self, other):
    return view(self, other.shape)


@tensor_method
def reshape_as(self, other):
    return reshape(self, other.shape)


@tensor_method(export=True)
def flatten(self, start_dim=0, end_dim=-1):
    if self.ndim == 0:
        return reshape(self, 1)
    s, e = wrap_dim(start_dim, self.ndim, "flatten"), wrap_dim(end_dim, self.ndim, "flatten")
    if s > e:
        raise ValueError(f"[flatten] start_dim {start_dim} comes after end_dim {end_dim}")
    shape = list(self.shape[:s]) + [-1 if self.numel() else 0] + list(self.shape[e + 1:])
    if not self.numel():
        n = 1
        for d in self.shape[s:e + 1]:
            n *= d
        shape[s] = n
    return reshape(self, shape)


@tensor_method(export=True)
def unflatten(self, dim, sizes):
    d = wrap_dim(dim, self.ndim, "unflatten")
    return reshape(self, list(self.shape[:d]) + list(sizes) + list(self.shape[d + 1:]))


@tensor_method(export=True)
def permute(self, *dims):
    return Permute.apply(self, size_arg("permute", dims))


@tensor_method(export=True)
def transpose(self, dim0, dim1):
    return Transpose.apply(self, dim0, dim1)


@tensor_method(export=True)
def t(self):
    if self.ndim > 2:
        raise ValueError(f"[t] expects a tensor with <= 2 dims, got {self.ndim}")
    return transpose(self, 0, 1) if self.ndim == 2 else self


@tensor_property("T")
def _T(self):
    return permute(self, list(range(self.ndim))[::-1])


@tensor_property("mT")
def _mT(self):
    return transpose(self, -2, -1)


@tensor_method
def expand(self, *sizes):
    return Expand.apply(self, size_arg("expand", sizes))


@tensor_method
def expand_as(self, other):
    return expand(self, other.shape)


@tensor_method(export=True)
def broadcast_to(self, shape):
    return expand(self, shape)


@tensor_method(export=True)
def squeeze(self, dim=None):
    return Squeeze.apply(self, None if dim is None else ([dim] if isinstance(dim, int) else list(dim)))


@tensor_method(export=True)
def unsqueeze(self, dim):
    return Unsqueeze.apply(self, dim)


@tensor_method(export=True)
def narrow(self, dim, start, length):
    return Slice.apply(self, dim, start, start + length, 1)


@tensor_method(export=True)
def select(self, dim, index):
    return Select.apply(self, dim, index)


@tensor_method(export=True)
def unbind(self, dim=0):
    return tuple(select(self, dim, i) for i in range(self.shape[wrap_dim(dim, self.ndim, "unbind")]))


@tensor_method(export=True)
def split(self, split_size_or_sections, dim=0):
    d = wrap_dim(dim, self.ndim, "split")
    n = self.shape[d]
    if isinstance(split_size_or_sections, int):
        step = split_size_or_sections
        if step <= 0:
            raise ValueError(f"[split] split size must be positive, got {step}")
        sizes = [builtins.min(step, n - i) for i in range(0, n, step)] or [0]
    else:
        sizes = list(split_size_or_sections)
        if builtins.sum(sizes) != n:
            raise ValueError(f"[split] sections {sizes} do not add up to {n} along dim {dim}")
    out, at = [], 0
    for s in sizes:
        out.append(Slice.apply(self, d, at, at + s, 1))
        at += s
    return tuple(out)


@tensor_method(export=True)
def chunk(self, chunks, dim=0):
    if chunks <= 0:
        raise ValueError(f"[chunk] chunks must be positive, got {chunks}")
    n = self.shape[wrap_dim(dim, self.ndim, "chunk")]
    return split(self, builtins.max(1, -(-n // chunks)), dim)


@tensor_method(export=True)
def repeat(self, *sizes):
    sizes = size_arg("repeat", sizes)
    if len(sizes) < self.ndim:
        raise ValueError(f"[repeat] needs at least {self.ndim} sizes, got {sizes}")
    x = self.reshape([1] * (len(sizes) - self.ndim) + list(self.shape))
    inter, final = [], []
    for r, s in zip(sizes, x.shape):
        inter += [r, s]
        final.append(r * s)
    x = x.reshape([v for s in x.shape for v in (1, s)]).expand(inter)
    return x.reshape(final)


@tensor_method
def unfold(self, dimension, size, step):
    """Windows of ``size`` elements every ``step`` along ``dimension``: that dim becomes the
    window count (n - size) // step + 1 and a last dim of ``size`` is added (a strided view of
    a contiguous copy when the input is not contiguous)."""
    d = wrap_dim(dimension, self.ndim, "unfold")
    n = self.shape[d] if self.ndim else 1
    if isinstance(size, bool) or not isinstance(size, int) or size < 0 or size > n:
        raise ValueError(f"[unfold] size {size!r} must be between 0 and the size {n} of dim {d}")
    if isinstance(step, bool) or not isinstance(step, int) or step <= 0:
        raise ValueError(f"[unfold] step must be a positive integer, got {step!r}")
    x = self if self.is_contiguous() and self.storage_offset() == 0 else self.clone()
    if x.ndim == 0:
        x = x.reshape(1)
    strides = list(x.stride())
    shape = list(x.shape)
    shape[d] = (n - size) // step + 1
    out_strides = strides[:]
    out_strides[d] = strides[d] * step
    return AsStrided.apply(x, shape + [size], out_strides + [strides[d]], 0)
