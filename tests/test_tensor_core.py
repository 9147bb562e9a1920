"""The tensor core: dtypes, devices, geometry, views that share storage, copies, casts, repr,
creation functions, random draws, and indexing (get and set)."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from reference import arr, check, lam, rounded, to_np

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool


# --- dtypes and devices ---------------------------------------------------------------------

def test_dtypes():
    assert lamina.tensor([1.0, 2.0]).dtype == F32  # float32 is the default
    assert lamina.zeros(2).dtype == F32 and lamina.rand(2).dtype == F32
    assert lamina.tensor([1, 2]).dtype == I64
    assert lamina.tensor([True, False]).dtype == B
    assert lamina.tensor([1, 2.5]).dtype == F32
    assert lamina.tensor([1.0], dtype=F64).dtype == F64
    assert lamina.tensor(np.ones(2)).dtype == F64  # numpy arrays keep their dtype
    assert lamina.tensor(np.ones(2, np.float32)).dtype == F32
    assert lamina.tensor(np.ones(2, np.int32)).dtype == I64
    assert [d.itemsize for d in (F32, F64, I64, B)] == [4, 8, 8, 1]
    assert [d.is_floating_point for d in (F32, F64, I64, B)] == [True, True, False, False]
    assert lamina.double is F64 and lamina.long is I64 and lamina.bool is B
    assert lamina.ones(2, dtype="float64").dtype == F64
    assert lamina.ones(2, dtype=np.int64).dtype == I64
    assert lamina.ones(2, dtype=float).dtype == F32 and lamina.ones(2, dtype=bool).dtype == B
    assert str(F64) == "lamina.float64" and repr(B) == "lamina.bool"
    assert lamina.ones(3, dtype=F64).element_size() == 8


def test_devices():
    cpu = lamina.device("cpu")
    assert cpu.type == "cpu" and cpu.index is None and str(cpu) == "cpu"
    d = lamina.device("cuda:1")
    assert d.type == "cuda" and d.index == 1 and str(d) == "cuda:1"
    assert repr(d) == "device(type='cuda', index=1)"
    assert lamina.device("cuda").index == 0
    assert lamina.device("cuda", 3).index == 3
    assert lamina.device("cuda:12").index == 12
    assert d == lamina.device("cuda", 1) and d != lamina.device("cuda:0") and cpu == "cpu"
    assert len({lamina.device("cuda:1"), lamina.device("cuda", 1), cpu}) == 2
    t = lamina.ones(2)
    assert t.device == cpu and t.device.type == "cpu" and not t.is_cuda


@pytest.mark.parametrize("spec", ["gpu", "cuda:", "cuda:x", "cuda:-1", "cuda1", "CPU", "", "cuda:1:2",
                                  "cuda:1x", "cpu:"])
def test_bad_device_strings(spec):
    with pytest.raises(ValueError, match=r"^\[device\]"):
        lamina.device(spec)
    with pytest.raises(ValueError, match=r"^\[device\]"):
        lamina.zeros(2, device=spec)


# --- geometry -------------------------------------------------------------------------------

def test_shape_strides_offset():
    x = lamina.zeros(2, 3, 4)
    assert x.shape == (2, 3, 4) and x.size() == (2, 3, 4) and x.size(-1) == 4
    assert x.stride() == (12, 4, 1) and x.stride(0) == 12 and x.storage_offset() == 0
    assert x.ndim == x.dim() == 3 and x.numel() == 24 and len(x) == 2
    assert x.is_contiguous()
    v = x[1, 1:, ::3]
    assert v.shape == (2, 2) and v.stride() == (4, 3) and v.storage_offset() == 16
    assert lamina.zeros(()).shape == () and lamina.zeros(()).stride() == ()
    assert lamina.zeros(()).numel() == 1
    assert lamina.zeros(3, 0).numel() == 0 and lamina.zeros(3, 0).is_contiguous()
    with pytest.raises(IndexError, match=r"^\[size\]"):
        x.size(3)
    with pytest.raises(TypeError, match=r"^\[len\]"):
        len(lamina.zeros(()))


def _np_base(rng, shape=(4, 5, 6)):
    return np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape) + 0.5


# name: (lamina view, numpy equivalent)
VIEWS = {
    "reshape": (lambda t: t.reshape(20, 6), lambda a: a.reshape(20, 6)),
    "reshape_infer": (lambda t: t.reshape(-1, 3), lambda a: a.reshape(-1, 3)),
    "view": (lambda t: t.view(4, 30), lambda a: a.reshape(4, 30)),
    "flatten": (lambda t: t.flatten(1), lambda a: a.reshape(4, 30)),
    "unflatten": (lambda t: t.unflatten(2, (2, 3)), lambda a: a.reshape(4, 5, 2, 3)),
    "permute": (lambda t: t.permute(2, 0, 1), lambda a: a.transpose(2, 0, 1)),
    "permute_neg": (lambda t: t.permute(-1, -3, -2), lambda a: a.transpose(2, 0, 1)),
    "transpose": (lambda t: t.transpose(0, 2), lambda a: a.swapaxes(0, 2)),
    "T": (lambda t: t.T, lambda a: a.T),
    "mT": (lambda t: t.mT, lambda a: a.swapaxes(-1, -2)),
    "expand": (lambda t: t[:, :1].expand(3, 4, 5, 6), lambda a: np.broadcast_to(a[:, :1], (3, 4, 5, 6))),
    "expand_keep": (lambda t: t[:1].expand(-1, 5, 6), lambda a: a[:1]),
    "broadcast_to": (lambda t: lamina.broadcast_to(t[0, 0], (2, 6)), lambda a: np.broadcast_to(a[0, 0], (2, 6))),
    "unsqueeze": (lambda t: t.unsqueeze(1), lambda a: a[:, None]),
    "unsqueeze_neg": (lambda t: t.unsqueeze(-1), lambda a: a[..., None]),
    "squeeze": (lambda t: t[:, :1].squeeze(), lambda a: a[:, 0]),
    "squeeze_dim": (lambda t: t[:, :1].squeeze(1), lambda a: a[:, 0]),
    "slice_step": (lambda t: t[1:, ::2, 1::3], lambda a: a[1:, ::2, 1::3]),
    "slice_negative": (lambda t: t[-3:-1, -4:, :-2], lambda a: a[-3:-1, -4:, :-2]),
    "slice_clamped": (lambda t: t[2:100, -100:3], lambda a: a[2:100, -100:3]),
    "slice_empty": (lambda t: t[3:1], lambda a: a[3:1]),
    "select": (lambda t: t[2], lambda a: a[2]),
    "select_neg": (lambda t: t[:, -1], lambda a: a[:, -1]),
    "select_method": (lambda t: t.select(2, -2), lambda a: a[:, :, -2]),
    "ellipsis_none": (lambda t: t[..., None, 1], lambda a: a[..., None, 1]),
    "narrow": (lambda t: t.narrow(1, 1, 3), lambda a: a[:, 1:4]),
    "unbind": (lambda t: t.unbind(1)[3], lambda a: a[:, 3]),
    "split": (lambda t: t.split(4, dim=2)[1], lambda a: a[:, :, 4:]),
    "split_sizes": (lambda t: t.split([1, 3, 1], dim=1)[1], lambda a: a[:, 1:4]),
    "chunk": (lambda t: t.chunk(3, dim=-1)[2], lambda a: a[:, :, 4:6]),
    "view_of_view": (lambda t: t.transpose(0, 1)[1:].permute(2, 1, 0)[::2], lambda a: a.swapaxes(0, 1)[1:].transpose(2, 1, 0)[::2]),
}


@pytest.mark.parametrize("name", VIEWS)
def test_views_share_storage(name, device, rng):
    fn, ref = VIEWS[name]
    base = _np_base(rng)
    t = lam(base, F64, device)
    v = fn(t)
    want = ref(base)
    check(v, want, F64, msg=name)
    assert v._storage_id == t._storage_id, f"{name} copied"
    if v.numel() == 0 or v.stride().count(0):
        return
    # a write through the view shows in the base, at the same elements numpy's view maps to
    v.fill_(-7.0)
    expect = base.copy()
    ref(expect)[...] = -7.0
    check(t, expect, F64, msg=name)


def test_repeat_flatten_unflatten(device, rng):
    a = arr(rng, (2, 3))
    t = lam(a, F64, device)
    for reps in [(2, 1), (1, 3), (2, 2), (3, 1, 2), (1, 1)]:
        check(t.repeat(*reps), np.tile(a, reps), F64)
    check(t.t().repeat(2, 2), np.tile(a.T, (2, 2)), F64)
    check(lamina.tensor(3.0, device=device).repeat(4), np.full(4, 3.0), F32)
    assert lamina.ones(()).flatten().shape == (1,)
    assert lamina.ones(2, 0, 3).flatten().shape == (0,) and lamina.ones(2, 0, 3).flatten(1).shape == (2, 0)
    check(lamina.flatten(t.t(), 0, -1), a.T.reshape(-1), F64)
    assert t.reshape(2, 3, 1).flatten(1, 2).shape == (2, 3)
    check(t.reshape(6).unflatten(0, (3, -1)), a.reshape(3, 2), F64)


def test_split_chunk_unbind_cover_everything(rng):
    base = arr(rng, (7, 10))
    t = lam(base, F64)
    assert [p.shape for p in t.split(3)] == [(3, 10), (3, 10), (1, 10)]
    assert [p.shape for p in t.chunk(4, 1)] == [(7, 3), (7, 3), (7, 3), (7, 1)]
    assert [p.shape for p in t.chunk(3)] == [(3, 10), (3, 10), (1, 10)]
    check(lamina.cat(t.split([2, 5]), 0), base, F64)
    check(lamina.stack(t.unbind(1), 1), base, F64)
    assert len(t.unbind(0)) == 7 and len(list(iter(t))) == 7


def test_reshape_copies_only_when_needed(rng):
    t = lam(arr(rng, (4, 6)))
    tt = t.t()
    with pytest.raises(ValueError, match=r"^\[view\]"):
        tt.view(24)
    r = tt.reshape(24)  # no view exists: a copy with the right order
    assert r._storage_id != t._storage_id
    check(r, to_np(t).T.reshape(24), F32)
    assert t.reshape(2, 12)._storage_id == t._storage_id
    assert t[:, :3].reshape(12)._storage_id != t._storage_id  # rows not adjacent: copy
    assert t[1:3].reshape(12)._storage_id == t._storage_id  # adjacent rows: a view


def test_contiguous_and_clone(rng):
    x = lam(arr(rng, (5, 7)))
    assert x.contiguous() is x
    tt = x.t()
    c = tt.contiguous()
    assert c.is_contiguous() and c._storage_id != x._storage_id
    assert c.stride() == (5, 1)
    check(c, to_np(x).T, F32)
    k = x.clone()
    assert k._storage_id != x._storage_id and k.is_contiguous()
    check(k, to_np(x), F32)
    k.fill_(0.0)
    assert to_np(x).min() != 0.0  # the clone is independent
    s = x[:, ::3].clone()
    assert s.is_contiguous() and s.shape == (5, 3)
    check(s, to_np(x)[:, ::3], F32)


def test_to_dtype(device):
    f = lamina.tensor([-2.7, -0.5, 0.0, 1.5, 3.99], device=device)
    check(f.to(I64), np.array([-2, 0, 0, 1, 3]), I64)  # truncation toward zero
    check(f.to(B), np.array([True, True, False, True, True]), B)
    check(f.to(F64), rounded([-2.7, -0.5, 0.0, 1.5, 3.99], F32), F64)
    check(f.double().float(), rounded([-2.7, -0.5, 0.0, 1.5, 3.99], F32), F32)
    check(lamina.tensor([True, False], device=device).to(F32), np.array([1.0, 0.0]), F32)
    check(lamina.tensor([5, -3], device=device).long().to("float64"), np.array([5.0, -3.0]), F64)
    assert f.to(F32) is f and f.to(device) is f
    c = f.to(F32, copy=True)
    assert c is not f and c._storage_id != f._storage_id
    assert f.type_as(lamina.ones(1, dtype=F64)).dtype == F64
    assert f.to(lamina.ones(1, dtype=I64)).dtype == I64
    s = lamina.tensor([[1.5, 2.5], [3.5, 4.5]], device=device).t().to(I64)
    check(s, np.array([[1, 3], [2, 4]]), I64)


def test_item_and_tolist():
    assert lamina.tensor(2.5).item() == 2.5 and isinstance(lamina.tensor(2.5).item(), float)
    assert lamina.tensor([7]).item() == 7 and isinstance(lamina.tensor([7]).item(), int)
    assert lamina.tensor(True).item() is True
    assert lamina.tensor(0.1, dtype=F64).item() == 0.1
    assert lamina.tensor(3).tolist() == 3
    assert lamina.tensor([[1, 2], [3, 4]]).tolist() == [[1, 2], [3, 4]]
    assert lamina.tensor([[1, 2], [3, 4]]).t().tolist() == [[1, 3], [2, 4]]
    assert lamina.tensor([True, False]).tolist() == [True, False]
    assert lamina.zeros(2, 0).tolist() == [[], []]
    assert float(lamina.tensor([2.5])) == 2.5 and int(lamina.tensor(3)) == 3
    assert [1, 2, 3][lamina.tensor(1)] == 2  # __index__
    assert bool(lamina.tensor([1.0])) and not bool(lamina.tensor(0))
    with pytest.raises(ValueError, match=r"^\[item\]"):
        lamina.ones(2).item()
    with pytest.raises(RuntimeError, match=r"^\[bool\]"):
        bool(lamina.ones(2))


# --- repr -----------------------------------------------------------------------------------

def test_repr_examples():
    assert repr(lamina.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(lamina.tensor([1.0, 2.0], dtype=F64)) == "tensor([1., 2.], dtype=lamina.float64)"
    assert repr(lamina.tensor([0.5, 2.0], requires_grad=True)) == \
        "tensor([0.5000, 2.0000], requires_grad=True)"
    x = lamina.tensor([1.0, 2.0], requires_grad=True)
    assert repr(x * 2) == "tensor([2., 4.], grad_fn=<MulBackward>)"
    assert repr((x * 2).sum()) == "tensor(6., grad_fn=<SumBackward>)"
    assert repr(lamina.tensor(3.5)) == "tensor(3.5000)"
    assert repr(lamina.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(lamina.tensor([True, False])) == "tensor([ True, False])"
    assert repr(lamina.tensor([[1.5, -2.0], [3.0, 4.25]])) == \
        "tensor([[ 1.5000, -2.0000],\n        [ 3.0000,  4.2500]])"
    assert repr(lamina.tensor([1e-5, 1.0])) == "tensor([1.0000e-05, 1.0000e+00])"
    assert repr(lamina.tensor([float("nan"), 1.0])) == "tensor([nan, 1.])"
    assert repr(lamina.zeros(0)) == "tensor([])"
    assert repr(lamina.zeros(2, 0, dtype=I64)) == "tensor([], size=(2, 0), dtype=lamina.int64)"
    assert str(lamina.tensor([1.0, 2.0])) == "tensor([1., 2.])"


def _repr_cases(rng):
    return [
        [1.0, 2.0], 3.5, [1e-5, 1.0], [1e10, 1.0], [float("nan"), 1.0], [float("-inf"), 2.5],
        [0.1, 2.0], [[1.5, 2.25], [3.0, 4.0]], [1, 2], 3, True, [-0.0], [1e8], [123456.0, 1.5],
        list(range(2000)), [1.5] * 1500, rng.standard_normal((40, 50)).tolist(),
        rng.standard_normal((3, 4, 5)).tolist(), rng.integers(-999, 999, (20, 30)).tolist(),
        (rng.random((13, 17)) < 0.5).tolist(), rng.standard_normal((2, 3, 400)).tolist(),
        (rng.standard_normal(30) * 1e6).tolist(), [],
    ]


def test_repr_matches_torch(rng):
    torch = pytest.importorskip("torch")
    for case in _repr_cases(rng):
        want = repr(torch.tensor(case)).replace("torch.", "lamina.")
        assert repr(lamina.tensor(case)) == want
        want = repr(torch.tensor(case, dtype=torch.float64)).replace("torch.", "lamina.")
        assert repr(lamina.tensor(case, dtype=F64)) == want
    for shape in [(0, 3), (2, 0, 1), (0,)]:
        for name in ["float32", "float64", "int64", "bool"]:
            want = repr(torch.zeros(*shape, dtype=getattr(torch, name))).replace("torch.", "lamina.")
            assert repr(lamina.zeros(*shape, dtype=getattr(lamina, name))) == want
    vals = rng.standard_normal(30).tolist()
    want = repr(torch.tensor(vals, dtype=torch.float64, requires_grad=True)).replace("torch.", "lamina.")
    assert repr(lamina.tensor(vals, dtype=F64, requires_grad=True)) == want


# --- creation -------------------------------------------------------------------------------

def test_tensor_from_data(device):
    check(lamina.tensor([[1.5, 2], [3, 4]], device=device), np.array([[1.5, 2], [3, 4]]), F32)
    check(lamina.tensor(np.arange(6.0).reshape(2, 3).T, device=device), np.arange(6.0).reshape(2, 3).T, F64)
    assert lamina.tensor(3.5).shape == () and lamina.tensor(np.float32(2)).shape == ()
    assert lamina.tensor([]).shape == (0,) and lamina.tensor([[]]).shape == (1, 0)
    a = np.arange(4.0)
    t = lamina.tensor(a, device=device)
    a[0] = 100.0
    assert t[0].item() == 0.0  # tensor() copies
    src = lamina.tensor([1.0, 2.0], device=device)
    cp = lamina.tensor(src, dtype=F64)
    assert cp.dtype == F64 and cp._storage_id != src._storage_id
    with pytest.raises(ValueError, match=r"^\[tensor\]"):
        lamina.tensor([[1, 2], [3]])
    with pytest.raises(TypeError):
        lamina.tensor("abc")


def test_constant_factories(device):
    check(lamina.zeros(2, 3, device=device), np.zeros((2, 3)), F32)
    check(lamina.zeros((2, 3), dtype=I64, device=device), np.zeros((2, 3), np.int64), I64)
    check(lamina.ones(4, dtype=F64, device=device), np.ones(4), F64)
    check(lamina.ones((), device=device), np.ones(()), F32)
    check(lamina.full((2, 2), 7, device=device), np.full((2, 2), 7), I64)
    check(lamina.full((2, 2), 1.5, device=device), np.full((2, 2), 1.5), F32)
    check(lamina.full((3,), True, device=device), np.ones(3, bool), B)
    check(lamina.full([2], -2.5, dtype=F64, device=device), np.full(2, -2.5), F64)
    e = lamina.empty(3, 4, dtype=F64, device=device)
    assert e.shape == (3, 4) and e.dtype == F64 and e.is_contiguous()
    assert lamina.zeros(0, 5).shape == (0, 5)
    check(lamina.eye(3, device=device), np.eye(3), F32)
    check(lamina.eye(2, 4, dtype=I64, device=device), np.eye(2, 4, dtype=np.int64), I64)
    check(lamina.eye(4, 2, device=device), np.eye(4, 2), F32)
    assert lamina.eye(0).shape == (0, 0)
    assert lamina.zeros(2, requires_grad=True).requires_grad


def test_like_factories(device):
    x = lamina.ones(2, 3, dtype=F64, device=device).t()
    for fn, val in [(lamina.zeros_like, 0.0), (lamina.ones_like, 1.0),
                    (lambda t, **k: lamina.full_like(t, 4.5, **k), 4.5)]:
        y = fn(x)
        assert y.shape == (3, 2) and y.dtype == F64 and y.is_contiguous()
        check(y, np.full((3, 2), val), F64)
        assert fn(x, dtype=I64).dtype == I64
    assert lamina.empty_like(x).shape == (3, 2) and lamina.empty_like(x).dtype == F64
    r = lamina.rand_like(x)
    assert r.shape == (3, 2) and r.dtype == F64
    assert lamina.randn_like(lamina.ones(5)).shape == (5,)


def test_arange(device):
    check(lamina.arange(5, device=device), np.arange(5), I64)
    check(lamina.arange(2, 11, 3, device=device), np.arange(2, 11, 3), I64)
    check(lamina.arange(10, 0, -3, device=device), np.arange(10, 0, -3), I64)
    check(lamina.arange(-3, -3, device=device), np.arange(-3, -3), I64)
    t = lamina.arange(0, 1, 0.1, device=device)
    assert t.shape == (10,) and t.dtype == F32
    check(t, np.arange(10) * 0.1, F32, rtol=1e-6, atol=1e-7)
    check(lamina.arange(1, 2.5, 0.5, dtype=F64, device=device), np.array([1.0, 1.5, 2.0]), F64)
    check(lamina.arange(5.0, device=device), np.arange(5.0), F32)
    check(lamina.arange(3, dtype=F64, device=device), np.arange(3.0), F64)
    n = 100_003
    check(lamina.arange(n, device=device), np.arange(n), I64)


def test_linspace(device):
    for start, end, steps in [(0, 1, 5), (-3, 7, 33), (2, -2, 257), (1, 1, 4), (0, 1, 1)]:
        check(lamina.linspace(start, end, steps, device=device),
              np.linspace(start, end, steps), F32, rtol=1e-6, atol=1e-6)
        got = lamina.linspace(start, end, steps, dtype=F64, device=device)
        check(got, np.linspace(start, end, steps), F64)
        if steps > 1:
            assert got[-1].item() == end and got[0].item() == start
    assert lamina.linspace(0, 1, 0).shape == (0,)
    check(lamina.linspace(0, 10, 5, dtype=I64, device=device), np.array([0, 2, 5, 7, 10]), I64)


# --- random ---------------------------------------------------------------------------------

def test_random_determinism(device):
    lamina.manual_seed(1234)
    a = [lamina.rand(100, device=device), lamina.randn(50, device=device),
         lamina.randint(0, 1000, (60,), device=device)]
    assert lamina.initial_seed() == 1234
    lamina.manual_seed(1234)
    b = [lamina.rand(100, device=device), lamina.randn(50, device=device),
         lamina.randint(0, 1000, (60,), device=device)]
    for x, y in zip(a, b):
        np.testing.assert_array_equal(to_np(x), to_np(y))
    c = lamina.rand(100, device=device)  # the generator moves on
    assert not np.array_equal(to_np(c), to_np(a[0]))
    lamina.manual_seed(1235)
    assert not np.array_equal(to_np(lamina.rand(100, device=device)), to_np(a[0]))
    lamina.manual_seed(7)
    one = to_np(lamina.rand(2, 50, device=device)).reshape(-1)
    lamina.manual_seed(7)
    two = np.concatenate([to_np(lamina.rand(30, device=device)), to_np(lamina.rand(70, device=device))])
    np.testing.assert_array_equal(one, two)  # a draw depends only on (seed, position)


def test_rand_statistics(device):
    lamina.manual_seed(0)
    n = 100_000
    u = to_np(lamina.rand(n, device=device))
    assert u.min() >= 0.0 and u.max() < 1.0
    assert abs(u.mean() - 0.5) < 0.005 and abs(u.var() - 1 / 12) < 0.002
    hist = np.histogram(u, bins=10, range=(0, 1))[0] / n
    assert np.all(np.abs(hist - 0.1) < 0.006)
    u64 = to_np(lamina.rand(1000, dtype=F64, device=device))
    assert len(np.unique(u64)) == 1000 and u64.min() >= 0 and u64.max() < 1
    g = to_np(lamina.randn(n, device=device))
    assert abs(g.mean()) < 0.016 and abs(g.std() - 1) < 0.012
    assert abs(np.mean(np.abs(g) < 1) - 0.6827) < 0.0075
    assert abs(np.mean(g > 1.96) - 0.025) < 0.003
    assert lamina.randn(3, dtype=F64, device=device).dtype == F64


def test_randint_and_bernoulli(device):
    lamina.manual_seed(1)
    r = to_np(lamina.randint(-3, 4, (100_000,), device=device))
    assert lamina.randint(5, (2, 3), device=device).shape == (2, 3)
    assert lamina.randint(0, 5, (4,), device=device).dtype == I64
    assert r.min() == -3 and r.max() == 3
    counts = np.bincount(r + 3) / r.size
    assert np.all(np.abs(counts - 1 / 7) < 0.007)
    big = to_np(lamina.randint(0, 2**40, (1000,), device=device))
    assert big.min() >= 0 and big.max() < 2**40 and big.max() > 2**39
    p = lamina.full((100_000,), 0.3, device=device)
    b = lamina.bernoulli(p)
    assert b.dtype == F32 and set(np.unique(to_np(b))) <= {0.0, 1.0}
    assert abs(to_np(b).mean() - 0.3) < 0.0075
    edge = lamina.bernoulli(lamina.tensor([0.0, 1.0] * 50, dtype=F64, device=device))
    check(edge, np.array([0.0, 1.0] * 50), F64)


# --- indexing -------------------------------------------------------------------------------

GETITEM = [
    (2,), (-1,), (slice(1, None, 2),), (slice(-3, -1),), (Ellipsis, 1), (None, 1),
    (1, slice(None), -2), (slice(None, None, 3), Ellipsis, None), ([0, 3, 3, -1],),
    (slice(None), [4, 0]), (1, [2, 2, 0]), (np.array([[0, 1], [3, 2]]),),
]


@pytest.mark.parametrize("idx", GETITEM, ids=[repr(i) for i in GETITEM])
def test_getitem_matches_numpy(idx, device, rng):
    base = arr(rng, (4, 5, 6))
    t = lam(base, F64, device)
    got = t[idx if not any(isinstance(i, np.ndarray) for i in idx) else
            tuple(lam(i, I64, device) if isinstance(i, np.ndarray) else i for i in idx)]
    check(got, base[idx], F64)
    basic = all(isinstance(i, (int, slice)) or i is None or i is Ellipsis for i in idx)
    assert (got._storage_id == t._storage_id) == basic  # basic indexing views, advanced copies


def test_tensor_indexing(device, rng):
    emb = arr(rng, (10, 4))
    idx = np.array([[1, 9, 1], [0, -1, 5]])
    te = lam(emb, device=device)
    check(te[lam(idx, I64, device)], rounded(emb, F32)[idx], F32)  # embedding lookup
    logits = arr(rng, (6, 5))
    targets = np.array([4, 0, 2, 2, 1, 3])
    got = lam(logits, device=device)[lamina.arange(6, device=device), lam(targets, I64, device)]
    check(got, rounded(logits, F32)[np.arange(6), targets], F32)
    got = lam(logits, device=device)[lamina.arange(6, device=device)[:, None], lamina.tensor([0, 4], device=device)]
    check(got, rounded(logits, F32)[np.arange(6)[:, None], [0, 4]], F32)
    with pytest.raises(IndexError, match=r"^\[getitem\]"):
        te[lamina.tensor([10], device=device)]
    with pytest.raises(IndexError, match=r"^\[getitem\]"):
        te[lamina.tensor([-11], device=device)]
    with pytest.raises(TypeError, match=r"^\[getitem\]"):
        te[lamina.tensor([1.0], device=device)]
    x = lam(emb, device=device, requires_grad=True)
    x[lamina.tensor([1, 1, 3], device=device)].sum().backward()
    want = np.zeros((10, 4))
    want[1] = 2
    want[3] = 1
    check(x.grad, want, F32)


def test_setitem(device, rng):
    base = arr(rng, (4, 6))
    t, n = lam(base, F64, device), base.copy()
    t[1] = 5.0
    n[1] = 5.0
    t[:, ::2] = lamina.tensor([1.0, 2.0, 3.0], dtype=F64, device=device)
    n[:, ::2] = [1.0, 2.0, 3.0]
    t[-1, 1:3] = lamina.tensor([[7, 8]], device=device)
    n[-1, 1:3] = [7, 8]
    t[..., -1] = -1
    n[..., -1] = -1
    check(t, n, F64)
    t[lamina.tensor([2, 0], device=device)] = 9.5  # int64 tensor indices
    n[[2, 0]] = 9.5
    check(t, n, F64)
    t[lamina.arange(4, device=device), lamina.tensor([5, 0, 1, -2], device=device)] = \
        lamina.tensor([10.0, 20.0, 30.0, 40.0], dtype=F64, device=device)
    n[np.arange(4), [5, 0, 1, -2]] = [10, 20, 30, 40]
    check(t, n, F64)
    t[:, lamina.tensor([3, 3], device=device)] = lamina.full((4, 2), 0.25, dtype=F64, device=device)
    n[:, [3, 3]] = 0.25
    check(t, n, F64)
    with pytest.raises(IndexError, match=r"^\[setitem\]"):
        t[lamina.tensor([4], device=device)] = 0.0


def test_setitem_bool_mask(device, rng):
    base = arr(rng, (5, 7))
    t, n = lam(base, device=device), rounded(base, F32)
    mask = t > 0.5
    t[mask] = 0.0
    n[n > 0.5] = 0.0
    check(t, n, F32)
    rows = rng.random(5) < 0.5
    t[lam(rows, B, device)] = -3.0  # a mask over the leading dims
    n[rows] = -3.0
    check(t, n, F32)
    t[t < -2] = lamina.arange(7, dtype=F32, device=device)  # values broadcast over the mask
    n = np.where(n < -2, np.arange(7.0), n)
    check(t, n, F32)
    v = t[:, 1::2]
    v[v == 0.0] = 42.0
    n[:, 1::2][n[:, 1::2] == 0.0] = 42.0
    check(t, n, F32)
    with pytest.raises(ValueError, match=r"^\[setitem\]"):
        t[lamina.ones(7, dtype=B, device=device)] = 1.0


def test_setitem_refuses_tensors_requiring_grad():
    x = lamina.ones(3, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[setitem\]"):
        x[0] = 2.0


def test_setitem_from_an_overlapping_view(device):
    t = lamina.arange(6.0, device=device)
    n = np.arange(6.0)
    t[1:] = t[:-1]  # numpy semantics: the right side is read before anything is written
    n[1:] = n[:-1].copy()
    check(t, n, F32)


@pytest.mark.parametrize("name", [n for n in VIEWS if n != "slice_empty"])
def test_view_grads(name, device, rng):
    from reference import gradcheck
    fn = VIEWS[name][0]
    gradcheck(lambda t: fn(t) * 1.0, arr(rng, (4, 5, 6)), device=device, eps=1e-6)


def test_copy_grads(device, rng):
    from reference import gradcheck
    gradcheck(lambda t: t.t().contiguous(), arr(rng, (3, 4)), device=device)
    gradcheck(lambda t: t[:, ::2].clone(), arr(rng, (3, 4)), device=device)
    gradcheck(lambda t: t.repeat(2, 1, 3), arr(rng, (3, 4)), device=device)
    x = lam(arr(rng, (3, 4)), F64, device, requires_grad=True)
    w = arr(rng, (3, 4))
    (x.float() * lam(w, F32, device)).sum().backward()  # the cast sends the gradient back as f64
    assert x.grad.dtype == F64
    check(x.grad, rounded(w, F32), F64, rtol=1e-7, atol=1e-7)
    gradcheck(lambda t: t.reshape(2, 6).t().reshape(12), arr(rng, (3, 4)), device=device)
