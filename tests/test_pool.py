"""2-D pooling (max, avg, adaptive avg / max) through check_op: NumPy float64 references over
random configurations (odd sizes, paddings, dilations, ceil_mode, count_include_pad,
divisor_override, non-contiguous and unbatched inputs), float64 gradchecks, torch when
installed; the NaN and tie policy of max pooling, modules, and calls that must raise."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import check_op
from reference import FLOATS, arr, check, distinct, lam, rounded, to_np, torch

F32, F64 = lamina.float32, lamina.float64
EXACT = dict(tol={F32: (0.0, 0.0), F64: (0.0, 0.0)}, grad_tol={})  # forward exact


def _tf(name):
    """torch.nn.functional.<name>, looked up when called (torch is optional)."""
    return lambda *a, **kw: getattr(torch.nn.functional, name)(*a, **kw)


# --- float64 references ----------------------------------------------------------------------

def out_size(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def np_max_pool(x, k, s, p, d, ceil):
    """torch's max_pool2d on (N, C, H, W): values and flat plane indices (first maximum in
    row-major order; NaN wins, the last NaN's index). Vectorised over the output positions,
    one step per kernel tap in row-major order."""
    N, C, H, W = x.shape
    OH, OW = out_size(H, k[0], s[0], p[0], d[0], ceil), out_size(W, k[1], s[1], p[1], d[1], ceil)
    planes = x.reshape(N * C, H * W)
    best = np.full((N * C, OH, OW), -np.inf)
    idx = np.full((N * C, OH, OW), -1, np.int64)
    oh, ow = np.arange(OH)[:, None], np.arange(OW)[None, :]
    for r in range(k[0]):
        ih = oh * s[0] - p[0] + r * d[0]
        for c in range(k[1]):
            iw = ow * s[1] - p[1] + c * d[1]
            valid = (ih >= 0) & (ih < H) & (iw >= 0) & (iw < W)
            pos = np.where(valid, ih * W + iw, 0)
            v = planes[:, pos]
            idx = np.where(valid & (idx < 0), pos, idx)  # the window's first element
            upd = valid & ((v > best) | np.isnan(v))
            best = np.where(upd, v, best)
            idx = np.where(upd, pos, idx)
    return best.reshape(N, C, OH, OW), idx.reshape(N, C, OH, OW)


def np_avg_pool(x, k, s, p, ceil, cip, div):
    """Window sums from an integral image; divisors as torch's."""
    N, C, H, W = x.shape
    OH, OW = out_size(H, k[0], s[0], p[0], 1, ceil), out_size(W, k[1], s[1], p[1], 1, ceil)
    h0, w0 = np.arange(OH) * s[0] - p[0], np.arange(OW) * s[1] - p[1]
    h1, w1 = np.minimum(h0 + k[0], H + p[0]), np.minimum(w0 + k[1], W + p[1])
    hs, ws, he, we = np.maximum(h0, 0), np.maximum(w0, 0), np.minimum(h1, H), np.minimum(w1, W)
    S = np.zeros((N, C, H + 1, W + 1))
    S[:, :, 1:, 1:] = x.cumsum(2).cumsum(3)
    total = (S[:, :, he][:, :, :, we] - S[:, :, hs][:, :, :, we] - S[:, :, he][:, :, :, ws]
             + S[:, :, hs][:, :, :, ws])
    if div:
        n = float(div)
    elif cip:
        n = np.outer(h1 - h0, w1 - w0)
    else:
        n = np.outer(he - hs, we - ws)
    return total / n


def np_adaptive(x, oh_, ow_, fn):
    N, C, H, W = x.shape
    y = np.empty((N, C, oh_, ow_))
    for oh in range(oh_):
        for ow in range(ow_):
            hs, he = oh * H // oh_, -(-(oh + 1) * H // oh_)
            ws, we = ow * W // ow_, -(-(ow + 1) * W // ow_)
            y[:, :, oh, ow] = fn(x[:, :, hs:he, ws:we], axis=(2, 3))
    return y


def np_adaptive_pools(x, size):
    """(avg, max, max's flat plane indices) of (N, C, H, W) or (C, H, W)."""
    x4 = x if x.ndim == 4 else x[None]
    H, W = x4.shape[2:]
    sz = (size, size) if isinstance(size, int) else size
    oh, ow = sz[0] or H, sz[1] or W
    plane_idx = np.broadcast_to(np.arange(H * W).reshape(1, 1, H, W), x4.shape)

    def argmax(win, axis):
        flat = win.reshape(win.shape[:2] + (-1,))
        return flat.argmax(-1)

    avg, mx = np_adaptive(x4, oh, ow, np.mean), np_adaptive(x4, oh, ow, np.max)
    first = np.empty(avg.shape, np.int64)
    for i in range(oh):
        for j in range(ow):
            hs, he = i * H // oh, -(-(i + 1) * H // oh)
            ws, we = j * W // ow, -(-(j + 1) * W // ow)
            win = x4[:, :, hs:he, ws:we]
            at = argmax(win, None)
            first[:, :, i, j] = np.take_along_axis(
                plane_idx[:, :, hs:he, ws:we].reshape(win.shape[:2] + (-1,)), at[..., None],
                -1)[..., 0]
    out = (avg, mx, first)
    return out if x.ndim == 4 else tuple(o[0] for o in out)


# (N, C, H, W, kernel, stride, padding, dilation, ceil_mode)
MAX_CONFIGS = [
    (2, 3, 8, 8, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (1, 2, 7, 9, (3, 3), (2, 2), (1, 1), (1, 1), False),
    (2, 2, 7, 7, (3, 3), (2, 2), (1, 1), (1, 1), True),
    (1, 3, 33, 17, (2, 3), (2, 1), (1, 1), (1, 1), True),
    (1, 1, 1, 1, (1, 1), (1, 1), (0, 0), (1, 1), False),
    (2, 1, 11, 13, (3, 2), (3, 2), (1, 0), (2, 1), False),
    (1, 2, 10, 12, (3, 3), (1, 1), (1, 1), (2, 2), True),
    (1, 2, 9, 70, (2, 2), (2, 2), (0, 1), (1, 1), True),
    (1, 1, 5, 131, (3, 3), (1, 1), (1, 1), (1, 1), False),
    (1, 1, 6, 8, (4, 4), (3, 3), (2, 2), (1, 1), True),
    (0, 2, 6, 6, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (4, 5, 32, 32, (2, 2), (2, 2), (0, 0), (1, 1), False),
    (2, 3, 19, 23, (3, 3), (2, 2), (1, 1), (1, 1), False),
    (2, 3, 19, 23, (3, 3), (2, 2), (1, 1), (1, 1), True),
    (1, 4, 15, 22, (3, 2), (1, 2), (1, 1), (2, 1), True),
]

# (N, C, H, W, kernel, stride, padding, ceil_mode, count_include_pad, divisor_override)
AVG_CONFIGS = [
    (2, 3, 8, 8, (2, 2), (2, 2), (0, 0), False, True, None),
    (1, 2, 7, 9, (3, 3), (2, 2), (1, 1), False, True, None),
    (1, 2, 7, 9, (3, 3), (2, 2), (1, 1), True, False, None),
    (2, 2, 7, 7, (3, 3), (2, 2), (1, 1), True, True, None),
    (1, 3, 33, 17, (2, 3), (2, 1), (1, 1), True, False, None),
    (1, 1, 1, 1, (1, 1), (1, 1), (0, 0), False, True, None),
    (2, 1, 11, 13, (3, 2), (3, 2), (1, 0), False, True, 5),
    (1, 1, 5, 131, (3, 3), (1, 1), (1, 1), False, False, None),
    (1, 1, 6, 8, (4, 4), (3, 3), (2, 2), True, True, 3),
    (4, 5, 32, 32, (2, 2), (2, 2), (0, 0), False, True, None),
    (2, 3, 9, 12, (3, 4), (3, 4), (0, 0), False, True, 5),  # windows tiling the plane
    (1, 2, 6, 14, (2, 1), (2, 1), (0, 0), False, True, None),
    (2, 3, 19, 23, (3, 3), (2, 2), (1, 1), False, False, None),
    (2, 3, 19, 23, (3, 3), (2, 2), (1, 1), True, True, 7),
    (1, 4, 15, 22, (3, 2), (1, 2), (1, 1), True, False, None),
    (1, 4, 15, 22, (3, 2), (1, 2), (1, 1), True, True, 7),
]


# --- max pooling -----------------------------------------------------------------------------

def _max_pool(k, s, p, d, ceil):
    """(values and indices, values alone): the two paths of max_pool2d, for lamina and torch."""
    def run(x, F=F):
        return (F.max_pool2d(x, k, s, p, d, ceil_mode=ceil, return_indices=True),
                F.max_pool2d(x, k, s, p, d, ceil_mode=ceil))
    return run, lambda x: run(x, torch.nn.functional)


def _np_max_pool_both(k, s, p, d, ceil):
    def ref(x):
        y, idx = np_max_pool(x, k, s, p, d, ceil) if x.ndim == 4 else \
            (o[0] for o in np_max_pool(x[None], k, s, p, d, ceil))
        return (y, idx), y
    return ref


@pytest.mark.parametrize("cfg", MAX_CONFIGS)
def test_max_pool2d(rng, device, cfg):
    N, C, H, W, k, s, p, d, ceil = cfg
    op, top = _max_pool(k, s, p, d, ceil)
    check_op(op, [distinct(rng, (N, C, H, W))], _np_max_pool_both(k, s, p, d, ceil), top,
             rng=rng, device=device, **EXACT)
    if N:  # smaller, every element finite-differenced
        small = (1, 2, min(H, 6), min(W, 7))
        if min(out_size(small[2], k[0], s[0], p[0], d[0], ceil),
               out_size(small[3], k[1], s[1], p[1], d[1], ceil)) >= 1:
            check_op(op, [distinct(rng, small)], _np_max_pool_both(k, s, p, d, ceil), top,
                     rng=rng, device=device, **EXACT, fd_numel=10 ** 6)


@pytest.mark.parametrize("H,W", [(33, 257), (16, 130), (7, 65)])
def test_max_pool2d_common_windows_large(rng, device, H, W):
    """The 2x2 s2 and 3x3 s2 p1 fast paths on wide rows (several lane blocks) and odd sizes."""
    for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)),
                    ((3, 3), (1, 1), (1, 1))):
        for ceil in (False, True):
            op, top = _max_pool(k, s, p, (1, 1), ceil)
            check_op(op, [distinct(rng, (2, 3, H, W))], _np_max_pool_both(k, s, p, (1, 1), ceil),
                     top, rng=rng, device=device, **EXACT)


def test_max_pool2d_ties_against_torch(rng):
    """Tied windows (zeros): the first index wins, and the gradient goes there, as torch's
    (float32: no finite differences across ties)."""
    pytest.importorskip("torch")
    for shape, (k, s, p, d, ceil) in [((4, 5, 32, 32), ((2, 2), (2, 2), (0, 0), (1, 1), False)),
                                      ((2, 3, 19, 23), ((3, 3), (2, 2), (1, 1), (1, 1), True)),
                                      ((2, 3, 12, 70), ((3, 3), (2, 2), (1, 1), (1, 1), False))]:
        x = np.maximum(arr(rng, shape), 0.0)  # relu'd: many all-zero windows
        x[..., 0, :3] = 0.0
        op, top = _max_pool(k, s, p, d, ceil)
        check_op(op, [x], _np_max_pool_both(k, s, p, d, ceil), top, rng=rng, dtypes=(F32,),
                 tol=EXACT["tol"], grad_tol={F32: (1e-6, 1e-6)})


def test_max_pool2d_ties_keep_first(rng, device):
    x = np.maximum(arr(rng, (2, 3, 12, 70)), 0.0)  # relu'd: many all-zero windows
    x[0, 0, :4, :4] = 0.5
    x[0, 1, 1, :] = -0.0
    for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1))):
        want, widx = np_max_pool(x, k, s, p, (1, 1), False)
        y, idx = F.max_pool2d(lam(x, F32, device), k, s, p, return_indices=True)
        check(y, want, F32)
        check(idx, widx, lamina.int64)


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("W", [70, 13])  # 13: narrow rows, several planes a vector
def test_max_pool2d_nan_propagates(rng, device, dtype, W):
    """Policy: a window holding NaN gives NaN, and its index points at a NaN (torch's)."""
    x = arr(rng, (1, 2, 9, W))
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 5, W * 4 // 7] = np.nan
    x[0, 1, 5, W * 4 // 7 + 1] = np.nan
    x[0, 1, 0, 0] = np.inf
    x = rounded(x, dtype)
    for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 3), (1, 1), (1, 1))):
        want, widx = np_max_pool(x, k, s, p, (1, 1), False)
        y, idx = F.max_pool2d(lam(x, dtype, device), k, s, p, return_indices=True)
        got, gi = to_np(y), to_np(idx)
        assert np.isnan(got).sum() == np.isnan(want).sum() > 0
        check(y, want, dtype, rtol=0, atol=0)
        check(idx, widx, lamina.int64)
        check(F.max_pool2d(lam(x, dtype, device), k, s, p), want, dtype, rtol=0, atol=0)
        planes = x.reshape(2, -1)
        assert np.isnan(planes[np.arange(2)[:, None], gi[0].reshape(2, -1)][np.isnan(got[0])
                                                                             .reshape(2, -1)]).all()


def test_max_pool2d_window_outside_the_plane(rng, device):
    """Padding plus dilation can leave a window with no input element: -inf, and an index
    past the plane (torch's value and index); the backward skips it instead of writing
    out of bounds."""
    x = lam(arr(rng, (2, 3, 2, 2)), F64, device, requires_grad=True)
    y, idx = F.max_pool2d(x, 2, stride=1, padding=1, dilation=3, return_indices=True)
    assert y.shape == (2, 3, 1, 1) and np.isneginf(to_np(y)).all()
    assert (to_np(idx) == 6).all()
    y.sum().backward()
    check(x.grad, np.zeros((2, 3, 2, 2)), F64)


def test_max_pool2d_unbatched_and_defaults(rng, device):
    for args, kw, ref_args in [((3,), {}, ((3, 3), (3, 3), (0, 0), (1, 1), False)),
                               (([2, 3],), dict(stride=[1, 2], padding=1),
                                ((2, 3), (1, 2), (1, 1), (1, 1), False)),
                               ((4,), dict(stride=3, padding=2, ceil_mode=True),
                                ((4, 4), (3, 3), (2, 2), (1, 1), True))]:
        def op(x, F=F):
            return F.max_pool2d(x, *args, return_indices=True, **kw), F.max_pool2d(x, *args, **kw)
        check_op(op, [distinct(rng, (3, 9, 10))], _np_max_pool_both(*ref_args),
                 lambda x: op(x, torch.nn.functional), rng=rng, device=device, **EXACT)
    check_op(lambda x: F.max_pool2d(x, 2), [distinct(rng, (2, 4, 5))],
             lambda x: np_max_pool(x[None], (2, 2), (2, 2), (0, 0), (1, 1), False)[0][0],
             lambda x: torch.nn.functional.max_pool2d(x, 2), rng=rng, device=device, **EXACT)


# --- average pooling -------------------------------------------------------------------------

@pytest.mark.parametrize("cfg", AVG_CONFIGS)
def test_avg_pool2d(rng, device, cfg):
    N, C, H, W, k, s, p, ceil, cip, div = cfg
    kw = dict(kernel_size=k, stride=s, padding=p, ceil_mode=ceil, count_include_pad=cip,
              divisor_override=div)

    def ref(x, kernel_size, stride, padding, ceil_mode, count_include_pad, divisor_override):
        return np_avg_pool(x, k, s, p, ceil, cip, div)

    for shape in ((N, C, H, W), (1, 2, min(H, 7), min(W, 8))):  # the small one: every element
        check_op(F.avg_pool2d, [shape], ref, _tf("avg_pool2d"), rng=rng, device=device,
                 kwargs=kw, tol={F32: (2e-6, 2e-6)}, fd_numel=200)


def test_avg_pool2d_wide_rows_and_unbatched(rng, device):
    for k, s, p, cip in (((2, 2), (2, 2), (0, 0), True), ((3, 3), (2, 2), (1, 1), True),
                         ((3, 3), (2, 2), (1, 1), False), ((3, 3), (1, 1), (1, 1), True)):
        check_op(lambda x: F.avg_pool2d(x, k, s, p, count_include_pad=cip), [(2, 3, 17, 257)],
                 lambda x: np_avg_pool(x, k, s, p, False, cip, None),
                 lambda x: torch.nn.functional.avg_pool2d(x, k, s, p, count_include_pad=cip),
                 rng=rng, device=device, tol={F32: (2e-6, 2e-6)})
    check_op(lambda x: F.avg_pool2d(x, 4, 3, 2, ceil_mode=True, divisor_override=7), [(3, 9, 10)],
             lambda x: np_avg_pool(x[None], (4, 4), (3, 3), (2, 2), True, True, 7)[0],
             lambda x: torch.nn.functional.avg_pool2d(x, 4, 3, 2, ceil_mode=True,
                                                      divisor_override=7),
             rng=rng, device=device, tol={F32: (2e-6, 2e-6)})


# --- adaptive pooling ------------------------------------------------------------------------

ADAPTIVE = [((1, 2, 7, 9), (1, 1)), ((2, 3, 8, 8), (4, 4)), ((1, 2, 7, 9), (3, 4)),
            ((1, 1, 5, 33), (5, 7)), ((2, 2, 6, 5), (None, 2)), ((1, 3, 4, 4), 6),
            ((1, 1, 1, 1), (1, 1)), ((3, 10, 11), (3, None)), ((2, 3, 19, 23), (3, 5)),
            ((2, 3, 19, 23), (None, 4)), ((2, 3, 19, 23), 7)]


def _adaptive(x, size, F=F):
    return (F.adaptive_avg_pool2d(x, size), *F.adaptive_max_pool2d(x, size, return_indices=True))


@pytest.mark.parametrize("shape,size", ADAPTIVE)
def test_adaptive_pools(rng, device, shape, size):
    check_op(_adaptive, [distinct(rng, shape)], np_adaptive_pools,
             lambda x, size: _adaptive(x, size, torch.nn.functional), rng=rng, device=device,
             kwargs=dict(size=size), fd_numel=130)  # a tuple among the inputs would be a shape


def test_global_average_large(rng, device):
    check_op(lambda x: F.adaptive_avg_pool2d(x, 1), [(2, 5, 33, 127)],
             lambda x: x.mean((2, 3), keepdims=True),
             lambda x: torch.nn.functional.adaptive_avg_pool2d(x, 1), rng=rng, device=device,
             tol={F32: (1e-6, 1e-6)})


# --- modules ---------------------------------------------------------------------------------

def test_pool_modules(rng, device):
    x = distinct(rng, (2, 3, 9, 10))
    t = lam(x, F64, device)
    m = nn.MaxPool2d(3, 2, 1, ceil_mode=True)
    assert repr(m) == "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=True)"
    check(m(t), np_max_pool(x, (3, 3), (2, 2), (1, 1), (1, 1), True)[0], F64)
    y, idx = nn.MaxPool2d(2, return_indices=True)(t)
    check(idx, np_max_pool(x, (2, 2), (2, 2), (0, 0), (1, 1), False)[1], lamina.int64)
    a = nn.AvgPool2d((2, 3), padding=1, count_include_pad=False)
    assert repr(a) == "AvgPool2d(kernel_size=(2, 3), stride=(2, 3), padding=1)"
    check(a(t), np_avg_pool(x, (2, 3), (2, 3), (1, 1), False, False, None), F64)
    g = nn.AdaptiveAvgPool2d((1, 1))
    assert repr(g) == "AdaptiveAvgPool2d(output_size=(1, 1))"
    check(g(t), x.mean((2, 3), keepdims=True), F64)
    am = nn.AdaptiveMaxPool2d((2, None))
    assert repr(am) == "AdaptiveMaxPool2d(output_size=(2, None))"
    check(am(t), np_adaptive(x, 2, 10, np.max), F64)
    for mod in (m, a, g, am):
        assert list(mod.state_dict()) == [] and list(mod.parameters()) == []


# --- torch -----------------------------------------------------------------------------------

def test_module_reprs_match_torch():
    pytest.importorskip("torch")
    for m, mt in ((nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
                  (nn.MaxPool2d((2, 3), dilation=2, ceil_mode=True),
                   torch.nn.MaxPool2d((2, 3), dilation=2, ceil_mode=True)),
                  (nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(3, 1, 1)),
                  (nn.AdaptiveAvgPool2d((None, 3)), torch.nn.AdaptiveAvgPool2d((None, 3))),
                  (nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2))):
        assert repr(m) == repr(mt)


def test_nan_policy_matches_torch(rng):
    pytest.importorskip("torch")
    x = arr(rng, (1, 2, 8, 9)).astype(np.float32)
    x[0, 0, 1, 1] = np.nan
    x[0, 1, 4, 4] = np.nan
    x[0, 1, 4, 5] = np.nan
    for kw in (dict(kernel_size=2), dict(kernel_size=3, stride=2, padding=1),
               dict(kernel_size=3, stride=1, padding=1)):
        y_t, i_t = torch.nn.functional.max_pool2d(torch.from_numpy(x), return_indices=True, **kw)
        y, idx = F.max_pool2d(lam(x, F32), return_indices=True, **kw)
        check(y, y_t.numpy(), F32, rtol=0, atol=0)
        check(idx, i_t.numpy(), lamina.int64)


# --- errors ----------------------------------------------------------------------------------

@pytest.mark.parametrize("call,err,msg", [
    (lambda x: F.max_pool2d(x[0, 0], 2), ValueError, r"\[max_pool2d\] expected a 3-D"),
    (lambda x: F.max_pool2d(x, 2, padding=2), ValueError, r"\[max_pool2d\] pad should be"),
    (lambda x: F.max_pool2d(x, 3, padding=2, dilation=2), ValueError, r"\[max_pool2d\] pad"),
    (lambda x: F.max_pool2d(x, 0), ValueError, r"\[max_pool2d\] kernel_size must be positive"),
    (lambda x: F.max_pool2d(x, 2, stride=0), ValueError, r"\[max_pool2d\] stride"),
    (lambda x: F.max_pool2d(x, 2, dilation=0), ValueError, r"\[max_pool2d\] dilation"),
    (lambda x: F.max_pool2d(x, 9), ValueError, r"\[max_pool2d\] .*too small"),
    (lambda x: F.max_pool2d(x, (1, 2, 3)), ValueError, r"\[max_pool2d\] kernel_size"),
    (lambda x: F.max_pool2d(x, 2.5), TypeError, r"\[max_pool2d\] kernel_size"),
    (lambda x: F.max_pool2d(x.long(), 2), TypeError, r"\[max_pool2d\] expected a float"),
    (lambda x: F.avg_pool2d(x, 2, padding=2), ValueError, r"\[avg_pool2d\] pad should be"),
    (lambda x: F.avg_pool2d(x, 2, divisor_override=0), ValueError, r"\[avg_pool2d\] divisor"),
    (lambda x: F.avg_pool2d(x, 9), ValueError, r"\[avg_pool2d\] .*too small"),
    (lambda x: F.avg_pool2d(x[0, 0], 2), ValueError, r"\[avg_pool2d\] expected a 3-D"),
    (lambda x: F.adaptive_avg_pool2d(x, 0), ValueError, r"\[adaptive_avg_pool2d\] output_size"),
    (lambda x: F.adaptive_avg_pool2d(x, (1, 2, 3)), ValueError, r"\[adaptive_avg_pool2d\]"),
    (lambda x: F.adaptive_max_pool2d(x[0, 0], 2), ValueError, r"\[adaptive_max_pool2d\]"),
    (lambda x: F.max_pool2d(x[:, :, :0], 2), ValueError, r"\[max_pool2d\] expected a 3-D"),
])
def test_errors(rng, call, err, msg):
    x = lam(arr(rng, (2, 3, 8, 8)), F32)
    with pytest.raises(err, match=msg):
        call(x)
