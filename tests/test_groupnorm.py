"""group_norm and instance_norm (the fused layer-norm kernel on a grouped view) through
check_op against NumPy float64 references over awkward sizes, non-contiguous inputs, float64
gradchecks, torch when installed, every device; instance norm's running statistics; the
modules against torch's; bad calls that must raise errors naming the op."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.testing import check_op
from reference import torch

TOL = {lamina.float32: (1e-4, 1e-5)}


def np_group_norm(x, G, w, b, eps=1e-5):
    N, C = x.shape[:2]
    g = x.reshape(N, G, -1)
    y = ((g - g.mean(-1, keepdims=True)) / np.sqrt(g.var(-1, keepdims=True) + eps)).reshape(x.shape)
    shape = (1, C) + (1,) * (x.ndim - 2)
    return y * (w.reshape(shape) if w is not None else 1) + (b.reshape(shape) if b is not None else 0)


@pytest.mark.parametrize("shape,G", [((1, 1, 2), 1), ((2, 6, 7), 3), ((3, 4, 5, 7), 2),
                                     ((2, 33, 2, 2), 11), ((1, 8, 127), 8), ((7, 5), 1)])
def test_group_norm(shape, G, device, rng):
    C = shape[1]
    check_op(lambda x, w, b: F.group_norm(x, G, w, b), [shape, (C,), (C,)],
             lambda x, w, b: np_group_norm(x, G, w, b),
             lambda x, w, b: torch.nn.functional.group_norm(x, G, w, b),
             rng=rng, device=device, tol=TOL, fd_numel=30)


@pytest.mark.parametrize("shape", [(2, 3, 7), (3, 4, 5, 6), (1, 2, 33)])
def test_instance_norm(shape, device, rng):
    C = shape[1]
    check_op(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), [shape, (C,), (C,)],
             lambda x, w, b: np_group_norm(x, C, w, b),
             lambda x, w, b: torch.nn.functional.instance_norm(x, weight=w, bias=b),
             rng=rng, device=device, tol=TOL, fd_numel=30)
    x = rng.standard_normal(shape)
    rm = lamina.tensor(rng.standard_normal(C), device=device)
    rv = lamina.tensor(rng.uniform(0.5, 2, C), device=device)
    m0, v0 = rm.cpu().numpy().copy(), rv.cpu().numpy().copy()
    F.instance_norm(lamina.tensor(x, device=device), rm, rv, momentum=0.3)
    flat = x.reshape(shape[0], C, -1)
    np.testing.assert_allclose(rm.cpu().numpy(), 0.7 * m0 + 0.3 * flat.mean(-1).mean(0),
                               rtol=1e-12)
    np.testing.assert_allclose(rv.cpu().numpy(), 0.7 * v0 + 0.3 * flat.var(-1, ddof=1).mean(0),
                               rtol=1e-12)
    y = F.instance_norm(lamina.tensor(x, device=device), rm, rv, use_input_stats=False)
    sh = (1, C) + (1,) * (len(shape) - 2)
    np.testing.assert_allclose(y.cpu().numpy(), (x - rm.cpu().numpy().reshape(sh)) /
                               np.sqrt(rv.cpu().numpy().reshape(sh) + 1e-5), rtol=1e-12)


@pytest.mark.skipif(torch is None, reason="compares with torch's modules")
def test_modules_match_torch(rng):
    for ours, theirs, shape in [
            (nn.GroupNorm(3, 6), torch.nn.GroupNorm(3, 6), (2, 6, 5, 5)),
            (nn.InstanceNorm2d(4, affine=True, track_running_stats=True),
             torch.nn.InstanceNorm2d(4, affine=True, track_running_stats=True), (2, 4, 5, 6)),
            (nn.InstanceNorm1d(4), torch.nn.InstanceNorm1d(4), (4, 9))]:
        assert sorted(ours.state_dict()) == sorted(k for k in theirs.state_dict()
                                                   if k != "num_batches_tracked")
        x = rng.standard_normal(shape).astype(np.float32)
        for train in (True, False):
            ours.train(train)
            theirs.train(train)
            np.testing.assert_allclose(ours(lamina.tensor(x)).detach().numpy(),
                                       theirs(torch.tensor(x)).detach().numpy(), rtol=1e-4,
                                       atol=1e-5)


def test_errors():
    x = lamina.randn(2, 6, 4)
    with pytest.raises(ValueError, match=r"^\[group_norm\] 6 channels are not divisible"):
        F.group_norm(x, 4)
    with pytest.raises(ValueError, match=r"^\[group_norm\] weight must be a \(6,\)"):
        F.group_norm(x, 2, lamina.ones(5))
    with pytest.raises(ValueError, match=r"^\[instance_norm\] expected an input"):
        F.instance_norm(lamina.randn(2, 6))
    with pytest.raises(ValueError, match=r"^\[group_norm\] expected more than 1 value"):
        F.group_norm(lamina.randn(1, 4), 4)
    with pytest.raises(ValueError, match=r"^\[GroupNorm\] num_channels 5"):
        nn.GroupNorm(2, 5)
