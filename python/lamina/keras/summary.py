"""``Model.summary()``: Keras's table of layers, output shapes and parameter counts."""
from __future__ import annotations

import numpy as np

from ._core import InputLayer


def _count(weights):
    return int(sum(int(np.prod(w.shape)) for w in weights))


def _shape_str(shape):
    return str(tuple(shape)).replace(",)", ")") if shape is not None else "?"


def _rows(model):
    """(name (type), output shape, params, connected to) per layer."""
    rows = []
    if getattr(model, "_nodes", None) is not None:
        first = {}
        for node in model._nodes:
            first.setdefault(node.layer, node)
        for layer in model.layers:  # Keras's order
            if isinstance(layer, InputLayer):
                rows.append((layer, layer.output.shape, []))
                continue
            node = first[layer]
            shape = node.outputs[0].shape if len(node.outputs) == 1 else \
                [t.shape for t in node.outputs]
            rows.append((layer, shape, [t.name for t in node.inputs]))
        multi = len(model.inputs) > 1 or any(len(r[2]) > 1 for r in rows)
        return rows, multi
    shapes = getattr(model, "_shapes", [])
    for i, layer in enumerate(model.layers):
        rows.append((layer, shapes[i] if i < len(shapes) else None, []))
    return rows, False


def summary(model, line_length=None, print_fn=None):
    print_fn = print_fn or print
    rows, multi = _rows(model)
    widths = [34, 25, 13] + ([24] if multi else [])
    if line_length:
        widths[0] = max(20, line_length - sum(widths[1:]) - len(widths) - 1)
    heads = ["Layer (type)", "Output Shape", "Param #"] + (["Connected to"] if multi else [])

    def line(cells, left="│", mid="│", right="│"):
        out = []
        for i, (c, w) in enumerate(zip(cells, widths)):
            c = str(c)
            if len(c) > w - 2:
                c = c[:w - 5] + "..."
            out.append((" " + c.rjust(w - 2) + " ") if i == 2 else (" " + c.ljust(w - 1)))
        return left + mid.join(out) + right

    def rule(a, b, c):
        return a + b.join("━" * w for w in widths) + c

    print_fn(f'Model: "{model.name}"')
    print_fn(rule("┏", "┳", "┓"))
    print_fn(line(heads, "┃", "┃", "┃"))
    print_fn(rule("┡", "╇", "┩"))
    for i, (layer, shape, inbound) in enumerate(rows):
        shape = ", ".join(_shape_str(s) for s in shape) if isinstance(shape, list) \
            else _shape_str(shape)
        params = 0 if isinstance(layer, InputLayer) else layer.count_params()
        cells = [f"{layer.name} ({type(layer).__name__})", shape, f"{params:,}"]
        if multi:
            cells.append(", ".join(inbound) if inbound else "-")
        print_fn(line(cells))
        if i < len(rows) - 1:
            print_fn("├" + "┼".join("─" * w for w in widths) + "┤")
    print_fn("└" + "┴".join("─" * w for w in widths) + "┘")
    total = _count(model.weights)
    trainable = _count(model.trainable_weights)
    print_fn(f" Total params: {total:,} ({total * 4:,.2f} B)")
    print_fn(f" Trainable params: {trainable:,} ({trainable * 4:,.2f} B)")
    print_fn(f" Non-trainable params: {total - trainable:,} ({(total - trainable) * 4:,.2f} B)")
