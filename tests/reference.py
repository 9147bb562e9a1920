"""NumPy float64 references and the helpers the op tests share.

Inputs are drawn in float64, rounded to the dtype under test, and the reference is computed in
float64 on exactly the values lamina sees; lamina's result is then compared with a tolerance
that depends on its dtype (``TOL``)."""
from __future__ import annotations

import math
import os
import time

import numpy as np

import lamina
from lamina.testing import gradcheck as _gradcheck

try:  # the torch reference of check_op and of the module tests, when installed
    import torch
except ImportError:
    torch = None
else:
    torch.set_num_threads(1)  # small ops: a thread pool on 2 shared cores only costs time

SIZES = (1, 7, 33, 127, 257)
FLOATS = (lamina.float32, lamina.float64)
TOL = {lamina.float32: dict(rtol=1e-5, atol=1e-5), lamina.float64: dict(rtol=1e-10, atol=1e-10)}
NP_DTYPE = {lamina.float32: np.float32, lamina.float64: np.float64, lamina.int64: np.int64,
            lamina.bool: np.bool_}

# --- inputs ---------------------------------------------------------------------------------


def arr(rng, shape, low=-2.0, high=2.0):
    """Uniform draws in [low, high), float64, never (near) zero."""
    x = np.asarray(rng.uniform(low, high, size=shape), dtype=np.float64)
    near = np.abs(x) < 0.05
    x[near] = np.where(high > 0.2, x[near] + 0.1, x[near] - 0.1)
    return x


def distinct(rng, shape):
    """Values in [-2, 2) without ties, 4 / size apart (a shuffled grid): max, amax and max
    pooling are differentiable there, and finite differences do not cross a tie."""
    n = int(np.prod(shape))
    return np.asarray(rng.permutation(n) / n * 4 - 2 + 0.0001).reshape(shape)  # 0-d stays an array


def ints(rng, shape, low=-9, high=10):
    x = np.asarray(rng.integers(low, high, size=shape), dtype=np.int64)
    x[x == 0] = 1
    return x


def rounded(x, dtype):
    """The float64 values a tensor of ``dtype`` made from ``x`` holds."""
    return np.asarray(x).astype(NP_DTYPE[dtype]).astype(np.float64)


def lam(x, dtype=lamina.float32, device="cpu", requires_grad=False):
    return lamina.tensor(np.asarray(x), dtype=dtype, device=device, requires_grad=requires_grad)


def to_np(t):
    """A host numpy copy of a tensor (floats widened to float64)."""
    a = np.array(t.detach().cpu().numpy(), copy=True)
    return a.astype(np.float64) if a.dtype.kind == "f" else a


def layouts(x, dtype=lamina.float32, device="cpu"):
    """``(name, tensor)`` pairs holding ``x`` contiguously and in non-contiguous views: the
    transpose of a contiguous tensor, and every other element of a NaN-poisoned buffer (a
    kernel reading the wrong element shows up as NaN)."""
    x = np.asarray(x)
    out = [("contiguous", lam(x, dtype, device))]
    if x.ndim >= 2:
        t = lam(np.ascontiguousarray(np.swapaxes(x, -1, -2)), dtype, device).transpose(-1, -2)
        assert not t.is_contiguous() or min(x.shape[-2:]) <= 1
        out.append(("transposed", t))
    if x.ndim >= 1:
        big = np.full(x.shape[:-1] + (2 * x.shape[-1],), np.nan if dtype.is_floating_point else 7)
        big[..., ::2] = x
        t = lam(big, dtype, device)[..., ::2]
        assert not t.is_contiguous() or x.size == 0 or x.shape[-1] <= 1
        out.append(("strided", t))
    return out


# --- comparisons ----------------------------------------------------------------------------


def check(actual, expected, dtype=None, rtol=None, atol=None, msg=""):
    """Shape, dtype (when given) and values of a lamina tensor against a float64 reference."""
    assert isinstance(actual, lamina.Tensor), f"{msg}: expected a tensor, got {type(actual)}"
    expected = np.asarray(expected)
    assert actual.shape == expected.shape, f"{msg}: shape {actual.shape} != {expected.shape}"
    if dtype is not None:
        assert actual.dtype == dtype, f"{msg}: dtype {actual.dtype} != {dtype}"
    tol = TOL.get(actual.dtype, dict(rtol=0, atol=0))
    rtol = tol["rtol"] if rtol is None else rtol
    atol = tol["atol"] if atol is None else atol
    got = to_np(actual)
    if got.dtype.kind in "bi":
        np.testing.assert_array_equal(got, expected, err_msg=msg)
    else:
        np.testing.assert_allclose(got, expected.astype(np.float64), rtol=rtol, atol=atol,
                                   equal_nan=True, err_msg=msg)


def gradcheck(fn, *xs, device="cpu", **kw):
    """lamina.testing.gradcheck on float64 copies of the numpy inputs ``xs``."""
    ts = [lam(x, lamina.float64, device, requires_grad=True) for x in xs]
    assert _gradcheck(fn, ts, **kw)


# --- float64 references ---------------------------------------------------------------------

erf = np.vectorize(math.erf, otypes=[np.float64])


def gelu(x):
    return 0.5 * x * (1.0 + erf(x / math.sqrt(2.0)))


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def relu(x):
    return np.where(np.isnan(x), x, np.maximum(x, 0.0))


def rsqrt(x):
    return 1.0 / np.sqrt(x)


def logsumexp(x, axis=None, keepdims=False):
    x = np.asarray(x, dtype=np.float64)
    m = np.max(x, axis=axis, keepdims=True)
    safe = np.where(np.isfinite(m), m, 0.0)
    with np.errstate(divide="ignore"):
        out = np.log(np.sum(np.exp(x - safe), axis=axis, keepdims=True)) + safe
    return out if keepdims else np.squeeze(out, axis=axis)


def matmul(a, b):
    return np.matmul(np.asarray(a, np.float64), np.asarray(b, np.float64))


def wait_child(pid, what, timeout=30.0):
    """Wait for a forked child; kill it and fail with `what` if it has not exited by `timeout`
    seconds. Returns its exit code (fails on a signal)."""
    import pytest
    deadline = time.time() + timeout
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.time() > deadline:
            os.kill(pid, 9)
            os.waitpid(pid, 0)
            pytest.fail(what)
        time.sleep(0.005)
    assert os.WIFEXITED(status), f"the forked child died by signal {os.WTERMSIG(status)}"
    return os.WEXITSTATUS(status)
