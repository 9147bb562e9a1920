"""take, repeat_interleave, cross, cdist, median, randperm and normal against NumPy float64,
finite differences and torch (awkward sizes, non-contiguous inputs, every device)."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina.testing import check_op
from reference import SIZES, check, lam, to_np, torch


def _idx(a, device):
    return lamina.tensor(np.asarray(a, dtype=np.int64), device=device)


def test_take(device, rng):
    for shape in [(n,) for n in SIZES] + [(3, 33), (2, 7, 5)]:
        n = int(np.prod(shape))
        idx = rng.integers(-n, n, size=(4, 3))
        check_op(lambda x: lamina.take(x, _idx(idx, x.device)), [shape],
                 lambda x: np.take(x.reshape(-1), np.where(idx < 0, idx + n, idx)),
                 lambda x: torch.take(x, torch.tensor(idx)), rng=rng, device=device,
                 name=f"take {shape}")


def test_repeat_interleave(device, rng):
    for shape, reps, dim in [((7,), 3, None), ((3, 33), 2, 1), ((4, 5), [1, 0, 3, 2], 0),
                             ((2, 3, 4), 1, -1), ((127,), 2, 0)]:
        r = np.array(reps) if isinstance(reps, list) else reps
        check_op(lambda x: x.repeat_interleave(_idx(r, x.device) if isinstance(r, np.ndarray)
                                               else r, dim), [shape],
                 lambda x: np.repeat(x, r, axis=dim),
                 lambda x: x.repeat_interleave(torch.tensor(r) if isinstance(r, np.ndarray)
                                               else r, dim), rng=rng, device=device,
                 name=f"repeat_interleave {shape}")
    check(lamina.repeat_interleave(_idx([2, 0, 1], device)), np.array([0, 0, 2]), lamina.int64)


def test_cross(device, rng):
    for sa, sb, dim in [((3,), (3,), None), ((7, 3), (7, 3), 1), ((3, 33), (3, 1), 0),
                        ((2, 4, 3), (4, 3), -1), ((3, 3), (3, 3), None)]:
        d = dim
        if d is None:
            d = [i for i, s in enumerate(np.broadcast_shapes(sa, sb)) if s == 3][0]
        check_op(lambda a, b: lamina.cross(a, b, dim), [sa, sb],
                 lambda a, b: np.cross(*np.broadcast_arrays(a, b), axis=d),
                 lambda a, b: torch.cross(*torch.broadcast_tensors(a, b), dim=d), rng=rng,
                 device=device, name=f"cross {sa} {sb}")


@pytest.mark.parametrize("p", [2.0, 1.0, 3.0, float("inf")])
def test_cdist(p, device, rng):
    def ref(a, b):
        d = np.abs(a[..., :, None, :] - b[..., None, :, :])
        return d.max(-1) if p == float("inf") else (d ** p).sum(-1) ** (1 / p)
    for sa, sb in [((7, 3), (5, 3)), ((2, 4, 33), (2, 6, 33)), ((1, 2), (127, 2))]:
        # torch's default p=2 path (a matmul beyond 25 rows) loses digits on small distances
        check_op(lambda a, b: lamina.cdist(a, b, p), [sa, sb], ref,
                 lambda a, b: torch.cdist(a, b, p, "donot_use_mm_for_euclid_dist"), rng=rng,
                 device=device,
                 name=f"cdist {p} {sa}")


def test_median(device, rng):
    for shape, dim in [((7,), 0), ((33, 4), 0), ((4, 33), 1), ((2, 127, 3), 1), ((257,), 0)]:
        x = rng.permutation(int(np.prod(shape))).reshape(shape) / 10.0 - 3  # no ties

        def ref(v, d=dim):
            k = (v.shape[d] - 1) // 2
            return np.sort(v, axis=d).take(k, axis=d)
        check_op(lambda v: v.median(dim).values, [x], ref, lambda v: v.median(dim).values,
                 rng=rng, device=device, name=f"median {shape}")
        t = lam(x, lamina.float64, device)
        out = t.median(dim, keepdim=True)
        want = torch.tensor(x).median(dim, keepdim=True)
        np.testing.assert_array_equal(to_np(out.indices), want.indices.numpy())
        check(out.values, want.values.numpy())
    check_op(lambda v: v.median(), [(33,)], lambda v: np.sort(v)[16], lambda v: v.median(),
             rng=rng, device=device)
    x = np.array([[1.0, np.nan, 3.0, 0.5], [2.0, 1.0, 0.0, 5.0]])
    got = lamina.median(lam(x, lamina.float64, device), 1)
    check(got.values, np.array([np.nan, 1.0]))
    np.testing.assert_array_equal(to_np(got.indices), [1, 1])


def test_randperm_and_normal(device):
    lamina.manual_seed(3)
    p = lamina.randperm(257, device=device)
    assert p.dtype == lamina.int64 and sorted(to_np(p).tolist()) == list(range(257))
    lamina.manual_seed(3)
    np.testing.assert_array_equal(to_np(lamina.randperm(257, device=device)), to_np(p))
    assert lamina.randperm(0).shape == (0,) and to_np(lamina.randperm(1)).tolist() == [0]
    lamina.manual_seed(0)
    z = lamina.normal(2.0, 3.0, (20000,), device=device)
    assert abs(float(z.mean()) - 2.0) < 0.1 and abs(float(z.std()) - 3.0) < 0.1
    m = lamina.zeros(4, 3, dtype=lamina.float64, device=device)
    s = lamina.tensor([1.0, 0.0, 2.0], dtype=lamina.float64, device=device)
    out = lamina.normal(m + 5, s)
    assert out.shape == (4, 3) and out.dtype == lamina.float64
    np.testing.assert_array_equal(to_np(out)[:, 1], np.full(4, 5.0))  # std 0: the mean


ERRORS = [
    ("take", IndexError, lambda: lamina.take(lamina.ones(3), lamina.tensor([3]))),
    ("take", TypeError, lambda: lamina.take(lamina.ones(3), lamina.ones(1))),
    ("repeat_interleave", ValueError, lambda: lamina.ones(3).repeat_interleave(
        lamina.tensor([1, 2]), 0)),
    ("repeat_interleave", ValueError, lambda: lamina.ones(3).repeat_interleave(-1)),
    ("cross", ValueError, lambda: lamina.cross(lamina.ones(4), lamina.ones(4))),
    ("cross", ValueError, lambda: lamina.cross(lamina.ones(3, 4), lamina.ones(3, 4), 1)),
    ("cdist", ValueError, lambda: lamina.cdist(lamina.ones(2, 3), lamina.ones(2, 4))),
    ("median", IndexError, lambda: lamina.ones(2, 0).median(1)),
    ("randperm", ValueError, lambda: lamina.randperm(-1)),
    ("normal", ValueError, lambda: lamina.normal(0.0, -1.0, (2,))),
    ("normal", TypeError, lambda: lamina.normal(0.0, 1.0)),
]


@pytest.mark.parametrize("op,err,call", ERRORS, ids=[f"{i}-{e[0]}" for i, e in enumerate(ERRORS)])
def test_errors_name_the_op(op, err, call):
    with pytest.raises(err, match=rf"^\[{op}\]"):
        call()
