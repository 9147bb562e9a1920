"""``Function``: one class per differentiable op, forward and backward side by side.

``Function.apply`` runs ``forward`` on the kernels; when grad mode is on and an input requires
grad it records a ``Node`` (which is also the ``ctx`` that forward and backward see) on the
outputs' ``grad_fn``, for the engine to walk later. Without recording, a Function with a
``kernel`` (the ``_C`` function taking the same arguments) calls it directly: eager ops pay
for no bookkeeping. ``apply`` itself is C (csrc/bindings/autograd.cpp), made for each subclass
when it is defined: it is the hot path of every eager op."""
from __future__ import annotations

from .. import _C

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
        self._versions = _C._versions(tensors)

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

    ``fn`` is the Function class; ``next[i]`` is ``(node, output_nr)`` for an input produced by
    another op, the input tensor itself for a leaf that requires grad, or None. Made by
    ``Function.apply``, which sets ``fn``, ``needs_input_grad`` and ``next``."""

    retained = None  # {output_nr: weakref to a non-leaf tensor that retains grad}
    out_meta = None  # multi-output nodes: (shape, dtype, device) of each output
    n_outputs = 1

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

    # apply(*args): set on each subclass by __init_subclass__ (csrc/bindings/autograd.cpp):
    # with grad mode on and an input that requires grad, a Node is made (edges to the inputs,
    # needs_input_grad), forward(node, *args) runs and the floating outputs get the node as
    # grad_fn (and their index as _output_nr when forward returns a tuple); otherwise
    # kernel(*args), or forward(Context(), *args) for a Function without a kernel.

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        cls.apply = _C._function_apply(cls, cls.kernel, cls.forward)


_C._autograd_types(Node, Context)
