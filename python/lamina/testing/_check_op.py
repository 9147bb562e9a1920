"""``check_op``: one call checks an op's forward and backward against NumPy float64, float64
finite differences and torch (when importable), in every dtype, on contiguous and
non-contiguous inputs, on every device given (tinygrad's ``helper_test_op``)."""
from __future__ import annotations

import numpy as np

from .. import _C
from .. import dtypes as _dt
from ..autograd import run_backward
from ..creation import tensor as _tensor
from ._close import _as_numpy, assert_close
from ._gradcheck import gradcheck

Tensor = _C.Tensor
_TOL = {"float32": (1e-5, 1e-5), "float64": (1e-10, 1e-10)}  # (rtol, atol); others exact
_INT_POISON = -(2 ** 40)  # what a kernel reading outside an integer view would see


class Input:
    """One tensor argument of ``check_op``.

    ``value``: a shape (tuple) to draw, or a NumPy array used as given. Floating inputs follow
    the dtype under test; ``dtype`` (lamina.int64, lamina.bool) makes a fixed-dtype input
    (targets, indices, masks); NumPy integer and bool arrays are fixed-dtype by default.
    Drawn floats are uniform in [low, high) with none within 1% of the range's width of 0;
    drawn integers uniform in [low, high); drawn bools fair coins. ``grad`` (default: True for
    floating inputs) says whether the input is differentiable."""

    def __init__(self, value, low=-2.0, high=2.0, grad=None, dtype=None):
        self.value, self.low, self.high = value, low, high
        if dtype is None and isinstance(value, np.ndarray) and value.dtype.kind in "biu":
            dtype = _dt.bool_ if value.dtype.kind == "b" else _dt.int64
        self.dtype = dtype  # None: follows the dtype under test
        self.grad = (dtype is None) if grad is None else bool(grad)
        if self.grad and dtype is not None:
            raise ValueError(f"[check_op] an input of fixed dtype {dtype} cannot require grad")

    def draw(self, rng, narrow):
        v = self.value
        if isinstance(v, np.ndarray):
            x = v.copy()
        elif self.dtype == _dt.int64:
            x = rng.integers(int(self.low), int(self.high), size=v)
        elif self.dtype == _dt.bool_:
            x = rng.random(v) < 0.5
        else:
            x = rng.uniform(self.low, self.high, size=v)
            near = np.abs(x) < 0.01 * (self.high - self.low)
            while near.any():
                x[near] = rng.uniform(self.low, self.high, size=int(near.sum()))
                near = np.abs(x) < 0.01 * (self.high - self.low)
        if self.dtype is None:
            x = np.asarray(x, np.float64)
            return x.astype(narrow).astype(np.float64) if narrow else x
        return np.asarray(x, np.bool_ if self.dtype == _dt.bool_ else np.int64)


def _flatten(out):
    if isinstance(out, (tuple, list)):
        return [leaf for o in out for leaf in _flatten(o)]
    return [out]


def _tol(table, dtype):
    return table.get(dtype.name, _TOL.get(dtype.name, (0.0, 0.0)))


def _noncontig(x, dtype, device):
    """``x`` as a view that is not contiguous: every other element of a poisoned buffer (NaN
    for floats), transposed in its last two dims when it has two."""
    poison = np.nan if dtype.is_floating_point else (True if dtype == _dt.bool_ else _INT_POISON)
    src = np.swapaxes(x, -1, -2) if x.ndim >= 2 else x
    big = np.full(src.shape[:-1] + (2 * src.shape[-1],), poison, dtype=x.dtype)
    big[..., ::2] = src
    t = _tensor(big, dtype=dtype, device=device)[..., ::2]
    t = t.transpose(-1, -2) if x.ndim >= 2 else t
    assert not t.is_contiguous(), f"[check_op] a {x.shape} view meant to be strided is contiguous"
    return t


def _where(name, dev, dt, layout, what):
    return f"[check_op {name}] {dev} {dt.name} {layout}: {what}"


def check_op(op, inputs, ref=None, torch_ref=None, *, rng, device="cpu", kwargs=None,
             dtypes=(_dt.float32, _dt.float64), tol=None, grad_tol=None, grad=True,
             noncontig=True, fd_numel=20, fd_tol=(1e-4, 1e-5), name=None):
    """Check ``op`` forward and backward; raise AssertionError naming what differs.

    op: callable on lamina tensors, ``op(*inputs, **kwargs)``; returns a tensor or a (nested)
        tuple / list of tensors.
    inputs: one entry per positional argument: a shape tuple (a fresh float input drawn from
        ``rng``), a NumPy array (its values; integer and bool arrays become fixed-dtype int64 /
        bool tensors: targets, indices, masks), an ``Input`` (ranges, fixed dtypes, grad=False),
        or anything else (None, numbers, strings), passed unchanged to op and references.
    ref: NumPy reference, called once with float64 arrays (and the int64 / bool arrays and
        constants) holding exactly the values lamina sees; returns arrays, nested like op's.
    torch_ref: called on torch tensors (CPU) when torch is importable, per dtype; outputs and
        gradients are compared.
    rng: the numpy Generator the inputs (and the backward's output weights) come from. Drawn
        floats are rounded to the narrowest dtype under test, so every dtype sees one set of
        values.
    device: "cpu", "cuda", or a list of them; references are computed once, on the CPU.
    kwargs: keyword arguments for op, ref and torch_ref alike.
    dtypes: the floating dtypes floating inputs take (lamina.int64 allowed, forward only).
    tol / grad_tol: {dtype: (rtol, atol)} over the defaults (float32 1e-5, 1e-5; float64
        1e-10, 1e-10; integer and bool outputs exact); grad_tol (None: tol) for gradients.
    grad: False checks the forward only. Otherwise, when an input is differentiable and an
        output floating:
        backward of sum(w * out) over the floating outputs (fixed random w) in every dtype;
        float64 gradcheck (finite differences, element by element for inputs of at most
        ``fd_numel`` elements, along random directions above; ``fd_tol`` = (rtol, atol));
        every dtype's gradients against float64's and torch's; non-contiguous inputs'
        gradients against contiguous ones'. (Without float64 in dtypes and without torch,
        gradients are only checked across layouts.)
    noncontig: also run every dtype on non-contiguous views of the same values (see
        ``_noncontig``), with non-contiguous output gradients, and compare outputs and
        gradients.
    name: for messages (default: op's __name__).

    Outputs are compared in shape, dtype (floating outputs have the dtype under test) and
    values; NaN equals NaN."""
    name = name or getattr(op, "__name__", "op")
    kwargs = dict(kwargs or {})
    devices = [device] if isinstance(device, str) else list(device)
    tol = {getattr(k, "name", k): v for k, v in (tol or {}).items()}
    grad_tol = tol if grad_tol is None else {getattr(k, "name", k): v for k, v in grad_tol.items()}
    floats = [d for d in dtypes if d.is_floating_point]
    narrow = np.float32 if _dt.float32 in floats else None
    specs = [a if isinstance(a, Input) else
             Input(a) if isinstance(a, (tuple, np.ndarray)) else None for a in inputs]
    values = [s.draw(rng, narrow) if s else a for s, a in zip(specs, inputs)]
    follows = any(s and s.dtype is None for s in specs)
    diff = [i for i, s in enumerate(specs) if s and s.grad]
    do_grad = grad and bool(diff)
    run_dtypes = sorted(dtypes, key=lambda d: d != _dt.float64) if follows else list(dtypes)[:1]
    want = None if ref is None else _flatten(ref(*[v.copy() if s else v for s, v in
                                                   zip(specs, values)], **kwargs))
    torch = _import_torch() if torch_ref is not None else None
    torch_runs = {}
    weights = []
    layouts = ["contiguous"]
    if noncontig and any(s and values[i].size > 1 for i, s in enumerate(specs)):
        layouts.append("non-contiguous")

    for dev in devices:
        grads = {}
        for dt in run_dtypes:
            floating = dt.is_floating_point
            for layout in layouts:
                at = lambda what: _where(name, dev, dt, layout, what)  # noqa: E731
                args, leaves = [], []
                for i, (s, v) in enumerate(zip(specs, values)):
                    if s is None:
                        args.append(v)
                        continue
                    tdt = dt if s.dtype is None else s.dtype
                    t = (_noncontig(v, tdt, dev) if layout != "contiguous" and v.size > 1 else
                         _tensor(v, dtype=tdt, device=dev))
                    if do_grad and floating and s.grad:
                        t = t.detach().requires_grad_(True)
                        leaves.append(t)
                    args.append(t)
                outs = _flatten(op(*args, **kwargs))
                if want is not None:
                    _compare(outs, want, dt, follows, tol, at("output"))
                if torch is not None:
                    if dt.name not in torch_runs:
                        torch_runs[dt.name] = _torch_run(torch, torch_ref, specs, values, dt,
                                                         kwargs, do_grad and floating, weights,
                                                         rng, outs)
                    _compare(outs, torch_runs[dt.name][0], dt, follows, tol, at("output vs torch"))
                if not (do_grad and floating and any(o.dtype.is_floating_point for o in outs)):
                    continue  # forward only, or nothing to differentiate (argmax, comparisons)
                _draw_weights(weights, rng, outs)
                sel, g = _backward(outs, weights, leaves, layout != "contiguous", at("backward"))
                gt = _tol(grad_tol, dt)
                if layout != "contiguous":
                    for k, (a, b) in enumerate(zip(g, grads[dt.name])):
                        assert_close(a, b, *gt, msg=at(f"grad of input {diff[k]} vs contiguous"))
                    continue
                grads[dt.name] = g
                if dt == _dt.float64:
                    _gradcheck(op, kwargs, specs, values, dev, sel, fd_numel, fd_tol, at)
                elif "float64" in grads:
                    for k, (a, b) in enumerate(zip(g, grads["float64"])):
                        assert_close(a, b, *gt, msg=at(f"grad of input {diff[k]} vs float64"))
                if torch is not None:
                    for k, (a, b) in enumerate(zip(g, torch_runs[dt.name][1])):
                        assert_close(a, b, *gt, msg=at(f"grad of input {diff[k]} vs torch"))


def _import_torch():
    try:
        import torch
    except ImportError:
        return None
    return torch


def _compare(outs, want, dt, follows, tol, where):
    if len(outs) != len(want):
        raise AssertionError(f"{where}: {len(outs)} outputs, the reference has {len(want)}")
    for k, (o, w) in enumerate(zip(outs, want)):
        w = w.detach().cpu().numpy() if hasattr(w, "detach") else np.asarray(w)
        if not isinstance(o, Tensor):
            raise AssertionError(f"{where} {k}: expected a lamina tensor, got {type(o).__name__}")
        if w.dtype.kind == "f":
            ok = o.dtype == dt if follows else o.dtype.is_floating_point
            if w.dtype == np.float32 and dt == _dt.float64:
                ok = False  # torch computed in float32 what lamina computed in float64
            rt = _tol(tol, dt)
        else:
            ok = o.dtype == (_dt.bool_ if w.dtype.kind == "b" else _dt.int64)
            rt = (0.0, 0.0)
        if not ok:
            raise AssertionError(f"{where} {k}: dtype {o.dtype} (test dtype {dt.name}, "
                                 f"reference {w.dtype})")
        assert_close(o, w, *rt, msg=f"{where} {k} {tuple(o.shape)}:")


def _draw_weights(weights, rng, outs):
    if not weights:
        weights.extend(rng.standard_normal(tuple(o.shape)) if o.dtype.is_floating_point
                       else None for o in outs)


def _backward(outs, weights, leaves, strided, where):
    """Backward of sum(w * out): the outputs' gradients are the weights, seeded as
    non-contiguous views when ``strided``."""
    sel = [k for k, o in enumerate(outs) if o.dtype.is_floating_point and o.requires_grad]
    if not sel:
        raise AssertionError(f"{where}: no output requires grad")
    seeds = [(_noncontig if strided and weights[k].size > 1 else _plain)(
        weights[k], outs[k].dtype, outs[k].device) for k in sel]
    run_backward([outs[k] for k in sel], seeds)
    return sel, [np.zeros(t.shape) if t.grad is None else _as_numpy(t.grad) for t in leaves]


def _plain(x, dtype, device):
    return _tensor(x, dtype=dtype, device=device)


def _gradcheck(op, kwargs, specs, values, dev, sel, fd_numel, fd_tol, at):
    args = [v if s is None else
            _tensor(v, dtype=s.dtype or _dt.float64, device=dev, requires_grad=s.grad)
            for s, v in zip(specs, values)]

    def fn(*a):
        outs = _flatten(op(*a, **kwargs))
        return [outs[k] for k in sel]

    try:
        gradcheck(fn, args, rtol=fd_tol[0], atol=fd_tol[1], max_elements=fd_numel)
    except AssertionError as e:
        raise AssertionError(at(str(e))) from None


def _torch_run(torch, torch_ref, specs, values, dt, kwargs, with_grad, weights, rng, outs):
    """torch's outputs (NumPy) and, with_grad, the gradients of its differentiable inputs."""
    tdt = getattr(torch, dt.name)
    args, leaves = [], []
    for s, v in zip(specs, values):
        if s is None:
            args.append(v)
            continue
        if s.dtype is None:
            t = torch.tensor(v, dtype=tdt)
        else:
            t = torch.from_numpy(v.copy())
        if with_grad and s.grad:
            t.requires_grad_(True)
            leaves.append(t)
        args.append(t)
    touts = _flatten(torch_ref(*args, **kwargs))
    got = [o.detach().numpy() for o in touts]
    if not with_grad:
        return got, []
    _draw_weights(weights, rng, outs)
    pairs = [(o, torch.from_numpy(np.asarray(w, dtype=got[k].dtype)))
             for k, (o, w) in enumerate(zip(touts, weights))
             if w is not None and k < len(touts) and o.requires_grad]
    if pairs:
        torch.autograd.backward([p[0] for p in pairs], [p[1] for p in pairs])
    return got, [np.zeros(tuple(t.shape)) if t.grad is None else t.grad.double().numpy()
                 for t in leaves]
