"""``mx.autograd``: MXNet's recording and training scopes over lamina's tape.

MXNet records only inside ``record()``, and operators behave as in training (Dropout drops,
BatchNorm uses batch statistics) only when ``is_training()``: inside ``record()`` (its
``train_mode=True`` default) or ``train_mode()``. Outside, nothing is recorded even for
arrays with ``attach_grad()``. Both flags are per thread."""
from __future__ import annotations

import threading

from .. import _C
from ..autograd.engine import run_backward
from ..autograd.grad_mode import _state as _grad_state

__all__ = ["record", "pause", "train_mode", "predict_mode", "is_recording", "is_training",
           "set_recording", "set_training", "backward", "backward_tensors"]


class _State(threading.local):
    recording = False
    training = False


_st = _State()


def is_recording():
    return _st.recording


def is_training():
    return _st.training


def set_recording(is_recording):
    prev, _st.recording = _st.recording, bool(is_recording)
    return prev


def set_training(train_mode):
    prev, _st.training = _st.training, bool(train_mode)
    return prev


class _Scope:
    def __init__(self, recording, training):
        self._want = (recording, training)

    def __enter__(self):
        rec, train = self._want
        self._prev = (_st.recording, _st.training, _grad_state.enabled)
        if rec is not None:
            _st.recording = rec
            _grad_state.enabled = rec  # lamina's tape records exactly inside record()
        if train is not None:
            _st.training = train
        return self

    def __exit__(self, *exc):
        _st.recording, _st.training, _grad_state.enabled = self._prev
        return False


def record(train_mode=True):
    """Record operations for ``backward``; ``train_mode`` sets is_training() inside."""
    return _Scope(True, bool(train_mode))


def pause(train_mode=False):
    """Stop recording inside a ``record()`` block; ``train_mode`` sets is_training()."""
    return _Scope(False, bool(train_mode))


def train_mode():
    return _Scope(None, True)


def predict_mode():
    return _Scope(None, False)


def backward(heads, head_grads=None, retain_graph=False, train_mode=True):
    """Backpropagate from a list of NDArrays (see NDArray.backward)."""
    from .ndarray import _backward
    if not isinstance(heads, (list, tuple)):
        heads = [heads]
    if head_grads is not None and not isinstance(head_grads, (list, tuple)):
        head_grads = [head_grads]
    _backward(list(heads), head_grads, retain_graph)


def _collect_leaves(roots):
    """The leaf tensors (variables) the tape of ``roots`` reaches."""
    leaves, seen, stack = {}, set(), []
    for r in roots:
        if r.grad_fn is None:
            if r.requires_grad:
                leaves[id(r)] = r
        elif id(r.grad_fn) not in seen:
            seen.add(id(r.grad_fn))
            stack.append(r.grad_fn)
    while stack:
        node = stack.pop()
        for e in node.next:
            if e is None:
                continue
            if type(e) is tuple:
                n = e[0]
                if n is not None and id(n) not in seen:
                    seen.add(id(n))
                    stack.append(n)
            else:
                leaves[id(e)] = e
    return list(leaves.values())


def backward_tensors(roots, grads, retain_graph=False):
    """Backpropagate into the variables ``roots`` reach, with MXNet's grad_req: 'write'
    variables (the default) get this pass's gradient, zeros when none flowed to them; 'add'
    variables accumulate."""
    leaves = _collect_leaves(roots)
    write = [t for t in leaves if getattr(t, "_mx_req", "write") == "write"]
    for t in write:
        t.grad = None
    run_backward(roots, grads, retain_graph=retain_graph)
    for t in write:
        if t.grad is None:
            t.grad = _C.full(list(t.shape), 0.0, t.dtype, t.device)
