"""Linear-algebra functions composed of differentiable ops (matmul, views, reductions,
elementwise): norm, dot, outer, kron, tensordot, einsum, addmm, baddbmm, trace, diag,
diagonal. Gradients come from the ops they are built of, except norm's p=2 case, whose
Function keeps the gradient of a zero vector at 0 as torch does."""
from __future__ import annotations

import builtins
import math
import numbers

from ... import _C
from ..._registry import export, tensor_method
from ..function import Function
from ._util import Tensor, wrap_dim, wrap_dims
from .index import cat
from .reduce import _unreduce


def _tensor(op, x, name="input"):
    if not isinstance(x, Tensor):
        raise TypeError(f"[{op}] expected {name} to be a lamina tensor, got {type(x).__name__}")
    return x


# --- norm ------------------------------------------------------------------------------------

class Norm2(Function):
    """sqrt(sum x^2) over ``dims``; its gradient x / norm is 0 where the norm is 0."""

    @staticmethod
    def forward(ctx, x, dims, keepdim):
        out = _C.sqrt(_C.sum(_C.mul(x, x), dims, keepdim))
        ctx.save_for_backward(x, out)
        ctx.dims, ctx.keepdim = wrap_dims(dims, x.ndim, "norm") if x.ndim else [], keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        n = _unreduce(out, x.shape, ctx.dims, ctx.keepdim)
        gg = _unreduce(g, x.shape, ctx.dims, ctx.keepdim)
        safe = _C.where(_C.eq(n, 0), _C.full([], 1.0, n.dtype, n.device), n)
        return _C.div(_C.mul(gg, x), safe), None, None


@tensor_method(export=True)
def norm(self, p="fro", dim=None, keepdim=False, dtype=None):
    """The vector p-norm over ``dim`` (every element when None): p = 2 / 'fro', 1, inf, -inf,
    0 (the count of nonzeros) or any other real p (sum |x|^p)^(1/p)."""
    x = _tensor("norm", self)
    if dtype is not None:
        x = x.to(dtype)
    if not x.dtype.is_floating_point:
        raise TypeError(f"[norm] expected a floating tensor, got {x.dtype}")
    if isinstance(dim, int):
        dim = [dim]
    dims = None if dim is None else list(dim)
    if dims is not None:
        wrap_dims(dims, x.ndim, "norm")
    if p == "fro" or p is None:
        p = 2
    if isinstance(p, str):
        raise ValueError(f"[norm] p must be a number or 'fro', got {p!r}")
    if not isinstance(p, numbers.Real):
        raise TypeError(f"[norm] p must be a number or 'fro', got {type(p).__name__}")
    p = builtins.float(p)
    if p == 2:
        return Norm2.apply(x, dims, keepdim)
    a = x.abs()
    if p == 1:
        return a.sum(dims, keepdim)
    if p == math.inf:
        return a.amax(dims, keepdim)
    if p == -math.inf:
        return a.amin(dims, keepdim)
    if p == 0:
        return _C.sum(_C.cast(_C.ne(x, 0), x.dtype), dims, keepdim)
    return (a ** p).sum(dims, keepdim) ** (1.0 / p)


# --- products --------------------------------------------------------------------------------

@tensor_method(export=True)
def dot(self, other):
    """The inner product of two 1-d tensors of one length and dtype."""
    _tensor("dot", self)
    _tensor("dot", other, "other")
    if self.ndim != 1 or other.ndim != 1:
        raise ValueError(f"[dot] 1D tensors expected, but got {self.ndim}D and {other.ndim}D "
                         f"tensors")
    if self.shape != other.shape:
        raise ValueError(f"[dot] inconsistent tensor size, expected tensor [{self.shape[0]}] and "
                         f"src [{other.shape[0]}] to have the same number of elements")
    if self.dtype != other.dtype:
        raise TypeError(f"[dot] expected both vectors to have same dtype, but found "
                        f"{self.dtype} and {other.dtype}")
    return (self * other).sum()


@tensor_method(export=True)
def outer(self, vec2):
    """(n,) x (m,) -> (n, m): self[i] * vec2[j]."""
    _tensor("outer", self)
    _tensor("outer", vec2, "vec2")
    if self.ndim != 1 or vec2.ndim != 1:
        raise ValueError(f"[outer] expected 1D tensors, got {self.ndim}D and {vec2.ndim}D")
    return self.reshape(-1, 1) * vec2.reshape(1, -1)


@tensor_method(export=True)
def kron(self, other):
    """The Kronecker product: block (i, j, ...) is self[i, j, ...] * other (the fewer dims are
    padded with leading ones)."""
    a, b = _tensor("kron", self), _tensor("kron", other, "other")
    n = builtins.max(a.ndim, b.ndim)
    sa = [1] * (n - a.ndim) + list(a.shape)
    sb = [1] * (n - b.ndim) + list(b.shape)
    ia = [s for d in sa for s in (d, 1)]
    ib = [s for d in sb for s in (1, d)]
    out = a.reshape(ia) * b.reshape(ib)
    return out.reshape([x * y for x, y in zip(sa, sb)])


@tensor_method(export=True)
def tensordot(a, b, dims=2):
    """Contract the last ``dims`` dims of a with the first of b, or the dim lists of the pair
    ``dims = (dims_a, dims_b)``."""
    _tensor("tensordot", a, "a")
    _tensor("tensordot", b, "b")
    if isinstance(dims, numbers.Integral):
        if dims < 0:
            raise ValueError(f"[tensordot] expects dims >= 0, but got dims={dims}")
        if dims > builtins.min(a.ndim, b.ndim):
            raise ValueError(f"[tensordot] dims={dims} exceeds the dims of a ({a.ndim}) or b "
                             f"({b.ndim})")
        da, db = list(range(a.ndim - dims, a.ndim)), list(range(dims))
    else:
        da, db = ([d] if isinstance(d, int) else list(d) for d in dims)
        if len(da) != len(db):
            raise ValueError(f"[tensordot] both dimension lists should have same length, got "
                             f"{da} and {db}")
        da = [wrap_dim(d, a.ndim, "tensordot") for d in da]
        db = [wrap_dim(d, b.ndim, "tensordot") for d in db]
    for x, y in zip(da, db):
        if a.shape[x] != b.shape[y]:
            raise ValueError(f"[tensordot] contracted dimensions need to match, but first has "
                             f"size {a.shape[x]} in dim {x} and second has size {b.shape[y]} in "
                             f"dim {y}")
    fa = [d for d in range(a.ndim) if d not in da]
    fb = [d for d in range(b.ndim) if d not in db]
    k = math.prod(a.shape[d] for d in da)
    m = math.prod(a.shape[d] for d in fa)
    n = math.prod(b.shape[d] for d in fb)
    left = a.permute(fa + da).reshape(m, k)
    right = b.permute(db + fb).reshape(k, n)
    return (left @ right).reshape([a.shape[d] for d in fa] + [b.shape[d] for d in fb])


@tensor_method(export=True)
def addmm(self, mat1, mat2, *, beta=1, alpha=1):
    """beta * self + alpha * (mat1 @ mat2); self broadcasts; beta = 0 ignores self."""
    return _add_scaled("addmm", self, _mat("addmm", mat1, mat2, 2), beta, alpha)


@tensor_method(export=True)
def baddbmm(self, batch1, batch2, *, beta=1, alpha=1):
    """beta * self + alpha * bmm(batch1, batch2)."""
    return _add_scaled("baddbmm", self, _mat("baddbmm", batch1, batch2, 3), beta, alpha)


def _mat(op, m1, m2, nd):
    _tensor(op, m1, "mat1" if nd == 2 else "batch1")
    _tensor(op, m2, "mat2" if nd == 2 else "batch2")
    if m1.ndim != nd or m2.ndim != nd:
        raise ValueError(f"[{op}] expected {nd}-D tensors, got {m1.ndim}-D and {m2.ndim}-D")
    return m1 @ m2


def _add_scaled(op, input, prod, beta, alpha):
    _tensor(op, input)
    out = prod if alpha == 1 else prod * alpha
    if beta == 0:  # like torch: input is ignored, its NaN and inf included
        return out
    return out + (input if beta == 1 else input * beta)


# --- diagonals -------------------------------------------------------------------------------

@tensor_method(export=True)
def diagonal(self, offset=0, dim1=0, dim2=1):
    """The diagonal of dims (dim1, dim2), shifted by ``offset``, as the last dim (a copy)."""
    x = _tensor("diagonal", self)
    if x.ndim < 2:
        raise ValueError(f"[diagonal] expected a tensor with at least 2 dims, got {x.ndim}")
    d1, d2 = wrap_dim(dim1, x.ndim, "diagonal"), wrap_dim(dim2, x.ndim, "diagonal")
    if d1 == d2:
        raise ValueError(f"[diagonal] diagonal dimensions cannot be identical {dim1}, {dim2}")
    rest = [d for d in range(x.ndim) if d not in (d1, d2)]
    x = x.permute(rest + [d1, d2])
    r, c = x.shape[-2], x.shape[-1]
    n = builtins.max(0, builtins.min(r, c - offset) if offset >= 0 else builtins.min(r + offset, c))
    lead = list(x.shape[:-2])
    rows = _C.arange(builtins.max(0, -offset), builtins.max(0, -offset) + n, 1, _C.DType.int64,
                     x.device)
    lin = _C.add(_C.mul(rows, c + 1), offset)  # flat index of (row, row + offset)
    return x.reshape(lead + [r * c]).index_select(len(lead), lin)


@tensor_method(export=True)
def trace(self):
    """The sum of the main diagonal of a 2-d tensor."""
    x = _tensor("trace", self)
    if x.ndim != 2:
        raise ValueError(f"[trace] expected a matrix, but got tensor with dim {x.ndim}")
    return diagonal(x).sum()


@tensor_method(export=True)
def diag(self, diagonal=0):
    """1-d input: the square matrix with it on diagonal ``diagonal``; 2-d: that diagonal."""
    x = _tensor("diag", self)
    if x.ndim == 2:
        return globals()["diagonal"](x, diagonal)
    if x.ndim != 1:
        raise ValueError(f"[diag] expected a 1D or 2D tensor, got {x.ndim}D")
    n, k = x.shape[0], builtins.abs(diagonal)
    size = n + k
    eye = _C.eq(_C.reshape(_C.arange(0, n, 1, _C.DType.int64, x.device), [n, 1]),
                _C.reshape(_C.arange(0, n, 1, _C.DType.int64, x.device), [1, n]))
    block = x.reshape(1, n) * _C.cast(eye, x.dtype)  # (n, n): x on the diagonal
    if k == 0:
        return block
    zr = _C.full([k, n], 0.0, x.dtype, x.device)
    zc = _C.full([size, k], 0.0, x.dtype, x.device)
    if diagonal > 0:  # rows 0..n-1, columns k..: zeros below and to the left
        return cat([zc, cat([block, zr], 0)], 1)
    return cat([cat([zr, block], 0), zc], 1)


# --- einsum ----------------------------------------------------------------------------------

@export
def einsum(equation, *operands):
    """Einstein summation over one or more operands, e.g. 'ij,jk->ik', 'bij,bjk->bik',
    'i,i->', 'ij->ji', 'ii->i', 'ii'. Subscripts are letters; the output, when not given after
    '->', is the letters that appear once, sorted. Ellipses ('...') are not supported.
    Two operands at a time are contracted with one batched matmul."""
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    if not isinstance(equation, str):
        raise TypeError(f"[einsum] equation must be a string, got {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if "..." in eq:
        raise ValueError("[einsum] ellipsis ('...') subscripts are not supported")
    lhs, arrow, out = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(operands):
        raise ValueError(f"[einsum] the equation has {len(terms)} operands, {len(operands)} "
                         f"tensors were given")
    for t in terms + [out]:
        if not builtins.all(ch.isalpha() for ch in t):
            raise ValueError(f"[einsum] invalid subscript in {equation!r}: only letters, ',' and "
                             f"'->' are supported")
    if not arrow:
        counts = {}
        for t in terms:
            for ch in t:
                counts[ch] = counts.get(ch, 0) + 1
        out = "".join(sorted(ch for ch, c in counts.items() if c == 1))
    if len(set(out)) != len(out):
        raise ValueError(f"[einsum] output subscript {out!r} repeats a letter")
    sizes = {}
    xs = []
    for t, x in zip(terms, operands):
        _tensor("einsum", x, "operand")
        if len(t) != x.ndim:
            raise ValueError(f"[einsum] the subscript {t!r} has {len(t)} letters for an operand "
                             f"with {x.ndim} dims")
        for ch, s in zip(t, x.shape):
            if sizes.setdefault(ch, s) != s:
                raise ValueError(f"[einsum] subscript {ch!r} has size {s} for one operand and "
                                 f"{sizes[ch]} for another")
        x, t = _take_diagonals(x, t)
        xs.append((x, t))
    for ch in out:
        if ch not in sizes:
            raise ValueError(f"[einsum] output subscript {ch!r} does not appear in the inputs")
    x, t = xs[0]
    for i in range(1, len(xs)):
        y, u = xs[i]
        later = set(out).union(*[set(v) for _, v in xs[i + 1:]])
        x, t = _contract(x, t, y, u, later)
    keep = set(out)
    drop = [i for i, ch in enumerate(t) if ch not in keep]
    if drop:
        x = x.sum(drop)
        t = "".join(ch for ch in t if ch in keep)
    return x.permute([t.index(ch) for ch in out]) if t != out else x


def _take_diagonals(x, t):
    """'ii' -> 'i': repeated letters within one operand take the diagonal."""
    while len(set(t)) != len(t):
        ch = next(c for c in t if t.count(c) > 1)
        i = t.index(ch)
        j = t.index(ch, i + 1)
        x = diagonal(x, 0, i, j)
        t = "".join(c for k, c in enumerate(t) if k not in (i, j)) + ch
    return x, t


def _contract(x, t, y, u, later):
    """The product of x (subscripts t) and y (u), summing the letters not in ``later``."""
    sx = [ch for ch in t if ch not in u and ch not in later]  # summed in x alone
    if sx:
        x = x.sum([t.index(ch) for ch in sx])
        t = "".join(ch for ch in t if ch not in sx)
    sy = [ch for ch in u if ch not in t and ch not in later]
    if sy:
        y = y.sum([u.index(ch) for ch in sy])
        u = "".join(ch for ch in u if ch not in sy)
    batch = [ch for ch in t if ch in u and ch in later]
    con = [ch for ch in t if ch in u and ch not in later]
    left = [ch for ch in t if ch not in u]
    right = [ch for ch in u if ch not in t]
    size = {ch: s for ch, s in zip(t, x.shape)}
    size.update({ch: s for ch, s in zip(u, y.shape)})

    def prod(chs):
        return math.prod(size[ch] for ch in chs)

    xb = x.permute([t.index(ch) for ch in batch + left + con]).reshape(
        prod(batch), prod(left), prod(con))
    yb = y.permute([u.index(ch) for ch in batch + con + right]).reshape(
        prod(batch), prod(con), prod(right))
    z = (xb @ yb).reshape([size[ch] for ch in batch + left + right])
    return z, "".join(batch + left + right)
