"""scaled_dot_product_attention through check_op: an explicit NumPy float64
softmax(QK^T s + mask) V, finite differences and torch when importable; in-kernel dropout
against the same reference with the kernel's keep mask and its hand-derived gradients."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina import _C

from lamina.testing import Input, check_op
from reference import arr, check, gradcheck, lam, rounded, to_np, torch

SDPA = F.scaled_dot_product_attention
F32_TOL = dict(rtol=1e-4, atol=2e-5)


def tol(dtype):
    return F32_TOL if dtype == lamina.float32 else dict(rtol=1e-9, atol=1e-10)


# --- float64 reference ---------------------------------------------------------------------


def sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead else g
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def ref_attention(q, k, v, mask=None, causal=False, scale=None, keep=None, p=0.0, gqa=False,
                  dout=None):
    """Forward (and, given ``dout``, the gradients of q, k, v) in float64. Fully masked rows give
    0 output and 0 gradients (lamina's policy). ``keep``: the dropout keep mask (..., L, S)."""
    q, k, v = (np.asarray(x, np.float64) for x in (q, k, v))
    kk, vv = k, v
    if gqa and q.shape[-3] != k.shape[-3]:
        g = q.shape[-3] // k.shape[-3]
        kk, vv = np.repeat(k, g, axis=-3), np.repeat(v, g, axis=-3)
    E = q.shape[-1]
    scale = 1.0 / math.sqrt(E) if scale is None else scale
    L, S = q.shape[-2], k.shape[-2]
    s = np.matmul(q, np.swapaxes(kk, -1, -2)) * scale
    if causal:
        s = np.where(np.tril(np.ones((L, S), bool)), s, -np.inf)
    if mask is not None:
        s = np.where(mask, s, -np.inf) if mask.dtype == np.bool_ else s + mask
    m = s.max(axis=-1, keepdims=True) if S else np.full(s.shape[:-1] + (1,), -np.inf)
    valid = np.isfinite(m)
    e = np.where(np.isneginf(s), 0.0, np.exp(s - np.where(valid, m, 0.0)))
    den = e.sum(axis=-1, keepdims=True)
    P = np.where(valid & (den > 0), e / np.where(den > 0, den, 1.0), 0.0)
    z = np.ones_like(P) if keep is None else keep * (0.0 if p >= 1 else 1.0 / (1.0 - p))
    Pd = P * z
    out = np.matmul(Pd, vv)
    if dout is None:
        return out
    dout = np.asarray(dout, np.float64)
    dv = np.matmul(np.swapaxes(Pd, -1, -2), dout)
    dP = np.matmul(dout, np.swapaxes(vv, -1, -2)) * z
    dS = P * (dP - (P * dP).sum(axis=-1, keepdims=True)) * scale
    dq = np.matmul(dS, kk)
    dk = np.matmul(np.swapaxes(dS, -1, -2), q)
    if kk is not k:  # sum the query heads sharing a key head
        g = q.shape[-3] // k.shape[-3]
        shp = dk.shape[:-3] + (k.shape[-3], g) + dk.shape[-2:]
        dk = dk.reshape(shp).sum(axis=-3)
        dv = dv.reshape(dv.shape[:-3] + (k.shape[-3], g) + dv.shape[-2:]).sum(axis=-3)
    return out, (sum_to(dq, q.shape), sum_to(dk, k.shape), sum_to(dv, v.shape))


def inputs(rng, dtype, qs, ks, vs, scale=1.0):
    q, k, v = (rounded(arr(rng, s) * scale, dtype) for s in (qs, ks, vs))
    return q, k, v


TOL = {lamina.float32: tuple(F32_TOL.values()), lamina.float64: (1e-9, 1e-10)}


def _sdpa(q, k, v, mask, **kw):
    return SDPA(q, k, v, attn_mask=mask, **kw)


def _tsdpa(q, k, v, mask, **kw):
    if mask is not None and mask.ndim == 1:
        mask = mask[None]  # torch takes no 1-D mask; (1, S) broadcasts the same way
    return torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, **kw)


def _ref(q, k, v, mask, is_causal=False, scale=None, enable_gqa=False):
    return ref_attention(q, k, v, mask, is_causal, scale, gqa=enable_gqa)


def compare(rng, device, qs, ks, vs, mask=None, fd_numel=20, **kw):
    """check_op of scaled_dot_product_attention on q, k, v of these shapes (and a mask: a bool
    array, or float values, not differentiable), against the NumPy reference and torch."""
    if mask is not None and mask.dtype != np.bool_:
        mask = Input(mask, grad=False)
    check_op(_sdpa, [qs, ks, vs, mask], _ref, _tsdpa, rng=rng, device=device, kwargs=kw,
             tol=TOL, fd_numel=fd_numel, name=f"sdpa {qs} {ks} {vs} {kw}")


# --- values and gradients --------------------------------------------------------------------


@pytest.mark.parametrize("mshape", [(5, 6), (2, 1, 5, 6), (6,)])
def test_float_mask_gradient(rng, device, mshape):
    """A float mask that requires grad takes the explicit path; its gradient is dS summed over
    the broadcast dims (the reference's dS / scale)."""
    def ref(q, k, v, m, gqa=False):
        return ref_attention(q, k, v, m, gqa=gqa)

    check_op(lambda q, k, v, m: SDPA(q, k, v, attn_mask=m), [(2, 3, 5, 4), (2, 3, 6, 4),
                                                           (2, 3, 6, 3), mshape], ref,
             lambda q, k, v, m: torch.nn.functional.scaled_dot_product_attention(
                 q, k, v, attn_mask=m if m.ndim > 1 else m[None]),
             rng=rng, device=device, tol=TOL, fd_numel=30, name=f"sdpa float mask {mshape}")
    check_op(lambda q, k, v, m: SDPA(q, k, v, attn_mask=m, enable_gqa=True),
             [(1, 4, 5, 4), (1, 2, 6, 4), (1, 2, 6, 3), (5, 6)],
             lambda q, k, v, m: ref(q, k, v, m, True), rng=rng, device=device, tol=TOL,
             fd_numel=30, name="sdpa float mask gqa")

LS = [(1, 1), (7, 33), (33, 7), (127, 257), (257, 127), (33, 33)]


@pytest.mark.parametrize("L,S", LS)
@pytest.mark.parametrize("E", [1, 7, 64])
def test_sizes(rng, device, L, S, E):
    compare(rng, device, (2, L, E), (2, S, E), (2, S, E + 3))


def test_wide_heads(rng, device):
    """Head dims past the GEMM's KC block (several k blocks per product)."""
    compare(rng, device, (2, 9, 300), (2, 11, 300), (2, 11, 270))
    compare(rng, device, (1, 40, 300), (1, 3, 300), (1, 3, 520), is_causal=True)


@pytest.mark.parametrize("L,S", [(1, 7), (7, 1), (33, 7), (7, 33), (127, 257), (257, 127)])
def test_causal(rng, device, L, S):
    compare(rng, device, (3, L, 16), (3, S, 16), (3, S, 9), is_causal=True)


@pytest.mark.parametrize("qb,kb,vb", [((2, 3), (3,), (2, 1)), ((1, 3), (2, 1), (2, 3)),
                                      ((), (4,), (4,)), ((2, 1, 2), (3, 1), (1,))])
def test_broadcast_batch(rng, device, qb, kb, vb):
    compare(rng, device, qb + (9, 5), kb + (13, 5), vb + (13, 4))


@pytest.mark.parametrize("mshape", [(33, 40), (40,), (1, 40), (2, 1, 33, 40), (3, 33, 1),
                                    (2, 3, 33, 40)])
@pytest.mark.parametrize("kind", ["bool", "float"])
def test_masks(rng, device, mshape, kind):
    if kind == "bool":
        mask = rng.random(mshape) < 0.7
        mask[..., 0] = True  # no fully masked rows here
    else:
        mask = arr(rng, mshape)
    compare(rng, device, (2, 3, 33, 8), (2, 3, 40, 8), (2, 3, 40, 6), mask=mask)


def test_mask_long_rows(rng, device):
    mask = rng.random((257, 300)) < 0.5
    mask[:, 5] = True
    compare(rng, device, (2, 257, 64), (2, 300, 64), (2, 300, 64), mask=mask)
    compare(rng, device, (2, 257, 64), (2, 300, 64), (2, 300, 64),
            mask=arr(rng, (1, 257, 300), -4, 4))


def test_scale(rng, device):
    compare(rng, device, (2, 7, 5), (2, 9, 5), (2, 9, 3), scale=0.37)
    compare(rng, device, (2, 7, 5), (2, 9, 5), (2, 9, 3), scale=2.0)


def test_multi_head_layout(rng, device):
    """(B, L, H, D) tensors viewed as (B, H, L, D), as multi-head attention makes them (check_op
    adds NaN-poisoned strided views and a non-contiguous output gradient)."""
    def op(q, k, v, sdpa=SDPA):
        return sdpa(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2))

    def ref(q, k, v):
        return ref_attention(*(np.swapaxes(x, 1, 2) for x in (q, k, v)))

    B, H, L, S, D = 2, 3, 17, 29, 8
    check_op(op, [(B, L, H, D), (B, S, H, D), (B, S, H, D)], ref,
             lambda q, k, v: op(q, k, v, torch.nn.functional.scaled_dot_product_attention),
             rng=rng, device=device, tol=TOL)


def test_fully_masked_rows(rng, device):
    """Policy: a query with no key taking part gives a 0 output row and 0 gradients (as torch's
    CPU kernels)."""
    L, S = 9, 11
    mask = rng.random((2, L, S)) < 0.6
    mask[:, 2, :] = False
    mask[1, 5, :] = False
    mask[0, 7, :] = True
    compare(rng, device, (2, L, 4), (2, S, 4), (2, S, 3), mask=mask)
    fm = np.where(mask, 0.5, -np.inf)  # a float mask with -inf rows
    compare(rng, device, (2, L, 4), (2, S, 4), (2, S, 3), mask=fm)
    # every row masked, and an empty key sequence
    compare(rng, device, (1, 3, 4), (1, 5, 4), (1, 5, 2), mask=np.zeros((3, 5), bool))
    compare(rng, device, (2, 3, 4), (2, 0, 4), (2, 0, 2))
    # exactly 0, values and gradients
    for dtype in (lamina.float32, lamina.float64):
        ts = [lam(arr(rng, s), dtype, device, requires_grad=True)
              for s in ((2, L, 4), (2, S, 4), (2, S, 3))]
        out = SDPA(*ts, attn_mask=lam(mask, lamina.bool, device))
        out.backward(lam(arr(rng, out.shape), dtype, device))
        o = to_np(out)
        assert np.all(o[:, 2] == 0) and np.all(o[1, 5] == 0) and np.all(np.isfinite(o))
        assert np.all(to_np(ts[0].grad)[:, 2] == 0)


def test_gqa(rng, device):
    compare(rng, device, (2, 6, 9, 5), (2, 2, 11, 5), (2, 2, 11, 3), enable_gqa=True)
    compare(rng, device, (2, 4, 33, 16), (2, 1, 40, 16), (2, 1, 40, 8), enable_gqa=True,
            is_causal=True)
    mask = rng.random((6, 9, 11)) < 0.7
    mask[..., 0] = True
    compare(rng, device, (2, 6, 9, 5), (2, 3, 11, 5), (2, 3, 11, 3), enable_gqa=True, mask=mask)


def test_small_every_element(rng, device):
    """Small enough for finite differences of every element."""
    q, k, v = (2, 5, 3), (2, 7, 3), (2, 7, 4)
    every = 10 ** 6
    compare(rng, device, q, k, v, fd_numel=every)
    compare(rng, device, q, k, v, is_causal=True, fd_numel=every)
    compare(rng, device, q, k, v, mask=rng.random((5, 7)) < 0.6, fd_numel=every)
    compare(rng, device, q, k, v, mask=arr(rng, (2, 1, 7)), scale=0.7, fd_numel=every)
    compare(rng, device, (2, 1, 4, 3), (3, 5, 3), (1, 5, 2), fd_numel=every)
    compare(rng, device, (1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 3), enable_gqa=True, fd_numel=every)


@pytest.mark.parametrize("case", ["plain", "causal", "bool", "float", "gqa", "causal_LneS",
                                  "masked_rows"])
def test_multi_head_sizes(rng, device, case):
    """(B, H, L, D) = (2, 4, 65, 32) cases, as a transformer layer calls it."""
    B, H, L, S, D = 2, 4, 65, 65, 32
    kw = {}
    Hk = 2 if case == "gqa" else H
    if case == "causal_LneS":
        L, S = 40, 70
    mask = None
    if case in ("causal", "causal_LneS"):
        kw["is_causal"] = True
    elif case == "bool":
        mask = rng.random((B, 1, L, S)) < 0.7
        mask[..., 0] = True
    elif case == "float":
        mask = arr(rng, (L, S))
    elif case == "masked_rows":
        mask = rng.random((B, H, L, S)) < 0.5
        mask[:, :, 3] = False
        mask[1, 2, 10:20] = False
    elif case == "gqa":
        kw["enable_gqa"] = True
    compare(rng, device, (B, H, L, D), (B, Hk, S, D), (B, Hk, S, D), mask=mask, **kw)


# --- dropout -------------------------------------------------------------------------------


def seeded_call(seed, *args, **kw):
    """The kernel seed a call right after manual_seed(seed) uses, and that call's result."""
    lamina.manual_seed(seed)
    kseed = int(_C.randint([1], 0, 1 << 62, _C.DType.int64, _C.Device("cpu")).item())
    lamina.manual_seed(seed)
    return kseed, SDPA(*args, **kw)


@pytest.mark.parametrize("dtype", [lamina.float32, lamina.float64])
@pytest.mark.parametrize("causal", [False, True])
def test_dropout_matches_explicit(rng, device, dtype, causal):
    """In-kernel Philox dropout: forward and gradients equal an explicit computation with the
    same keep mask (read back with _C.attention_dropout_mask)."""
    p = 0.3
    q, k, v = inputs(rng, dtype, (2, 3, 37, 8), (2, 3, 45, 8), (2, 3, 45, 5))
    ts = [lam(x, dtype, device, requires_grad=True) for x in (q, k, v)]
    kseed, out = seeded_call(7, *ts, dropout_p=p, is_causal=causal)
    keep = to_np(_C.attention_dropout_mask(*[lam(x, dtype) for x in (q, k, v)], p, kseed, False))
    assert keep.shape == (2, 3, 37, 45)
    assert abs(keep.mean() - (1 - p)) < 0.03
    dout = rounded(arr(rng, out.shape), dtype)
    ref_out, ref_grads = ref_attention(q, k, v, causal=causal, keep=keep, p=p, dout=dout)
    out.backward(lam(dout, dtype, device))
    check(out, ref_out, dtype, msg="out", **tol(dtype))
    for name, t, r in zip("qkv", ts, ref_grads):
        check(t.grad, r, dtype, msg=f"d{name}", **tol(dtype))
    # another seed, another mask; the same seed, the same output
    _, other = seeded_call(8, *ts, dropout_p=p, is_causal=causal)
    _, again = seeded_call(7, *ts, dropout_p=p, is_causal=causal)
    assert not np.allclose(to_np(other), to_np(out))
    np.testing.assert_array_equal(to_np(again), to_np(out))


def test_dropout_gradcheck_and_edges(rng, device):
    q, k, v = arr(rng, (2, 5, 3)), arr(rng, (2, 6, 3)), arr(rng, (2, 6, 4))

    def fn(a, b, c):
        lamina.manual_seed(11)  # the same keep mask on every evaluation
        return SDPA(a, b, c, dropout_p=0.4)

    gradcheck(fn, q, k, v, device=device)
    ts = [lam(x, lamina.float64, device) for x in (q, k, v)]
    assert np.all(to_np(SDPA(*ts, dropout_p=1.0)) == 0)
    np.testing.assert_allclose(to_np(SDPA(*ts, dropout_p=0.0)), ref_attention(q, k, v),
                               rtol=1e-12, atol=1e-12)


# --- errors --------------------------------------------------------------------------------


def test_errors(rng):
    q, k, v = lam(arr(rng, (2, 5, 4))), lam(arr(rng, (2, 6, 4))), lam(arr(rng, (2, 6, 3)))
    msg = r"^\[scaled_dot_product_attention\] "
    with pytest.raises(ValueError, match=msg + "query's last dim"):
        SDPA(q, lam(arr(rng, (2, 6, 5))), v)
    with pytest.raises(ValueError, match=msg + "key and value must have the same sequence"):
        SDPA(q, k, lam(arr(rng, (2, 7, 3))))
    with pytest.raises(ValueError, match=msg + "shape"):
        SDPA(q, k, v, attn_mask=lam(np.ones((5, 4), bool), lamina.bool))
    with pytest.raises(TypeError, match=msg + "attn_mask must be bool"):
        SDPA(q, k, v, attn_mask=lam(np.ones((5, 6), np.int64), lamina.int64))
    with pytest.raises(TypeError, match=msg + "attn_mask must be bool"):
        SDPA(q, k, v, attn_mask=lam(np.ones((5, 6)), lamina.float64))
    with pytest.raises(ValueError, match=msg + "attn_mask and is_causal"):
        SDPA(q, k, v, attn_mask=lam(np.ones((5, 6), bool), lamina.bool), is_causal=True)
    with pytest.raises(ValueError, match=msg + "shapes"):
        SDPA(q, lam(arr(rng, (3, 6, 4))), lam(arr(rng, (3, 6, 3))))
    with pytest.raises(ValueError, match=msg + "dropout_p"):
        SDPA(q, k, v, dropout_p=1.5)
    with pytest.raises(TypeError, match=msg + "expected query, key and value of one dtype"):
        SDPA(q, lam(arr(rng, (2, 6, 4)), lamina.float64), v)
    with pytest.raises(TypeError, match=msg + "expected float32 or float64"):
        SDPA(lam(np.ones((2, 5, 4), np.int64), lamina.int64), k, v)
    with pytest.raises(ValueError, match=msg + "expected query .* at least 2 dims"):
        SDPA(lam(arr(rng, (4,))), k, v)
    with pytest.raises(ValueError, match=msg + "enable_gqa"):
        SDPA(lam(arr(rng, (1, 3, 5, 4))), lam(arr(rng, (1, 2, 6, 4))),
             lam(arr(rng, (1, 2, 6, 3))), enable_gqa=True)
    with pytest.raises(TypeError, match=msg + "expected query"):
        SDPA(np.ones((2, 5, 4)), k, v)
    fm = lam(arr(rng, (5, 6)), requires_grad=True)
    with pytest.raises(ValueError, match=msg + "attn_mask and is_causal"):
        SDPA(q, k, v, attn_mask=fm, is_causal=True)
