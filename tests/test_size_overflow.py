"""Size and stride arithmetic that would overflow int64 (issue #16): a wrapped extent passes the
bounds check and a later copy reads out of bounds, so each case raises "[op] ..." (or, where the
value is never used, gives the right answer). Under tools/sanitize.sh UBSan also sees any
overflow left. Also LAMINA_EXACT_ALLOC, the switch tools/sanitize.sh sets."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import lamina
import lamina.nn.functional as F
from lamina import _C

BIG = 2**62


def _arange(n):
    return lamina.arange(n, dtype=lamina.float32)


@pytest.mark.parametrize("shape, strides, offset", [
    ([3], [BIG + 16], 0),              # (3 - 1) * stride wraps to 32: the case
    ([2, 2], [BIG, BIG], 0),           # each product fits, their sum does not
    ([2], [1], 2**63 - 1),             # offset + extent
    ([2**62, 2], [2**62, 1], 0),       # (size - 1) * stride
    ([0, 3], [1, BIG], 0),             # empty, but later ops still multiply the strides
])
def test_as_strided_overflow_raises(shape, strides, offset):
    t = _arange(12)
    with pytest.raises(ValueError, match=r"^\[as_strided\]"):
        _C.contiguous(_C.as_strided(t, shape, strides, offset))


def test_as_strided_in_bounds_still_works():
    t = _arange(12)
    v = _C.as_strided(t, [3, 2], [4, 1], 2)
    np.testing.assert_array_equal(_C.contiguous(v).numpy(),
                                  np.arange(12, dtype=np.float32)[[[2, 3], [6, 7], [10, 11]]])
    e = _C.as_strided(t, [0, 2], [1, BIG], 0)  # empty: any stride whose extent fits
    assert tuple(_C.contiguous(e).shape) == (0, 2)
    assert tuple((e + 1).shape) == (0, 2)       # geometry: stride * size overflows, no merge
    for d, shape in ((0, (1, 0, 2)), (1, (0, 1, 2)), (2, (0, 2, 1))):
        assert tuple(_C.unsqueeze(e, d).shape) == shape  # stride[1] * 2 overflows
    one = _C.as_strided(t, [1, 2], [BIG, 1], 3)  # a size-1 dim: its stride is never used
    np.testing.assert_array_equal(one.numpy(), [[3, 4]])  # byte stride 4 * 2**62 overflows
    with pytest.raises(ValueError, match=r"^\[as_strided\]"):
        _C.as_strided(t, [3], [6], 0)  # last element 12: one past the storage
    with pytest.raises(ValueError, match=r"^\[as_strided\]"):
        _C.as_strided(t, [1], [1], -1)


@pytest.mark.parametrize("step", [2**62, 2**63 - 1])
def test_slice_huge_step(step):
    a = np.arange(15, dtype=np.float32).reshape(5, 3)
    t = lamina.tensor(a)
    # stride 3 * 2**62 overflows, and (stop - start + step - 1) did for 2**63 - 1; one element
    # either way, whose stride is never used
    for v in (t[::step], _C.slice(t, 0, 0, 5, step), t[1::step]):
        assert tuple(v.shape) == (1, 3)
    np.testing.assert_array_equal(t[::step].numpy(), a[::step])
    np.testing.assert_array_equal(_C.contiguous(t[1::step]).numpy(), a[1::step])
    np.testing.assert_array_equal(t[:, ::step].numpy(), a[:, ::step])


def test_arange_too_many_elements_raises():
    # 1e19 elements: the count cast to int64 was -2**63 on x86, read as an empty range
    with pytest.raises(ValueError, match=r"^\[arange\]"):
        lamina.arange(0, 1e19)
    with pytest.raises(ValueError, match=r"^\[arange\]"):
        lamina.arange(-1e308, 1e308, 1e-300)


def test_contiguous_strides_overflow_raises():
    # numel 0 whatever the other sizes, but the first stride would be 2**80 (torch refuses too)
    with pytest.raises(ValueError, match=r"^\[empty\]"):
        lamina.empty(0, 2**40, 2**40)
    with pytest.raises(ValueError, match=r"^\[reshape\]"):
        lamina.empty(0).reshape(0, 2**40, 2**40)
    with pytest.raises(ValueError, match=r"^\[view\]"):
        lamina.empty(0).view(0, 2**40, 2**40)
    assert lamina.empty(2**40, 2**40, 0).stride() == (2**40, 1, 1)  # the last product is unused
    assert lamina.empty(0).reshape(0, 2**31, 2**31).stride() == (2**62, 2**31, 1)


def test_conv2d_huge_dilation_or_padding_raises():
    x, w = lamina.ones(1, 1, 5, 5), lamina.ones(1, 1, 5, 5)
    # dilation * (kernel - 1) = 4 * 2**62 wrapped to 0: a 5x5 output of wrong sums
    with pytest.raises(ValueError, match=r"^\[conv2d\]"):
        F.conv2d(x, w, dilation=BIG)
    with pytest.raises(ValueError, match=r"^\[conv2d\]"):
        F.conv2d(x, w, padding=BIG)  # H + 2 * padding
    with pytest.raises(ValueError, match=r"^\[conv2d\]"):
        F.conv2d(lamina.ones(1, 0, 5, 5), lamina.ones(0, 4, 1, 1), groups=BIG)


def test_pool_huge_sizes_raise():
    x = lamina.ones(1, 1, 5, 5)
    with pytest.raises(ValueError, match=r"^\[max_pool2d\]"):
        F.max_pool2d(x, BIG, dilation=4)  # (kernel - 1) * dilation
    with pytest.raises(ValueError, match=r"^\[avg_pool2d\]"):
        F.avg_pool2d(x, 2**63 - 1, padding=BIG - 1)  # H + 2 * padding


def test_cat_total_size_overflow_raises():
    e = lamina.ones(1).expand(BIG)  # stride 0: no memory behind the size
    with pytest.raises(ValueError, match=r"^\[cat\]"):
        lamina.cat([e, e, e, e])  # 2**64 wrapped to an empty tensor


_EXACT_SCRIPT = """
import numpy as np, lamina
import lamina.nn.functional as F
rng = np.random.default_rng(0)
out = []
for n in (1, 7, 33, 127):
    a = rng.standard_normal((n, 33)).astype(np.float32)
    b = rng.standard_normal((33, 17)).astype(np.float32)
    out.append((lamina.tensor(a) @ lamina.tensor(b)).numpy().ravel())
x = lamina.tensor(rng.standard_normal((2, 3, 9, 9)).astype(np.float32))
w = lamina.tensor(rng.standard_normal((5, 3, 3, 3)).astype(np.float32))
out.append(F.conv2d(x, w, padding=1).numpy().ravel())
out.append(lamina.empty(0).numpy().ravel())
np.save(__import__("sys").argv[1], np.concatenate(out))
"""


def test_exact_alloc_switch_same_results(tmp_path):
    """LAMINA_EXACT_ALLOC=1 changes only the allocation sizes, never a result."""
    res = {}
    for flag in ("0", "1"):
        env = dict(os.environ, LAMINA_EXACT_ALLOC=flag)
        path = tmp_path / f"out{flag}.npy"
        subprocess.run([sys.executable, "-c", _EXACT_SCRIPT, str(path)], env=env, check=True,
                       timeout=300)
        res[flag] = np.load(path)
    np.testing.assert_array_equal(res["0"], res["1"])
