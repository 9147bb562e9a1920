"""``Function``: one class per differentiable op, forward and backward side by side.

``Function.apply`` runs ``forward`` on the kernels; when grad mode is on and an input requires
grad it records a ``Node`` on the outputs (``grad_fn``) that the engine later walks."""
from __future__ import annotations

from .. import _C
from .grad_mode import _state

Tensor = _C.Tensor


class Context:
    """What ``forward`` leaves for ``backward``: saved tensors and any attributes it sets."""

    def __init__(self):
        self._saved = ()
        self._freed = False
        self.needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "[backward] trying to backward through the graph a second time (or to read "
                "saved tensors after they were freed); pass retain_graph=True to the first "
                "backward() to keep them")
        return self._saved

    def _free(self):
        self._saved = ()
        self._freed = True


class Node:
    """One recorded application of a Function: its context and edges to the inputs.

    ``next[i]`` is ``(node, output_nr)`` for an input produced by another op, the input
    tensor itself for a leaf that requires grad, or None."""

    __slots__ = ("fn", "ctx", "next", "n_outputs", "retained", "__weakref__")

    def __init__(self, fn, ctx, next_edges, n_outputs):
        self.fn = fn
        self.ctx = ctx
        self.next = next_edges
        self.n_outputs = n_outputs
        self.retained = None  # {output_nr: weakref to a non-leaf tensor that retains grad}

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` static methods.

    ``backward`` returns one gradient (or None) per ``forward`` argument."""

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        record = False
        if _state.enabled:
            for a in args:
                if isinstance(a, Tensor) and a.requires_grad:
                    record = True
                    break
        ctx = Context()
        if not record:
            return cls.forward(ctx, *args)
        ctx.needs_input_grad = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        out = cls.forward(ctx, *args)
        edges = []
        for a in args:
            if isinstance(a, Tensor) and a.requires_grad:
                fn = a.grad_fn
                edges.append((fn, a._output_nr) if fn is not None else a)
            else:
                edges.append(None)
        outs = out if isinstance(out, tuple) else (out,)
        node = Node(cls, ctx, tuple(edges), len(outs))
        for i, o in enumerate(outs):
            if o.dtype.is_floating_point:
                o._requires_grad = True
                o.grad_fn = node
                o._output_nr = i
        return out
