"""``Function``: one class per differentiable op, forward and backward side by side.

``Function.apply`` runs ``forward`` on the kernels; when grad mode is on and an input requires
grad it records a ``Node`` (which is also the ``ctx`` that forward and backward see) on the
outputs' ``grad_fn``, for the engine to walk later. Without recording, a Function with a
``kernel`` (the ``_C`` function taking the same arguments) calls it directly: eager ops pay
for no bookkeeping."""
from __future__ import annotations

from .. import _C
from .grad_mode import _state

Tensor = _C.Tensor


class Context:
    """What ``forward`` leaves for ``backward``: saved tensors and any attributes it sets."""

    _saved = ()
    _versions = ()
    _freed = False
    needs_input_grad = ()

    def save_for_backward(self, *tensors):
        self._saved = tensors
        # storage versions now: an in-place write before backward would corrupt the gradient
        self._versions = [t._version if isinstance(t, Tensor) else None for t in tensors]

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "[backward] trying to backward through the graph a second time (or to read "
                "saved tensors after they were freed); pass retain_graph=True to the first "
                "backward() to keep them")
        for t, v in zip(self._saved, self._versions):
            if v is not None and t._version != v:
                raise RuntimeError(
                    f"[backward] a tensor of shape {t.shape} saved for "
                    f"{getattr(getattr(self, 'fn', None), '__name__', 'a Function')}'s backward "
                    f"was modified by an in-place operation (version "
                    f"{t._version}, expected {v}); clone() it before writing to it")
        return self._saved

    def _free(self):
        self._saved = ()
        self._freed = True


class Node(Context):
    """One recorded application of a Function: the context plus edges to the inputs.

    ``next[i]`` is ``(node, output_nr)`` for an input produced by another op, the input
    tensor itself for a leaf that requires grad, or None."""

    retained = None  # {output_nr: weakref to a non-leaf tensor that retains grad}
    out_meta = None  # multi-output nodes: (shape, dtype, device) of each output
    n_outputs = 1

    def __init__(self, fn):
        self.fn = fn

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class Function:
    """Subclass with ``forward(ctx, *args)`` and ``backward(ctx, *grads)`` static methods.

    ``backward`` returns one gradient (or None) per ``forward`` argument."""

    kernel = None  # optional: the _C function computing forward's result from the same args

    @staticmethod
    def forward(ctx, *args):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grads):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args):
        if _state.enabled:
            for a in args:
                if isinstance(a, Tensor) and a._requires_grad:
                    return cls._record(args)
        if cls.kernel is not None:
            return cls.kernel(*args)
        return cls.forward(Context(), *args)

    @classmethod
    def _record(cls, args):
        node = Node(cls)
        needs, edges = [], []
        for a in args:
            if isinstance(a, Tensor) and a._requires_grad:
                needs.append(True)
                fn = a.grad_fn
                edges.append((fn, a._output_nr) if fn is not None else a)
            else:
                needs.append(False)
                edges.append(None)
        node.needs_input_grad = needs
        node.next = edges
        out = cls.forward(node, *args)
        if isinstance(out, tuple):
            node.n_outputs = len(out)
            node.out_meta = [(o.shape, o.dtype, o.device) for o in out]
            for i, o in enumerate(out):
                if o.is_floating_point():
                    o._requires_grad = True
                    o.grad_fn = node
                    o._output_nr = i
        else:
            if out.is_floating_point():
                out._requires_grad = True
                out.grad_fn = node
        return out
