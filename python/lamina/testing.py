"""Testing helpers: ``assert_close`` and a float64 finite-difference ``gradcheck``."""
from __future__ import annotations

import numpy as np

from . import _C
from .autograd.grad_mode import no_grad

Tensor = _C.Tensor


def _as_numpy(x):
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
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


def _flat_outputs(out):
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor) and o.dtype.is_floating_point]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, raise_exception=True):
    """Compare autograd gradients of ``fn(*inputs)`` with central finite differences.

    Inputs that require grad must be float64. Every output is contracted with a fixed random
    weight, so one backward checks the whole Jacobian-vector product for each input element."""
    inputs = list(inputs)
    diff_idx = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not diff_idx:
        raise ValueError("[gradcheck] no input requires grad")
    for i in diff_idx:
        if inputs[i].dtype.name != "float64":
            raise TypeError(f"[gradcheck] input {i} must be float64, got {inputs[i].dtype}")
    rng = np.random.default_rng(1234)

    outs = _flat_outputs(fn(*inputs))
    weights = [rng.standard_normal(o.shape) for o in outs]

    def objective(args):
        with no_grad():
            res = _flat_outputs(fn(*args))
        return sum(float((_as_numpy(o).astype(np.float64) * w).sum()) for o, w in zip(res, weights))

    # analytic: d/dx sum(w * out)
    for i in diff_idx:
        inputs[i].grad = None
    total = None
    for o, w in zip(outs, weights):
        wt = _C.to(_C._from_numpy(np.ascontiguousarray(w, dtype=np.float64)), o.device, o.dtype, False)
        term = (o * wt).sum()
        total = term if total is None else total + term
    total.backward()
    ok = True
    report = []
    for i in diff_idx:
        x = inputs[i]
        analytic = np.zeros(x.shape) if x.grad is None else _as_numpy(x.grad)
        base = _as_numpy(x).astype(np.float64).copy()
        numeric = np.zeros_like(base)
        flat = numeric.reshape(-1)
        for k in range(base.size):
            for sign in (1, -1):
                pert = base.copy().reshape(-1)
                pert[k] += sign * eps
                args = list(inputs)
                args[i] = _C.to(_C._from_numpy(pert.reshape(base.shape)), x.device, x.dtype, False)
                flat[k] += sign * objective(args)
            flat[k] /= 2 * eps
        good = np.allclose(analytic, numeric, atol=atol, rtol=rtol)
        if not good:
            ok = False
            worst = np.abs(analytic - numeric).max()
            report.append(f"input {i}: max |analytic - numeric| = {worst:.3g}\n"
                          f"analytic:\n{analytic}\nnumeric:\n{numeric}")
    if not ok and raise_exception:
        raise AssertionError("[gradcheck] gradients differ\n" + "\n".join(report))
    return ok
