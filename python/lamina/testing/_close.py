"""``assert_close``: values within atol + rtol * |expected|, reporting the worst element."""
from __future__ import annotations

import numpy as np

from .. import _C

Tensor = _C.Tensor


def _as_numpy(x):
    if isinstance(x, Tensor):
        x = x.detach()
        return (x if x.device.type == "cpu" else x.cpu()).numpy()
    return np.asarray(x)


def assert_close(actual, expected, rtol=None, atol=None, equal_nan=True, check_dtype=True, msg=""):
    """Raise AssertionError unless |actual - expected| <= atol + rtol * |expected| everywhere.

    Default tolerances follow the dtype: 1.3e-6/1e-5 for float32, 1e-7/1e-7 for float64,
    exact for integers and bools. Reports the worst element and the first mismatches."""
    a, e = _as_numpy(actual), _as_numpy(expected)
    if a.shape != e.shape:
        raise AssertionError(f"{msg} shape mismatch: {a.shape} vs {e.shape}")
    if check_dtype and isinstance(actual, Tensor) and isinstance(expected, Tensor) \
            and actual.dtype != expected.dtype:
        raise AssertionError(f"{msg} dtype mismatch: {actual.dtype} vs {expected.dtype}")
    if rtol is None or atol is None:
        kind = a.dtype
        d_rtol, d_atol = ((1.3e-6, 1e-5) if kind == np.float32 else
                          (1e-7, 1e-7) if kind == np.float64 else (0.0, 0.0))
        rtol = d_rtol if rtol is None else rtol
        atol = d_atol if atol is None else atol
    a64, e64 = a.astype(np.float64), e.astype(np.float64)
    ok = np.isclose(a64, e64, rtol=rtol, atol=atol, equal_nan=equal_nan)
    if not ok.all():
        bad = np.argwhere(~ok)
        diff = np.abs(a64 - e64)
        diff[~np.isfinite(diff)] = np.inf
        worst = np.unravel_index(np.argmax(np.where(ok, 0, diff)), a.shape) if a.ndim else ()
        lines = [f"{msg} {len(bad)} of {a.size} elements differ (rtol={rtol}, atol={atol}); "
                 f"worst at {tuple(int(i) for i in worst)}: {a64[worst]} vs {e64[worst]}"]
        for idx in bad[:5]:
            idx = tuple(int(i) for i in idx)
            lines.append(f"  at {idx}: {a64[idx]} vs {e64[idx]}")
        raise AssertionError("\n".join(lines))
