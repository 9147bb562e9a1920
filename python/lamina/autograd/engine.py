"""The backward pass: an iterative topological walk of the tape (no recursion, so a chain of
any length works), gradients summed per node output, leaves accumulating into ``.grad``.

Two hooks for code that must act during the pass (data-parallel gradient averaging):

- ``Tensor.register_post_accumulate_grad_hook(hook)``: ``hook(leaf)`` runs once per pass, when
  the last gradient that this pass sends to ``leaf`` has been added to ``leaf.grad``;
- ``queue_callback(fn)``: from inside a pass (e.g. from such a hook), ``fn()`` runs once the
  walk has finished, before ``backward()`` returns."""
from __future__ import annotations

import sys as _sys

from .. import _C
from .function import Node
from .grad_mode import no_grad

# callbacks queued by the passes running now (a list per pass: a hook may start another pass)
_pending_callbacks = []


def queue_callback(fn):
    """Run ``fn()`` when the backward pass that is running now has finished its walk."""
    if not _pending_callbacks:
        raise RuntimeError("[queue_callback] can only be called during a backward pass")
    _pending_callbacks[-1].append(fn)


# References to a gradient that nothing else holds, as _accumulate sees it when called from the
# walk below: the backward's result tuple, zip's reused result tuple, the loop variable, the
# argument, and getrefcount's own. One more (a caller's variable, a saved tensor, the same
# gradient returned for two inputs) and the gradient is copied instead.
_STEAL_REFS = 5


def _accumulate(leaf, g):
    if g.shape != leaf.shape:
        raise RuntimeError(f"[backward] gradient of shape {g.shape} for a leaf of shape {leaf.shape}")
    if g.dtype != leaf.dtype:
        g = _C.cast(g, leaf.dtype)
    if leaf.grad is not None:
        leaf.grad = _C.add(leaf.grad, g)
    elif g._sole_owner and _sys.getrefcount(g) <= _STEAL_REFS:
        # nothing else holds this gradient or its memory (torch's rule): keep it as .grad
        leaf.grad = g
    else:
        # the grad may alias other buffers of the pass or the caller's: store a private copy
        leaf.grad = _C.clone(g)


def _fire(leaf):
    for hook in list(leaf._post_acc_hooks.values()):
        hook(leaf)


def run_backward(roots, grads, retain_graph=False):
    """Backpropagate ``grads`` from ``roots`` (tensors) into every leaf that requires grad."""
    callbacks = []
    _pending_callbacks.append(callbacks)
    try:
        _walk(roots, grads, retain_graph)
        # callbacks may queue more callbacks: run until none is left
        while callbacks:
            callbacks.pop(0)()
    finally:
        _pending_callbacks.pop()


def _walk(roots, grads, retain_graph):
    with no_grad():
        # 1. count, for every reachable node, the edges that point at it
        deps = {}
        hooked = {}  # id(leaf) -> [edges from this pass still to come, got a gradient]
        stack = []
        for r in roots:
            if r.grad_fn is not None and r.grad_fn not in deps:
                deps[r.grad_fn] = 0
                stack.append(r.grad_fn)
        while stack:
            node = stack.pop()
            for edge in node.next:
                if type(edge) is tuple and edge[0] is not None:
                    nxt = edge[0]
                    if nxt in deps:
                        deps[nxt] += 1
                    else:
                        deps[nxt] = 1
                        stack.append(nxt)
                elif edge is not None and type(edge) is not tuple and edge._post_acc_hooks:
                    h = hooked.get(id(edge))
                    if h is None:
                        hooked[id(edge)] = [1, False]
                    else:
                        h[0] += 1
        # 2. seed the buffers with the root gradients
        buffers = {}
        for r, g in zip(roots, grads):
            if r.grad_fn is None:
                _accumulate(r, g)
                if r._post_acc_hooks:
                    if id(r) in hooked:  # also reached through the graph: fire after that
                        hooked[id(r)][1] = True
                    else:
                        _fire(r)
                continue
            buf = buffers.setdefault(r.grad_fn, [None] * r.grad_fn.n_outputs)
            i = r._output_nr
            buf[i] = g if buf[i] is None else _C.add(buf[i], g)
        # 3. walk: a node runs once every consumer has sent its gradient (or None)
        ready = [n for n in buffers if deps[n] == 0]
        while ready:
            node = ready.pop()
            buf = buffers.pop(node, None)
            if buf is None:  # nothing reached this node: its inputs get nothing from it
                grads_in = (None,) * len(node.next)
            else:
                grads_in = _run_node(node, buf, retain_graph)
            for edge, g in zip(node.next, grads_in):
                if edge is None:
                    continue
                if type(edge) is tuple:
                    nxt, i = edge
                    if g is not None:
                        nbuf = buffers.get(nxt)
                        if nbuf is None:
                            nbuf = buffers[nxt] = [None] * nxt.n_outputs
                        nbuf[i] = g if nbuf[i] is None else _C.add(nbuf[i], g)
                    deps[nxt] -= 1
                    if deps[nxt] == 0:
                        ready.append(nxt)
                else:
                    if g is not None:
                        _accumulate(edge, g)
                    h = hooked.get(id(edge)) if hooked else None
                    if h is not None:
                        h[0] -= 1
                        h[1] = h[1] or g is not None
                        if h[0] == 0 and h[1]:
                            _fire(edge)


def _run_node(node: Node, buf, retain_graph):
    if node._freed:
        node.saved_tensors  # raises the "second time" error
    if node.retained:
        for i, ref in node.retained.items():
            t = ref()
            if t is not None and buf[i] is not None:
                t.grad = _C.clone(buf[i]) if t.grad is None else _C.add(t.grad, buf[i])
    if node.out_meta is not None and None in buf:  # unused outputs send zeros, like torch
        buf = [_C.full(list(m[0]), 0.0, m[1], m[2]) if g is None and m[1].is_floating_point
               else g for g, m in zip(buf, node.out_meta)]
    grads_in = node.fn.backward(node, *buf)
    if not isinstance(grads_in, tuple):
        grads_in = (grads_in,)
    if len(grads_in) < len(node.next):
        grads_in = grads_in + (None,) * (len(node.next) - len(grads_in))
    if not retain_graph:
        node._free()
    return grads_in
