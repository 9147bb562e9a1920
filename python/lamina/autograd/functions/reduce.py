"""Reductions and their gradients (the output gradient is broadcast back over the reduced
dims), and the reduction Tensor methods / ``lamina.*`` functions: sum, mean, var, std,
logsumexp, amax, amin, max, min, argmax, argmin, all, any, prod. NumPy's spelling (``axis=``,
``keepdims=``, ``out=None``) is accepted too, so ``np.sum(tensor)`` works."""
from __future__ import annotations

import builtins
import collections

from ... import _C
from ... import dtypes as _dt
from ..._registry import tensor_method
from ..function import Function
from ._util import Tensor, wrap_dim, wrap_dims

min_max = collections.namedtuple("min_max", ["values", "indices"])


def _unreduce(g, in_shape, dims, keepdim):
    """Broadcastable view of ``g`` over the input shape (re-inserting reduced dims)."""
    if not keepdim:
        for d in dims:
            g = _C.unsqueeze(g, d)
    return _C.expand(g, list(in_shape))


class Sum(Function):
    kernel = _C.sum

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, wrap_dims(dims, x.ndim, "sum"), keepdim
        if x.ndim == 0:
            ctx.dims = []
        return _C.sum(x, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        return _C.contiguous(_unreduce(g, ctx.shape, ctx.dims, ctx.keepdim)), None, None


class Mean(Function):
    kernel = _C.mean

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.shape, ctx.keepdim = x.shape, keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "mean") if x.ndim else []
        n = 1
        for d in ctx.dims:
            n *= x.shape[d]
        ctx.n = n
        return _C.mean(x, dims, keepdim)

    @staticmethod
    def backward(ctx, g):
        n = float(builtins.max(ctx.n, 1))
        return _C.div(_unreduce(g, ctx.shape, ctx.dims, ctx.keepdim), n), None, None


class Var(Function):
    kernel = _C.var

    @staticmethod
    def forward(ctx, x, dims, correction, keepdim):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "var") if x.ndim else []
        n = 1
        for d in ctx.dims:
            n *= x.shape[d]
        ctx.scale = 2.0 / (n - correction) if n - correction > 0 else float("nan")
        ctx.save_for_backward(x)
        return _C.var(x, dims, correction, keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        centered = _C.sub(x, _C.mean(x, ctx.dims or None, True))
        gx = _C.mul(_C.mul(_unreduce(g, x.shape, ctx.dims, ctx.keepdim), centered), ctx.scale)
        return gx, None, None, None


class LogSumExp(Function):
    kernel = _C.logsumexp

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "logsumexp") if x.ndim else []
        out = _C.logsumexp(x, dims, keepdim)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        sm = _C.exp(_C.sub(x, _unreduce(out, x.shape, ctx.dims, ctx.keepdim)))
        return _C.mul(sm, _unreduce(g, x.shape, ctx.dims, ctx.keepdim)), None, None


class AMax(Function):
    """max/min over dims (values only): the gradient is shared among tied maxima."""

    kernel = _C.amax

    @staticmethod
    def forward(ctx, x, dims, keepdim, is_max):
        ctx.keepdim = keepdim
        ctx.dims = wrap_dims(dims, x.ndim, "max" if is_max else "min") if x.ndim else []
        out = _C.amax(x, dims, keepdim, is_max)
        ctx.save_for_backward(x, out)
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        hit = _C.cast(_C.eq(x, _unreduce(out, x.shape, ctx.dims, ctx.keepdim)), g.dtype)
        count = _C.sum(hit, ctx.dims or None, True)
        gx = _C.div(_C.mul(hit, _unreduce(g, x.shape, ctx.dims, ctx.keepdim)),
                    _C.expand(count, list(x.shape)))
        return gx, None, None, None


class MaxDim(Function):
    """max/min along one dim with indices: the gradient goes to the chosen index."""

    kernel = _C.max_dim

    @staticmethod
    def forward(ctx, x, dim, keepdim, is_max):
        values, indices = _C.max_dim(x, dim, keepdim, is_max)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim % builtins.max(x.ndim, 1), keepdim
        ctx.save_for_backward(indices)
        return values, indices

    @staticmethod
    def backward(ctx, g, _g_indices=None):
        (indices,) = ctx.saved_tensors
        if g is None:
            return None, None, None, None
        if ctx.keepdim or len(ctx.shape) == 0:
            gi, ii = g, indices
        else:
            gi, ii = _C.unsqueeze(g, ctx.dim), _C.unsqueeze(indices, ctx.dim)
        if len(ctx.shape) == 0:
            return g, None, None, None
        out = _C.full(list(ctx.shape), 0.0, g.dtype, g.device)
        return _C.scatter_add(out, ctx.dim, ii, gi), None, None, None


# --- Tensor methods and lamina functions ---------------------------------------------------

def _dims(dim):
    if dim is None or isinstance(dim, int):
        return dim
    return list(dim)


def _numpy_args(op, dim, keepdim, axis, keepdims, out):
    """(dim, keepdim) from torch's or NumPy's spelling (``np.sum(t)`` calls ``t.sum(axis=None,
    out=None)``); ``out`` must be None."""
    if out is not None:
        raise TypeError(f"[{op}] out= is not supported")
    if axis is not None:
        if dim is not None:
            raise TypeError(f"[{op}] got both dim and axis")
        dim = axis
    if keepdims is not None:
        keepdim = bool(keepdims)
    return dim, keepdim


@tensor_method(export=True)
def sum(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("sum", dim, keepdim, axis, keepdims, out)
    x = self if dtype is None else self.to(dtype)
    return Sum.apply(x, _dims(dim), keepdim)


@tensor_method(export=True)
def mean(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("mean", dim, keepdim, axis, keepdims, out)
    x = self if dtype is None else self.to(dtype)
    return Mean.apply(x, _dims(dim), keepdim)


@tensor_method(export=True)
def var(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None,
        keepdims=None, out=None, ddof=None, dtype=None):
    """Variance over ``dim`` with ``correction`` (default 1); NumPy's ``np.var(t)`` passes
    ``ddof`` (its default 0), which is the correction."""
    dim, keepdim = _numpy_args("var", dim, keepdim, axis, keepdims, out)
    if ddof is not None:
        correction = ddof
    if correction is None:
        correction = 0 if unbiased is False else 1
    x = self if dtype is None else self.to(dtype)
    return Var.apply(x, _dims(dim), builtins.float(correction), keepdim)


@tensor_method(export=True)
def std(self, dim=None, unbiased=None, keepdim=False, correction=None, *, axis=None,
        keepdims=None, out=None, ddof=None, dtype=None):
    return var(self, dim, unbiased, keepdim, correction, axis=axis, keepdims=keepdims,
               out=out, ddof=ddof, dtype=dtype).sqrt()


@tensor_method(export=True)
def var_mean(self, dim=None, unbiased=None, keepdim=False, correction=None):
    """(var, mean) over ``dim``, var with ``correction`` (default 1, Bessel's)."""
    return var(self, dim, unbiased, keepdim, correction), mean(self, dim, keepdim)


@tensor_method(export=True)
def logsumexp(self, dim, keepdim=False):
    return LogSumExp.apply(self, _dims(dim), keepdim)


@tensor_method(export=True)
def amax(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("amax", dim, keepdim, axis, keepdims, out)
    return AMax.apply(self, _dims(dim), keepdim, True)


@tensor_method(export=True)
def amin(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("amin", dim, keepdim, axis, keepdims, out)
    return AMax.apply(self, _dims(dim), keepdim, False)


@tensor_method(export=True)
def max(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    """``max()`` is the largest value; ``max(dim)`` gives (values, indices); ``max(other)`` is
    the elementwise maximum. NumPy's ``np.max(t, axis=...)`` gives the values (amax)."""
    if axis is not None or keepdims is not None or out is not None:
        return amax(self, dim, keepdim, axis=axis, keepdims=keepdims, out=out)
    if isinstance(dim, Tensor):
        return self.maximum(dim)
    if dim is None:
        return AMax.apply(self, None, False, True)
    return min_max(*MaxDim.apply(self, dim, keepdim, True))


@tensor_method(export=True)
def min(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    if axis is not None or keepdims is not None or out is not None:
        return amin(self, dim, keepdim, axis=axis, keepdims=keepdims, out=out)
    if isinstance(dim, Tensor):
        return self.minimum(dim)
    if dim is None:
        return AMax.apply(self, None, False, False)
    return min_max(*MaxDim.apply(self, dim, keepdim, False))


@tensor_method(export=True)
def argmax(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, True)


@tensor_method(export=True)
def argmin(self, dim=None, keepdim=False):
    return _arg_extreme(self, dim, keepdim, False)


def _arg_extreme(self, dim, keepdim, is_max):
    op = "argmax" if is_max else "argmin"
    if dim is None:  # over all elements (keepdim does not apply)
        x, dim, keepdim = _C.reshape(self, [-1]), 0, False
    else:
        x, dim = self, wrap_dim(dim, self.ndim, op)
    if x.ndim and x.shape[dim] == 0:
        raise ValueError(f"[{op}] cannot reduce over a dimension of size 0 (shape {self.shape})")
    return _C.max_dim(x, dim, keepdim, is_max)[1]


@tensor_method(export=True)
def all(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("all", dim, keepdim, axis, keepdims, out)
    return _C.logical_not(_C.gt(_C.sum(_C.logical_not(self), _dims(dim), keepdim), 0))


@tensor_method(export=True)
def any(self, dim=None, keepdim=False, *, axis=None, keepdims=None, out=None):
    dim, keepdim = _numpy_args("any", dim, keepdim, axis, keepdims, out)
    return _C.gt(_C.sum(_C.cast(self, _dt.bool_), _dims(dim), keepdim), 0)


# --- prod ------------------------------------------------------------------------------------

def _prod_last(x):
    """Product over the last dim by pairwise halving (multiply the two halves, pad an odd
    length with a one): exact zeros, log2(n) kernel launches."""
    while x.shape[-1] > 1:
        n = x.shape[-1]
        if n % 2:
            x = _C.cat([x, _C.full(list(x.shape[:-1]) + [1], 1.0, x.dtype, x.device)], x.ndim - 1)
            n += 1
        last = x.ndim - 1
        x = _C.mul(_C.slice(x, last, 0, n // 2, 1), _C.slice(x, last, n // 2, n, 1))
    if x.shape[-1] == 0:
        return _C.full(list(x.shape[:-1]), 1.0, x.dtype, x.device)
    return _C.squeeze(x, [x.ndim - 1])


def _prod(x, dim, keepdim):
    """Product over ``dim`` (None: every element) without autograd."""
    if dim is None:
        out = _prod_last(_C.reshape(x, [-1]))
        return _C.reshape(out, [1] * x.ndim) if keepdim and x.ndim else out
    if x.ndim == 0:
        return x
    out = _prod_last(_C.permute(x, [d for d in range(x.ndim) if d != dim] + [dim]))
    return _C.unsqueeze(out, dim) if keepdim else out


class Prod(Function):
    """d prod / dx_i = the product of the other elements: p / x_i when no element is zero;
    with one zero, the product of the nonzero elements at the zero and 0 elsewhere; with two
    or more, 0."""

    @staticmethod
    def forward(ctx, x, dim, keepdim):
        ctx.save_for_backward(x)
        ctx.dim, ctx.keepdim = dim, keepdim
        return _prod(x, dim, keepdim)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        dims = list(range(x.ndim)) if ctx.dim is None else ([ctx.dim] if x.ndim else [])
        zero = _C.eq(x, 0)
        one = _C.full([], 1.0, x.dtype, x.device)
        nonzero_prod = _prod(_C.where(zero, one, x), ctx.dim, True)
        if ctx.dim is None and x.ndim:  # keepdim over every dim: one element per dim
            nonzero_prod = _C.reshape(nonzero_prod, [1] * x.ndim)
        nz = _C.sum(_C.cast(zero, _dt.int64), dims, True) if dims else _C.cast(zero, _dt.int64)
        zero_t = _C.full([], 0.0, x.dtype, x.device)
        safe_x = _C.where(zero, one, x)
        grad = _C.where(zero, _C.where(_C.eq(nz, 1), nonzero_prod, zero_t),
                        _C.where(_C.eq(nz, 0), _C.div(nonzero_prod, safe_x), zero_t))
        gg = _unreduce(g, x.shape, dims, ctx.keepdim) if dims else g
        return _C.mul(gg, grad), None, None


@tensor_method(export=True)
def prod(self, dim=None, keepdim=False, dtype=None, *, axis=None, keepdims=None, out=None):
    """The product of the elements over ``dim`` (one int, or every element when None)."""
    dim, keepdim = _numpy_args("prod", dim, keepdim, axis, keepdims, out)
    x = self if dtype is None else self.to(dtype)
    if x.dtype == _dt.bool_:
        x = x.to(_dt.int64)
    if dim is not None:
        if not isinstance(dim, int):
            raise TypeError(f"[prod] dim must be an int, got {type(dim).__name__}")
        dim = wrap_dim(dim, x.ndim, "prod")
    return Prod.apply(x, dim, keepdim)
