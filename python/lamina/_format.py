"""``repr(tensor)`` in PyTorch's layout (torch/_tensor_str.py): 4 decimals, integer mode for
whole-valued floats, scientific notation for wide ranges, summaries past 1000 elements."""
from __future__ import annotations

import math

import numpy as np

_PRECISION, _THRESHOLD, _EDGE, _LINEWIDTH = 4, 1000, 3, 80


class _Formatter:
    """Chooses one width and style for every element, from the (summarised) values."""

    def __init__(self, data):
        self.floating = data.dtype.kind == "f"
        self.int_mode, self.sci, self.width = True, False, 1
        flat = data.reshape(-1)
        if not self.floating:
            for v in flat.tolist():
                self.width = max(self.width, len(str(v)))
            return
        vals = flat.astype(np.float64)
        vals = vals[np.isfinite(vals) & (vals != 0)]
        if vals.size == 0:
            return
        lo, hi = float(np.abs(vals).min()), float(np.abs(vals).max())
        self.int_mode = bool(np.all(vals == np.ceil(vals)))
        wide = hi / lo > 1000.0 or hi > 1.0e8
        self.sci = wide if self.int_mode else (wide or lo < 1.0e-4)
        if self.sci:
            strs, extra = [f"{v:.{_PRECISION}e}" for v in vals.tolist()], 0
        elif self.int_mode:
            strs, extra = [f"{v:.0f}" for v in vals.tolist()], 1  # room for the "."
        else:
            strs, extra = [f"{v:.{_PRECISION}f}" for v in vals.tolist()], 0
        self.width = max(len(s) for s in strs) + extra

    def __call__(self, v):
        if not self.floating:
            s = str(v)
        elif self.sci:
            s = f"{v:{self.width}.{_PRECISION}e}"
        elif self.int_mode:
            s = f"{v:.0f}" + ("" if math.isinf(v) or math.isnan(v) else ".")
        else:
            s = f"{v:.{_PRECISION}f}"
        return " " * (self.width - len(s)) + s


def _summarized(a):
    if a.ndim == 0:
        return a
    if a.shape[0] > 2 * _EDGE:
        a = np.concatenate([a[:_EDGE], a[-_EDGE:]])
    if a.ndim == 1:
        return a
    return np.stack([_summarized(x) for x in a])


def _body(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt(a.item())
    n = a.shape[0]
    cut = summarize and n > 2 * _EDGE
    if a.ndim == 1:
        vals = a.tolist()
        data = ([fmt(v) for v in vals[:_EDGE]] + [" ..."] + [fmt(v) for v in vals[-_EDGE:]]
                if cut else [fmt(v) for v in vals])
        per_line = max(1, (_LINEWIDTH - indent) // (fmt.width + 2))
        lines = [", ".join(data[i:i + per_line]) for i in range(0, len(data), per_line)]
        return "[" + (",\n" + " " * (indent + 1)).join(lines) + "]"
    rows = list(range(_EDGE)) + [None] + list(range(n - _EDGE, n)) if cut else range(n)
    parts = ["..." if i is None else _body(a[i], indent + 1, summarize, fmt) for i in rows]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def tensor_repr(arr, dtype, device, grad_fn_name, requires_grad):
    """``arr``: the values on the host (numpy); the other arguments become suffixes."""
    prefix = "tensor("
    suffixes = []
    if device.type != "cpu":
        suffixes.append(f"device='{device}'")
    default = dtype.name in ("float32", "int64", "bool")
    if arr.size == 0:
        if arr.ndim != 1:
            suffixes.append(f"size={tuple(arr.shape)}")
        if dtype.name != "float32":
            suffixes.append(f"dtype=lamina.{dtype.name}")
        body = "[]"
    else:
        if not default:
            suffixes.append(f"dtype=lamina.{dtype.name}")
        summarize = arr.size > _THRESHOLD
        fmt = _Formatter(_summarized(arr) if summarize else arr)
        body = _body(arr, len(prefix), summarize, fmt)
    if grad_fn_name is not None:
        suffixes.append(f"grad_fn=<{grad_fn_name}>")
    elif requires_grad:
        suffixes.append("requires_grad=True")
    out = [prefix + body]
    last = len(out[0]) - out[0].rfind("\n") + 1
    for s in suffixes:
        if last + len(s) + 2 > _LINEWIDTH:
            out.append(",\n" + " " * len(prefix) + s)
            last = len(prefix) + len(s)
        else:
            out.append(", " + s)
            last += len(s) + 2
    return "".join(out) + ")"
