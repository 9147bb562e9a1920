"""``gradcheck``: autograd gradients against float64 central finite differences."""
from __future__ import annotations

import numpy as np

from .. import _C
from ..autograd.grad_mode import no_grad
from ._close import _as_numpy

Tensor = _C.Tensor


def _flat_outputs(out):
    if isinstance(out, Tensor):
        return [out]
    return [o for o in out if isinstance(o, Tensor) and o.dtype.is_floating_point]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-4, raise_exception=True,
              max_elements=None, directions=2):
    """Compare autograd gradients of ``fn(*inputs)`` with central finite differences.

    Inputs that require grad must be float64. Every output is contracted with a fixed random
    weight, so one backward checks the whole Jacobian-vector product for each input element.
    An input with more than ``max_elements`` elements (default: no limit) is checked along
    ``directions`` random directions v instead of element by element: <grad, v> against
    (f(x + eps v) - f(x - eps v)) / (2 eps), with atol scaled by sqrt(numel)."""
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

    def at(i, x, values):
        """The outputs (float64 arrays) with input i holding ``values``."""
        args = list(inputs)
        values = np.array(values, dtype=np.float64, order="C")  # 0-d stays 0-d
        args[i] = _C.to(_C._from_numpy(values), x.device, x.dtype, False)
        with no_grad():
            return [_as_numpy(o).astype(np.float64) for o in _flat_outputs(fn(*args))]

    def slope(plus, minus):
        """d/dt sum(w * out) from the outputs at +eps and -eps: differences first, so large
        outputs that do not move (a -1e9 fill) cost no precision."""
        return sum(float((w * (p - m)).sum()) for p, m, w in zip(plus, minus, weights)) / (2 * eps)

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
        if max_elements is not None and base.size > max_elements:
            for d in range(directions):
                v = rng.standard_normal(base.shape)
                numeric = slope(at(i, x, base + eps * v), at(i, x, base - eps * v))
                along = float((analytic * v).sum())
                if not np.isclose(along, numeric, rtol=rtol, atol=atol * np.sqrt(base.size)):
                    ok = False
                    report.append(f"input {i} {tuple(base.shape)}, random direction {d}: "
                                  f"<analytic, v> = {along!r}, numeric = {numeric!r}")
            continue
        numeric = np.zeros_like(base)
        flat = numeric.reshape(-1)
        for k in range(base.size):
            plus, minus = base.copy().reshape(-1), base.copy().reshape(-1)
            plus[k] += eps
            minus[k] -= eps
            flat[k] = slope(at(i, x, plus.reshape(base.shape)), at(i, x, minus.reshape(base.shape)))
        good = np.allclose(analytic, numeric, atol=atol, rtol=rtol)
        if not good:
            ok = False
            worst = np.abs(analytic - numeric).max()
            report.append(f"input {i}: max |analytic - numeric| = {worst:.3g}\n"
                          f"analytic:\n{analytic}\nnumeric:\n{numeric}")
    if not ok and raise_exception:
        raise AssertionError("[gradcheck] gradients differ\n" + "\n".join(report))
    return ok
