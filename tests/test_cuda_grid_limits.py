"""CUDA launch geometry past the grid limits (y and z at most 65535 blocks): conv2d with more
than 65,535 groups (grid z walks (group, chunk) units; it used to exceed grid z in forward and
backward-data, and backward-weight divided by 65535 / groups == 0 on the host, a SIGFPE) and the
bias gradient over more channels than the 65,536-block cap (a grid-stride loop over channels).

A depthwise conv is the cheapest way past 65,535 groups; the simulator runs every one of those
blocks with 256 threads, so the image is tiny (the cost is in the block count, not the size)."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from reference import arr, lam, to_np

F32, F64 = lamina.float32, lamina.float64
_BACKEND = lamina.build_info().get("cuda_backend")
pytestmark = pytest.mark.skipif(
    not lamina.cuda.is_available(),
    reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}")

GROUPS = 65536 + 7  # past grid z (65535) and past the 65,536-block cap of the bias gradient


def _conv_both(x, w, b, dy, dtype, **kw):
    """conv2d forward and backward on cpu and cuda: {device: (y, dx, dw, db)}."""
    out = {}
    for device in ("cpu", "cuda"):
        tx, tw, tb = (lam(a, dtype, device, requires_grad=True) for a in (x, w, b))
        y = F.conv2d(tx, tw, tb, **kw)
        y.backward(lam(dy, dtype, device))
        out[device] = tuple(to_np(t) for t in (y, tx.grad, tw.grad, tb.grad))
    return out


def test_cuda_depthwise_conv_more_groups_than_grid_z(rng):
    """Depthwise 3x3, stride 1, padding 1 over N = 2 images of 2 x 3 with 65,543 channels:
    every tap of the kernel meets the padding, each group's GEMMs are one partial tile."""
    n, c, h, w_ = 2, GROUPS, 2, 3
    x, w, b = arr(rng, (n, c, h, w_)), arr(rng, (c, 1, 3, 3)), arr(rng, (c,))
    dy = arr(rng, (n, c, h, w_))
    out = _conv_both(x, w, b, dy, F32, padding=1, groups=c)
    for name, got, want in zip(("y", "dx", "dw", "db"), out["cuda"], out["cpu"]):
        assert got.shape == want.shape, name
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5, err_msg=name)
    # and against the closed form of the corner tap (no CPU twin involved): y[.., 0, 0] sees
    # x[.., 0:2, 0:2] through w[.., 1:3, 1:3]
    y00 = (x[:, :, 0:2, 0:2] * w[None, :, 0, 1:3, 1:3]).sum((2, 3)) + b
    np.testing.assert_allclose(out["cuda"][0][:, :, 0, 0], y00, rtol=1e-5, atol=1e-5)


@pytest.mark.skipif(_BACKEND != "cuda", reason="a real GPU only: 2 GB tensors (the simulator "
                    "would run 65,543 blocks over a 4,160-long reduction each)")
def test_cuda_depthwise_conv_many_groups_long_reduction():
    """The SIGFPE case: groups > 65535 and a weight-gradient reduction longer than one split
    chunk (N * OH * OW = 4160 > 4096). A 1x1 depthwise conv has a closed form:
    y = x w_c + b_c, dx = dy w_c, dw_c = sum(dy x), db_c = sum(dy)."""
    rng = np.random.default_rng(0)
    n, c, h, w_ = 1, GROUPS, 65, 64
    x, dy = rng.standard_normal((n, c, h, w_)), rng.standard_normal((n, c, h, w_))
    w, b = rng.standard_normal((c, 1, 1, 1)), rng.standard_normal(c)
    tx, tw, tb = (lam(a, F64, "cuda", requires_grad=True) for a in (x, w, b))
    y = F.conv2d(tx, tw, tb, groups=c)
    wc, bc = w.reshape(1, c, 1, 1), b.reshape(1, c, 1, 1)
    np.testing.assert_allclose(to_np(y), x * wc + bc, rtol=1e-12, atol=1e-12)
    y.backward(lam(dy, F64, "cuda"))
    np.testing.assert_allclose(to_np(tx.grad), dy * wc, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(to_np(tw.grad).reshape(c), (dy * x).sum((0, 2, 3)), rtol=1e-10,
                               atol=1e-9)
    np.testing.assert_allclose(to_np(tb.grad), dy.sum((0, 2, 3)), rtol=1e-10, atol=1e-9)
