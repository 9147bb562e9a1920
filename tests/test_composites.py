"""Functions composed of existing ops (torch names, signatures, defaults, broadcasting): norm,
products (dot, outer, kron, tensordot, einsum, addmm, baddbmm), diagonals, shape functions
(flip, roll, tile, vstack, hstack, tril, triu, meshgrid), comparisons (isclose, allclose,
equal, nan_to_num), prod and var_mean, and the new Tensor methods; each against NumPy float64,
finite differences and torch on awkward sizes and non-contiguous inputs, on every device."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import Input, check_op
from reference import SIZES, check, lam, torch

INF = float("inf")


# --- norm ------------------------------------------------------------------------------------

def _np_norm(x, p, dim, keepdim):
    a = np.abs(x)
    axis = None if dim is None else tuple(np.atleast_1d(dim))
    if p == INF:
        return a.max(axis=axis, keepdims=keepdim)
    if p == -INF:
        return a.min(axis=axis, keepdims=keepdim)
    return (a ** p).sum(axis=axis, keepdims=keepdim) ** (1 / p)


@pytest.mark.parametrize("p", [2, 1, INF, -INF, 3, "fro"])
def test_norm(p, device, rng):
    pp = 2 if p == "fro" else p
    for shape, dim, keepdim in [((7,), None, False), ((33,), 0, True), ((4, 33), 1, False),
                                ((127, 3), 0, False), ((2, 5, 7), (0, 2), True), ((257,), None,
                                                                                     False)]:
        check_op(lambda x: lamina.norm(x, p, dim, keepdim), [shape],
                 lambda x: _np_norm(x, pp, dim, keepdim),
                 lambda x: torch.norm(x, p, dim, keepdim), rng=rng, device=device,
                 name=f"norm {p} {shape} {dim}")


def test_norm_gradient_at_zero_is_zero(device):
    x = lamina.zeros(3, 4, dtype=lamina.float64, device=device, requires_grad=True)
    x.norm().backward()
    check(x.grad, np.zeros((3, 4)))


# --- products --------------------------------------------------------------------------------

def test_dot_outer_kron(device, rng):
    for n in SIZES:
        check_op(lamina.dot, [(n,), (n,)], np.dot, torch.dot, rng=rng, device=device)
        check_op(lamina.outer, [(n,), (5,)], np.outer, torch.outer, rng=rng, device=device)
    for sa, sb in [((3,), (4,)), ((2, 3), (4, 5)), ((2, 1, 3), (3, 2)), ((7,), (2, 2))]:
        check_op(lamina.kron, [sa, sb], np.kron, torch.kron, rng=rng, device=device,
                 name=f"kron {sa} {sb}")


@pytest.mark.parametrize("dims", [2, 1, 0, ([1, 0], [0, 1]), ([2], [0])])
def test_tensordot(dims, device, rng):
    shapes = {2: ((3, 4, 5), (4, 5, 6)), 1: ((7, 33), (33, 2)), 0: ((3,), (4,)),
              "1,0": ((4, 3, 2), (3, 4, 5)), "2": ((2, 3, 7), (7, 4))}
    key = dims if isinstance(dims, int) else ",".join(map(str, dims[0]))
    sa, sb = shapes[key]
    check_op(lambda a, b: lamina.tensordot(a, b, dims), [sa, sb],
             lambda a, b: np.tensordot(a, b, dims), lambda a, b: torch.tensordot(a, b, dims),
             rng=rng, device=device, name=f"tensordot {dims}")


EINSUM = [
    ("ij,jk->ik", [(7, 33), (33, 5)]),
    ("bij,bjk->bik", [(3, 4, 5), (3, 5, 2)]),
    ("i,i->", [(127,), (127,)]),
    ("i,j->ij", [(7,), (3,)]),
    ("ij->ji", [(4, 33)]),
    ("ij->", [(5, 7)]),
    ("ii->i", [(5, 5)]),
    ("ii", [(6, 6)]),
    ("ij,kj", [(3, 4), (5, 4)]),
    ("bhqd,bhkd->bhqk", [(2, 3, 4, 5), (2, 3, 6, 5)]),
    ("ij,jk,kl->il", [(3, 4), (4, 5), (5, 2)]),
    ("abc,cd->abd", [(2, 3, 4), (4, 7)]),
    ("ik,jk->", [(3, 4), (2, 4)]),
]


@pytest.mark.parametrize("eq,shapes", EINSUM, ids=[e for e, _ in EINSUM])
def test_einsum(eq, shapes, device, rng):
    check_op(lambda *xs: lamina.einsum(eq, *xs), list(shapes),
             lambda *xs: np.asarray(np.einsum(eq, *xs)), lambda *xs: torch.einsum(eq, *xs), rng=rng,
             device=device, name=f"einsum {eq}")


def test_addmm_baddbmm(device, rng):
    for si in [(5, 3), (3,), (1, 3), ()]:
        check_op(lambda i, a, b: lamina.addmm(i, a, b, beta=0.5, alpha=2.0), [si, (5, 7), (7, 3)],
                 lambda i, a, b: 0.5 * i + 2.0 * a @ b,
                 lambda i, a, b: torch.addmm(i, a, b, beta=0.5, alpha=2.0), rng=rng,
                 device=device, name=f"addmm {si}")
    check_op(lambda i, a, b: i.baddbmm(a, b), [(2, 4, 3), (2, 4, 33), (2, 33, 3)],
             lambda i, a, b: i + a @ b, lambda i, a, b: i.baddbmm(a, b), rng=rng, device=device)
    nan = lamina.full((2, 2), float("nan"), device=device)
    check(lamina.addmm(nan, lamina.ones(2, 3, device=device), lamina.ones(3, 2, device=device),
                       beta=0), np.full((2, 2), 3.0))


@pytest.mark.parametrize("offset", [0, 1, -2])
def test_diagonal_trace_diag(offset, device, rng):
    for shape, d1, d2 in [((5, 5), 0, 1), ((7, 33), 0, 1), ((33, 7), 1, 0), ((2, 4, 5), 1, 2),
                          ((3, 4, 5), 0, 2)]:
        check_op(lambda x: x.diagonal(offset, d1, d2), [shape],
                 lambda x: np.diagonal(x, offset, d1, d2),
                 lambda x: x.diagonal(offset, d1, d2), rng=rng, device=device,
                 name=f"diagonal {shape} {offset}")
    for n in (1, 7, 33):
        check_op(lambda v: lamina.diag(v, offset), [(n,)], lambda v: np.diag(v, offset),
                 lambda v: torch.diag(v, offset), rng=rng, device=device, name=f"diag {n}")
        check_op(lambda m: m.diag(offset), [(n, n + 2)], lambda m: np.diag(m, offset),
                 lambda m: m.diag(offset), rng=rng, device=device)
    check_op(lamina.trace, [(7, 5)], np.trace, torch.trace, rng=rng, device=device)


# --- shape functions -------------------------------------------------------------------------

def test_flip_roll_tile(device, rng):
    for shape, dims in [((7,), (0,)), ((4, 33), (1,)), ((3, 4, 5), (0, 2)), ((257,), (-1,))]:
        check_op(lambda x: x.flip(dims), [shape], lambda x: np.flip(x, dims),
                 lambda x: x.flip(dims), rng=rng, device=device, name=f"flip {shape}")
    for shape, shifts, dims in [((7,), 3, 0), ((4, 33), (1, -5), (0, 1)), ((3, 4), 5, None),
                                ((127,), -130, 0)]:
        check_op(lambda x: lamina.roll(x, shifts, dims), [shape],
                 lambda x: np.roll(x, shifts, dims), lambda x: torch.roll(x, shifts, dims),
                 rng=rng, device=device, name=f"roll {shape} {shifts}")
    for shape, reps in [((3,), (2,)), ((2, 3), (2,)), ((2, 3), (2, 1, 3)), ((33,), (1, 2))]:
        check_op(lambda x: x.tile(reps), [shape], lambda x: np.tile(x, reps),
                 lambda x: x.tile(reps), rng=rng, device=device, name=f"tile {shape}")


def test_stacks_and_aliases(device, rng):
    check_op(lambda a, b: lamina.vstack([a, b]), [(7,), (7,)], lambda a, b: np.vstack([a, b]),
             lambda a, b: torch.vstack([a, b]), rng=rng, device=device)
    check_op(lambda a, b: lamina.vstack([a, b]), [(2, 3), (4, 3)],
             lambda a, b: np.vstack([a, b]), lambda a, b: torch.vstack([a, b]), rng=rng,
             device=device)
    check_op(lambda a, b: lamina.hstack([a, b]), [(7,), (33,)], lambda a, b: np.hstack([a, b]),
             lambda a, b: torch.hstack([a, b]), rng=rng, device=device)
    check_op(lambda a, b: lamina.hstack((a, b)), [(3, 2), (3, 5)],
             lambda a, b: np.hstack([a, b]), lambda a, b: torch.hstack([a, b]), rng=rng,
             device=device)
    check_op(lambda a, b: lamina.concat([a, b], 1), [(3, 2), (3, 5)],
             lambda a, b: np.concatenate([a, b], 1), lambda a, b: torch.concat([a, b], 1),
             rng=rng, device=device)
    check_op(lambda x: x.clip(-0.5, 0.5), [(33,)], lambda x: np.clip(x, -0.5, 0.5),
             lambda x: x.clip(-0.5, 0.5), rng=rng, device=device)


@pytest.mark.parametrize("k", [0, 1, -1, 5])
def test_tril_triu(k, device, rng):
    for shape in [(5, 5), (7, 33), (2, 3, 4), (1, 1)]:
        check_op(lambda x: x.tril(k), [shape], lambda x: np.tril(x, k), lambda x: x.tril(k),
                 rng=rng, device=device, name=f"tril {shape}")
        check_op(lambda x: lamina.triu(x, k), [shape], lambda x: np.triu(x, k),
                 lambda x: torch.triu(x, k), rng=rng, device=device, name=f"triu {shape}")


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid(indexing, device, rng):
    check_op(lambda a, b, c: lamina.meshgrid(a, b, c, indexing=indexing), [(3,), (4,), (2,)],
             lambda a, b, c: np.meshgrid(a, b, c, indexing=indexing),
             lambda a, b, c: torch.meshgrid(a, b, c, indexing=indexing), rng=rng, device=device)


# --- comparisons -----------------------------------------------------------------------------

def test_isclose_allclose_equal(device):
    a = np.array([1.0, 1.0 + 1e-6, np.inf, -np.inf, np.nan, 2.0, 0.0])
    b = np.array([1.0, 1.0, np.inf, np.inf, np.nan, 2.1, 1e-9])
    ta, tb = lam(a, lamina.float64, device), lam(b, lamina.float64, device)
    check(ta.isclose(tb), np.isclose(a, b), lamina.bool)
    check(lamina.isclose(ta, tb, equal_nan=True), np.isclose(a, b, equal_nan=True))
    check(lamina.isclose(ta, tb, rtol=0.1, atol=0), np.isclose(a, b, rtol=0.1, atol=0))
    assert lamina.allclose(ta[:2], tb[:2]) is True
    assert lamina.allclose(ta, tb) is False
    assert ta[:1].allclose(lamina.ones(3, dtype=lamina.float64, device=device))  # broadcasts
    assert lamina.equal(ta[:2], ta[:2]) is True
    assert lamina.equal(ta, ta) is False  # NaN != NaN
    assert lamina.equal(ta[:2], ta[:3]) is False
    i = lamina.tensor([1, 2, 3], device=device)
    check(i.isclose(lamina.tensor([1, 2, 4], device=device)), [True, True, False])


def test_nan_to_num(device, rng):
    x = rng.uniform(-2, 2, size=33)
    x[[1, 5, 9]] = [np.nan, np.inf, -np.inf]
    for kw in [{}, dict(nan=1.5, posinf=9.0, neginf=-9.0)]:
        for dt, npdt in [(lamina.float32, np.float32), (lamina.float64, np.float64)]:
            want = np.nan_to_num(x.astype(npdt), **kw)
            check(lam(x, dt, device).nan_to_num(**kw), want, dt)
    t = lam(x, lamina.float64, device, requires_grad=True)
    lamina.nan_to_num(t).sum().backward()
    check(t.grad, np.isfinite(x).astype(np.float64))
    check_op(lambda v: v.nan_to_num(), [(127,)], np.nan_to_num, lambda v: v.nan_to_num(),
             rng=rng, device=device)


# --- reductions ------------------------------------------------------------------------------

@pytest.mark.parametrize("dim", [None, 0, 1, -1])
def test_prod(dim, device, rng):
    for shape in [(7,), (3, 33), (5, 4, 3), (257, 1), (2, 0)] if dim != 1 else [(3, 33),
                                                                               (5, 4, 3)]:
        if dim is None:
            fn, ref, tref = lamina.prod, np.prod, torch.prod
        else:
            def fn(x, d=dim):
                return x.prod(d)

            def ref(x, d=dim):
                return np.prod(x, axis=d)

            def tref(x, d=dim):
                return x.prod(d)
        check_op(fn, [Input(shape, 0.5, 1.5)], ref, tref, rng=rng, device=device,
                 name=f"prod {shape} {dim}")


def test_prod_gradient_with_zeros(device, rng):
    x = rng.uniform(0.5, 1.5, size=(4, 5))
    x[1, 2] = 0.0           # one zero in row 1
    x[2, 0] = x[2, 3] = 0.0  # two zeros in row 2
    t = lam(x, lamina.float64, device, requires_grad=True)
    t.prod(1).sum().backward()
    want = np.zeros_like(x)
    for i in range(4):
        for j in range(5):
            want[i, j] = np.prod(np.delete(x[i], j))
    check(t.grad, want)
    t2 = lam(x[1], lamina.float64, device, requires_grad=True)
    t2.prod().backward()
    check(t2.grad, want[1])
    check(lamina.tensor([[1, 2], [3, 4]], device=device).prod(0), np.array([3, 8]),
          lamina.int64)


def test_var_mean(device, rng):
    for dim, corr in [(None, 1), (0, 0), ((0, 2), 1)]:
        check_op(lambda x: lamina.var_mean(x, dim, correction=corr), [(4, 7, 5)],
                 lambda x: (np.var(x, axis=dim, ddof=corr), np.mean(x, axis=dim)),
                 lambda x: torch.var_mean(x, dim, correction=corr), rng=rng, device=device,
                 name=f"var_mean {dim}")


def test_numpy_reductions_on_tensors(rng):
    x = rng.uniform(-1, 1, size=(3, 4))
    t = lam(x, lamina.float64)
    assert abs(float(np.sum(t)) - x.sum()) < 1e-12
    check(np.sum(t, axis=0), x.sum(0))
    check(np.mean(t, axis=1, keepdims=True), x.mean(1, keepdims=True))
    check(np.max(t, axis=1), x.max(1))
    check(np.min(t, axis=0), x.min(0))
    check(np.prod(t, axis=0), x.prod(0))
    check(t.sum(axis=(0, 1)), x.sum())
    check(np.var(t, axis=0), x.var(0))  # numpy's ddof=0
    check(np.std(t, axis=1, ddof=1), x.std(1, ddof=1))
    with pytest.raises(TypeError, match=r"^\[sum\]"):
        t.sum(0, axis=1)


# --- Tensor methods --------------------------------------------------------------------------

def test_new_factories_and_int(device):
    x = lamina.ones(2, dtype=lamina.float64, device=device)
    z = x.new_zeros(3, 4)
    assert z.shape == (3, 4) and z.dtype == lamina.float64 and z.device == x.device
    assert x.new_ones((2,), dtype=lamina.int64).dtype == lamina.int64
    check(x.new_full((2, 2), 7), np.full((2, 2), 7.0), lamina.float64)
    check(x.new_tensor([1, 2]), np.array([1.0, 2.0]), lamina.float64)
    assert x.new_empty(5).shape == (5,)
    assert x.new_zeros(2, requires_grad=True).requires_grad
    check(lam([1.7, -2.2], device=device).int(), np.array([1, -2]), lamina.int64)
    a = np.arange(4.0)
    t = lamina.as_tensor(a)
    a[0] = 9.0  # shares memory with the numpy array
    assert t[0].item() == 9.0
    assert lamina.as_tensor([1, 2]).dtype == lamina.int64


def test_masks_and_fills(device, rng):
    x = rng.uniform(-1, 1, size=(5, 6))
    m = x > 0
    t = lam(x, lamina.float64, device)
    tm = lam(m, lamina.bool, device)
    check(t[tm], x[m])
    check(t[tm[:, 0]], x[m[:, 0]])
    check(t[:, tm[0]], x[:, m[0]])
    check(t.masked_select(tm), x[m])
    check(t.masked_select(tm[0]), np.broadcast_to(x, (5, 6))[np.broadcast_to(m[0], (5, 6))])
    g = lam(x, lamina.float64, device, requires_grad=True)
    g[tm].sum().backward()
    check(g.grad, m.astype(np.float64))
    u = lam(x, lamina.float64, device)
    assert u.masked_fill_(tm, 0.5) is u
    check(u, np.where(m, 0.5, x))
    v = lam(x, lamina.float64, device)
    v.index_fill_(1, lamina.tensor([0, -1], device=device), -3.0)
    want = x.copy()
    want[:, [0, 5]] = -3.0
    check(v, want)
    empty = lam(x, lamina.float64, device)[lam(np.zeros((5, 6), bool), lamina.bool, device)]
    assert empty.shape == (0,)


def test_where_method_index_add_and_unfold(device, rng):
    check_op(lambda x, y: x.where(x > 0, y), [(7, 33), (33,)],
             lambda x, y: np.where(x > 0, x, y), lambda x, y: x.where(x > 0, y), rng=rng,
             device=device)
    x = rng.uniform(-1, 1, size=(5, 7))
    src = rng.uniform(-1, 1, size=(5, 4))
    idx = np.array([6, 0, 6, 2])
    t = lam(x, lamina.float64, device)
    assert t.index_add_(1, lamina.tensor(idx, device=device), lam(src, lamina.float64, device),
                        alpha=2.0) is t
    want = x.copy()
    np.add.at(want, (slice(None), idx), 2.0 * src)
    check(t, want)
    for shape, dim, size, step in [((33,), 0, 4, 3), ((7, 10), 1, 3, 1), ((7, 10), 0, 7, 2),
                                   ((4, 6, 5), 1, 2, 2)]:
        check_op(lambda v: v.unfold(dim, size, step), [shape],
                 lambda v: np.moveaxis(np.lib.stride_tricks.sliding_window_view(
                     v, size, axis=dim), -1, -1).take(
                     np.arange(0, v.shape[dim] - size + 1, step), axis=dim),
                 lambda v: v.unfold(dim, size, step), rng=rng, device=device,
                 name=f"unfold {shape} {dim} {size} {step}")


def test_batch_norm_momentum_none_where_unused(device, rng):
    import lamina.nn.functional as F
    x = lam(rng.uniform(-1, 1, size=(4, 3, 2)), lamina.float64, device)
    rm = lamina.zeros(3, dtype=lamina.float64, device=device)
    rv = lamina.ones(3, dtype=lamina.float64, device=device)
    ev = F.batch_norm(x, rm, rv, momentum=None)
    check(ev, F.batch_norm(x, rm, rv, momentum=0.1))
    tr = F.batch_norm(x, None, None, training=True, momentum=None)
    check(tr, F.batch_norm(x, None, None, training=True))
    with pytest.raises(TypeError, match=r"^\[batch_norm\]"):
        F.batch_norm(x, rm, rv, training=True, momentum=None)


def test_batchnorm_checkpoint_without_num_batches_tracked():
    bn = lamina.nn.BatchNorm2d(3)
    sd = {k: v for k, v in bn.state_dict().items() if k != "num_batches_tracked"}
    keys = bn.load_state_dict(sd)
    assert keys.missing_keys == [] and keys.unexpected_keys == []


ERRORS = [
    ("norm", ValueError, lambda: lamina.ones(3).norm("nuc")),
    ("norm", TypeError, lambda: lamina.tensor([1, 2]).norm()),
    ("dot", ValueError, lambda: lamina.dot(lamina.ones(3), lamina.ones(4))),
    ("dot", ValueError, lambda: lamina.dot(lamina.ones(2, 2), lamina.ones(4))),
    ("outer", ValueError, lambda: lamina.outer(lamina.ones(2, 2), lamina.ones(4))),
    ("tensordot", ValueError, lambda: lamina.tensordot(lamina.ones(3, 4), lamina.ones(5, 4), 1)),
    ("einsum", ValueError, lambda: lamina.einsum("...ij,jk", lamina.ones(2, 2),
                                                 lamina.ones(2, 2))),
    ("einsum", ValueError, lambda: lamina.einsum("ij,jk", lamina.ones(2, 3), lamina.ones(2, 2))),
    ("einsum", ValueError, lambda: lamina.einsum("ij", lamina.ones(2, 3), lamina.ones(2, 2))),
    ("einsum", ValueError, lambda: lamina.einsum("i->j", lamina.ones(2))),
    ("addmm", ValueError, lambda: lamina.addmm(lamina.ones(2), lamina.ones(2), lamina.ones(2))),
    ("trace", ValueError, lambda: lamina.trace(lamina.ones(3))),
    ("diagonal", ValueError, lambda: lamina.ones(3, 3).diagonal(0, 1, 1)),
    ("diag", ValueError, lambda: lamina.diag(lamina.ones(2, 2, 2))),
    ("flip", ValueError, lambda: lamina.ones(3, 3).flip(0, 0)),
    ("roll", ValueError, lambda: lamina.roll(lamina.ones(3), (1, 2), 0)),
    ("tril", ValueError, lambda: lamina.tril(lamina.ones(3))),
    ("vstack", ValueError, lambda: lamina.vstack([])),
    ("meshgrid", ValueError, lambda: lamina.meshgrid(lamina.ones(2, 2))),
    ("isclose", TypeError, lambda: lamina.isclose(lamina.ones(2), lamina.tensor([1, 1]))),
    ("equal", TypeError, lambda: lamina.equal(lamina.ones(2), [1.0, 1.0])),
    ("prod", IndexError, lambda: lamina.ones(3).prod(1)),
    ("getitem", IndexError, lambda: lamina.ones(3, 4)[lamina.ones(4, 3, dtype=lamina.bool)]),
    ("masked_select", ValueError, lambda: lamina.ones(3).masked_select(
        lamina.ones(4, dtype=lamina.bool))),
    ("index_fill_", IndexError, lambda: lamina.ones(3).index_fill_(0, lamina.tensor([3]), 1.0)),
    ("unfold", ValueError, lambda: lamina.ones(3).unfold(0, 4, 1)),
    ("unfold", ValueError, lambda: lamina.ones(3).unfold(0, 2, 0)),
    ("index_add_", RuntimeError, lambda: lamina.ones(3, requires_grad=True).index_add_(
        0, lamina.tensor([0]), lamina.ones(1))),
    ("masked_fill_", TypeError, lambda: lamina.ones(3).masked_fill_(lamina.ones(3), 1.0)),
]


@pytest.mark.parametrize("op,err,call", ERRORS, ids=[f"{i}-{e[0]}" for i, e in enumerate(ERRORS)])
def test_errors_name_the_op(op, err, call):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()
