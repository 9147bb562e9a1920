"""2-D pooling (max, avg, adaptive avg / max) against NumPy float64 references over random
configurations (odd sizes, paddings, dilations, ceil_mode, count_include_pad,
divisor_override, non-contiguous and unbatched inputs), float64 gradchecks, the NaN and tie
policy of max pooling, torch (when installed), modules, and calls that must raise."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from reference import FLOATS, arr, check, gradcheck, lam, layouts, rounded, to_np

F32, F64 = lamina.float32, lamina.float64


# --- float64 references ----------------------------------------------------------------------

def out_size(n, k, s, p, d, ceil):
    o = (n + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= n + p:
        o -= 1
    return o


def np_max_pool(x, k, s, p, d, ceil):
    """torch's max_pool2d on (N, C, H, W): values and flat plane indices (first maximum in
    row-major order; NaN wins, the last NaN's index)."""
    N, C, H, W = x.shape
    OH, OW = out_size(H, k[0], s[0], p[0], d[0], ceil), out_size(W, k[1], s[1], p[1], d[1], ceil)
    y = np.empty((N, C, OH, OW))
    idx = np.empty((N, C, OH, OW), np.int64)
    planes = x.reshape(N * C, H * W)
    for oh in range(OH):
        for ow in range(OW):
            pos = [ih * W + iw
                   for ih in range(oh * s[0] - p[0], oh * s[0] - p[0] + (k[0] - 1) * d[0] + 1, d[0])
                   for iw in range(ow * s[1] - p[1], ow * s[1] - p[1] + (k[1] - 1) * d[1] + 1, d[1])
                   if 0 <= ih < H and 0 <= iw < W]
            v = planes[:, pos]
            best = np.full(N * C, -np.inf)
            bi = np.full(N * C, pos[0])
            for j, q in enumerate(pos):
                upd = (v[:, j] > best) | np.isnan(v[:, j])
                best = np.where(upd, v[:, j], best)
                bi = np.where(upd, q, bi)
            y[:, :, oh, ow] = best.reshape(N, C)
            idx[:, :, oh, ow] = bi.reshape(N, C)
    return y, idx


def np_avg_pool(x, k, s, p, ceil, cip, div):
    N, C, H, W = x.shape
    OH, OW = out_size(H, k[0], s[0], p[0], 1, ceil), out_size(W, k[1], s[1], p[1], 1, ceil)
    y = np.empty((N, C, OH, OW))
    for oh in range(OH):
        for ow in range(OW):
            h0, w0 = oh * s[0] - p[0], ow * s[1] - p[1]
            h1, w1 = min(h0 + k[0], H + p[0]), min(w0 + k[1], W + p[1])
            size = (h1 - h0) * (w1 - w0)
            hs, ws, he, we = max(h0, 0), max(w0, 0), min(h1, H), min(w1, W)
            n = div if div else (size if cip else (he - hs) * (we - ws))
            y[:, :, oh, ow] = x[:, :, hs:he, ws:we].sum((2, 3)) / n
    return y


def np_adaptive(x, oh_, ow_, fn):
    N, C, H, W = x.shape
    y = np.empty((N, C, oh_, ow_))
    for oh in range(oh_):
        for ow in range(ow_):
            hs, he = oh * H // oh_, -(-(oh + 1) * H // oh_)
            ws, we = ow * W // ow_, -(-(ow + 1) * W // ow_)
            y[:, :, oh, ow] = fn(x[:, :, hs:he, ws:we], axis=(2, 3))
    return y


def distinct(rng, shape):
    """Values without ties (a shuffled grid), so max pooling is differentiable."""
    n = int(np.prod(shape))
    return (rng.permutation(n).astype(np.float64) / n * 4 - 2).reshape(shape) + 0.0001


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
]


# --- max pooling -----------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("cfg", MAX_CONFIGS)
def test_max_pool2d_matches_reference(rng, device, dtype, cfg):
    N, C, H, W, k, s, p, d, ceil = cfg
    x = rounded(arr(rng, (N, C, H, W)), dtype)
    want, want_idx = np_max_pool(x, k, s, p, d, ceil)
    views = layouts(x, dtype, device) if N else [("empty batch", lam(x, dtype, device))]
    for name, t in views:
        y, idx = F.max_pool2d(t, k, s, p, d, ceil_mode=ceil, return_indices=True)
        check(y, want, dtype, rtol=0, atol=0, msg=name)
        check(idx, want_idx, lamina.int64, msg=name)
        y2 = F.max_pool2d(t, k, s, p, d, ceil_mode=ceil)  # the values-only path
        check(y2, want, dtype, rtol=0, atol=0, msg=name + " values only")


@pytest.mark.parametrize("cfg", MAX_CONFIGS[:6])
def test_max_pool2d_backward_and_gradcheck(rng, device, cfg):
    N, C, H, W, k, s, p, d, ceil = cfg
    if N == 0:
        return
    x = distinct(rng, (N, C, H, W))
    _, idx = np_max_pool(x, k, s, p, d, ceil)
    t = lam(x, F64, device, requires_grad=True)
    y = F.max_pool2d(t, k, s, p, d, ceil_mode=ceil)
    g = arr(rng, y.shape)
    y.backward(lam(g, F64, device))
    want = np.zeros(N * C * H * W)
    flat = (idx + (np.arange(N * C) * H * W).reshape(N, C, 1, 1)).ravel()
    np.add.at(want, flat, g.ravel())
    check(t.grad, want.reshape(x.shape), F64)
    small = distinct(rng, (1, 2, min(H, 6), min(W, 7)))
    if min(out_size(small.shape[2], k[0], s[0], p[0], d[0], ceil),
           out_size(small.shape[3], k[1], s[1], p[1], d[1], ceil)) >= 1:
        gradcheck(lambda a: F.max_pool2d(a, k, s, p, d, ceil_mode=ceil), small, device=device)


def test_max_pool2d_common_windows_large(rng, device):
    """The 2x2 s2 and 3x3 s2 p1 fast paths on wide rows (several lane blocks) and odd sizes."""
    for H, W in ((33, 257), (16, 130), (7, 65)):
        x = rounded(arr(rng, (2, 3, H, W)), F32)
        for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)),
                        ((3, 3), (1, 1), (1, 1))):
            for ceil in (False, True):
                want, widx = np_max_pool(x, k, s, p, (1, 1), ceil)
                y, idx = F.max_pool2d(lam(x, F32, device), k, s, p, ceil_mode=ceil,
                                      return_indices=True)
                check(y, want, F32, rtol=0, atol=0)
                check(idx, widx, lamina.int64)


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
def test_max_pool2d_nan_propagates(rng, device, dtype):
    """Policy: a window holding NaN gives NaN, and its index points at a NaN (torch's)."""
    x = arr(rng, (1, 2, 9, 70))
    x[0, 0, 2, 3] = np.nan
    x[0, 1, 5, 40] = np.nan
    x[0, 1, 5, 41] = np.nan
    x[0, 1, 0, 0] = np.inf
    x = rounded(x, dtype)
    for k, s, p in (((2, 2), (2, 2), (0, 0)), ((3, 3), (2, 2), (1, 1)), ((3, 3), (1, 1), (1, 1))):
        want, widx = np_max_pool(x, k, s, p, (1, 1), False)
        y, idx = F.max_pool2d(lam(x, dtype, device), k, s, p, return_indices=True)
        got, gi = to_np(y), to_np(idx)
        assert np.isnan(got).sum() == np.isnan(want).sum() > 0
        check(y, want, dtype, rtol=0, atol=0)
        check(idx, widx, lamina.int64)
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
    x = arr(rng, (3, 9, 10))
    want, widx = np_max_pool(x[None], (3, 3), (3, 3), (0, 0), (1, 1), False)
    y, idx = F.max_pool2d(lam(x, F64, device), 3, return_indices=True)
    check(y, want[0], F64)
    check(idx, widx[0], lamina.int64)
    y = F.max_pool2d(lam(x, F64, device), [2, 3], stride=[1, 2], padding=1)
    check(y, np_max_pool(x[None], (2, 3), (1, 2), (1, 1), (1, 1), False)[0][0], F64)
    gradcheck(lambda a: F.max_pool2d(a, 2), distinct(rng, (2, 4, 5)), device=device)


# --- average pooling -------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("cfg", AVG_CONFIGS)
def test_avg_pool2d_matches_reference(rng, device, dtype, cfg):
    N, C, H, W, k, s, p, ceil, cip, div = cfg
    x = rounded(arr(rng, (N, C, H, W)), dtype)
    want = np_avg_pool(x, k, s, p, ceil, cip, div)
    tol = dict(rtol=2e-6, atol=2e-6) if dtype == F32 else {}
    for name, t in layouts(x, dtype, device):
        y = F.avg_pool2d(t, k, s, p, ceil_mode=ceil, count_include_pad=cip, divisor_override=div)
        check(y, want, dtype, msg=name, **tol)


@pytest.mark.parametrize("cfg", AVG_CONFIGS)
def test_avg_pool2d_gradcheck(rng, device, cfg):
    N, C, H, W, k, s, p, ceil, cip, div = cfg
    x = arr(rng, (1, 2, min(H, 7), min(W, 8)))
    gradcheck(lambda a: F.avg_pool2d(a, k, s, p, ceil, cip, div), x, device=device)


def test_avg_pool2d_wide_rows(rng, device):
    x = rounded(arr(rng, (2, 3, 17, 257)), F32)
    for k, s, p, cip in (((2, 2), (2, 2), (0, 0), True), ((3, 3), (2, 2), (1, 1), True),
                         ((3, 3), (2, 2), (1, 1), False), ((3, 3), (1, 1), (1, 1), True)):
        want = np_avg_pool(x, k, s, p, False, cip, None)
        t = lam(x, F64, device, requires_grad=True)
        y = F.avg_pool2d(t, k, s, p, count_include_pad=cip)
        check(y, want, F64)
        # backward: the adjoint of the forward, <dy, A x> == <A^T dy, x>
        g = arr(rng, y.shape)
        y.backward(lam(g, F64, device))
        assert math.isclose(float((to_np(t.grad) * x).sum()), float((want * g).sum()),
                            rel_tol=1e-10)


# --- adaptive pooling ------------------------------------------------------------------------

ADAPTIVE = [((1, 2, 7, 9), (1, 1)), ((2, 3, 8, 8), (4, 4)), ((1, 2, 7, 9), (3, 4)),
            ((1, 1, 5, 33), (5, 7)), ((2, 2, 6, 5), (None, 2)), ((1, 3, 4, 4), 6),
            ((1, 1, 1, 1), (1, 1)), ((3, 10, 11), (3, None))]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("shape,size", ADAPTIVE)
def test_adaptive_pools_match_reference(rng, device, dtype, shape, size):
    x = rounded(arr(rng, shape), dtype)
    x4 = x if x.ndim == 4 else x[None]
    sz = (size, size) if isinstance(size, int) else size
    oh = sz[0] if sz[0] is not None else x.shape[-2]
    ow = sz[1] if sz[1] is not None else x.shape[-1]
    want_avg = np_adaptive(x4, oh, ow, np.mean)
    want_max = np_adaptive(x4, oh, ow, np.max)
    if x.ndim == 3:
        want_avg, want_max = want_avg[0], want_max[0]
    for name, t in layouts(x, dtype, device):
        check(F.adaptive_avg_pool2d(t, size), want_avg, dtype, msg=name)
        y, idx = F.adaptive_max_pool2d(t, size, return_indices=True)
        check(y, want_max, dtype, rtol=0, atol=0, msg=name)
        plane = x.reshape(-1, x.shape[-2] * x.shape[-1])
        gi = to_np(idx).reshape(plane.shape[0], -1)
        np.testing.assert_array_equal(plane[np.arange(plane.shape[0])[:, None], gi],
                                      want_max.reshape(plane.shape[0], -1))


@pytest.mark.parametrize("shape,size", ADAPTIVE[:6])
def test_adaptive_pools_gradcheck(rng, device, shape, size):
    x = distinct(rng, shape)
    gradcheck(lambda a: F.adaptive_avg_pool2d(a, size), x, device=device)
    gradcheck(lambda a: F.adaptive_max_pool2d(a, size), x, device=device)


def test_global_average_large(rng, device):
    x = rounded(arr(rng, (2, 5, 33, 127)), F32)
    y = F.adaptive_avg_pool2d(lam(x, F32, device), 1)
    check(y, x.mean((2, 3), keepdims=True), F32, rtol=1e-6, atol=1e-6)


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

def test_against_torch(rng):
    torch = pytest.importorskip("torch")
    cases = [((4, 5, 32, 32), dict(kernel_size=2, stride=2)),
             ((2, 3, 19, 23), dict(kernel_size=3, stride=2, padding=1)),
             ((2, 3, 19, 23), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
             ((1, 4, 15, 22), dict(kernel_size=(3, 2), stride=(1, 2), padding=(1, 1),
                                   dilation=(2, 1), ceil_mode=True)),
             ((3, 9, 10), dict(kernel_size=4, stride=3, padding=2, ceil_mode=True))]
    for shape, kw in cases:
        x = rounded(arr(rng, shape), F32).astype(np.float32)
        x[..., 0, :3] = 0.0  # a few ties
        g_t = torch.from_numpy(x).requires_grad_(True)
        y_t, i_t = torch.nn.functional.max_pool2d(g_t, return_indices=True, **kw)
        dy = rng.standard_normal(tuple(y_t.shape)).astype(np.float32)
        y_t.backward(torch.from_numpy(dy))
        t = lam(x, F32, requires_grad=True)
        y, idx = F.max_pool2d(t, return_indices=True, **kw)
        y.backward(lam(dy, F32))
        check(y, y_t.detach().numpy(), F32, rtol=0, atol=0)
        check(idx, i_t.numpy(), lamina.int64)
        check(t.grad, g_t.grad.numpy(), F32, rtol=1e-6, atol=1e-6)
        kw_avg = {k: v for k, v in kw.items() if k != "dilation"}
        for cip, div in ((True, None), (False, None), (True, 7)):
            g_t.grad = None
            y_t = torch.nn.functional.avg_pool2d(g_t, count_include_pad=cip,
                                                 divisor_override=div, **kw_avg)
            dya = rng.standard_normal(tuple(y_t.shape)).astype(np.float32)
            y_t.backward(torch.from_numpy(dya))
            t.grad = None
            y = F.avg_pool2d(t, count_include_pad=cip, divisor_override=div, **kw_avg)
            y.backward(lam(dya, F32))
            check(y, y_t.detach().numpy(), F32, rtol=1e-4, atol=1e-6)
            check(t.grad, g_t.grad.numpy(), F32, rtol=1e-4, atol=1e-6)
        for size in ((1, 1), (3, 5), (None, 4), 7):
            g_t.grad = None
            t.grad = None
            y_t = torch.nn.functional.adaptive_avg_pool2d(g_t, size)
            y_t.sum().backward()
            y = F.adaptive_avg_pool2d(t, size)
            y.sum().backward()
            check(y, y_t.detach().numpy(), F32, rtol=1e-4, atol=1e-6)
            check(t.grad, g_t.grad.numpy(), F32, rtol=1e-4, atol=1e-6)
            ym_t, im_t = torch.nn.functional.adaptive_max_pool2d(g_t, size, return_indices=True)
            ym, im = F.adaptive_max_pool2d(t, size, return_indices=True)
            check(ym, ym_t.detach().numpy(), F32, rtol=0, atol=0)
            check(im, im_t.numpy(), lamina.int64)
    for m, mt in ((nn.MaxPool2d(3, 2, 1), torch.nn.MaxPool2d(3, 2, 1)),
                  (nn.MaxPool2d((2, 3), dilation=2, ceil_mode=True),
                   torch.nn.MaxPool2d((2, 3), dilation=2, ceil_mode=True)),
                  (nn.AvgPool2d(3, 1, 1), torch.nn.AvgPool2d(3, 1, 1)),
                  (nn.AdaptiveAvgPool2d((None, 3)), torch.nn.AdaptiveAvgPool2d((None, 3))),
                  (nn.AdaptiveMaxPool2d(2), torch.nn.AdaptiveMaxPool2d(2))):
        assert repr(m) == repr(mt)


def test_nan_policy_matches_torch(rng):
    torch = pytest.importorskip("torch")
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
