"""Helpers of the Keras-dialect tests: build one layer in Keras 3 (torch backend) and in
lamina.keras, copy the weights across with get_weights / set_weights, run both on the same
inputs and compare outputs, input gradients and weight gradients."""
from __future__ import annotations

import os

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import lamina  # noqa: E402

keras = pytest.importorskip("keras")
torch = pytest.importorskip("torch")
if keras.config.backend() != "torch":  # pragma: no cover - another backend was chosen first
    pytest.skip("Keras runs with another backend in this process", allow_module_level=True)

RTOL, ATOL = 1e-5, 1e-5


def _map(fn, x):
    if isinstance(x, (list, tuple)):
        return type(x)(_map(fn, v) for v in x)
    if isinstance(x, dict):
        return {k: _map(fn, v) for k, v in x.items()}
    return fn(x)


def _leaves(x):
    if isinstance(x, (list, tuple)):
        return [leaf for v in x for leaf in _leaves(v)]
    if isinstance(x, dict):
        return [leaf for v in x.values() for leaf in _leaves(v)]
    return [x]


def _np(t):
    if isinstance(t, torch.Tensor):
        return t.detach().cpu().numpy()
    if isinstance(t, lamina.Tensor):
        return t.detach().cpu().numpy()
    return np.asarray(t)


def close(a, b, rtol=RTOL, atol=ATOL, what=""):
    a, b = _np(a), _np(b)
    assert a.shape == b.shape, f"{what}: shape {a.shape} vs Keras {b.shape}"
    np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=what)


def compare_layer(make, args, rng, kwargs=None, direction="keras_to_lamina", training=False,
                  rtol=RTOL, atol=ATOL, grads=True, device="cpu"):
    """``make(ns)`` builds the layer from the namespace ``ns`` (keras or lamina.keras);
    ``args`` are the positional arguments (numpy arrays, or lists of them). Returns
    (keras layer, lamina layer)."""
    from lamina import keras as lk
    kwargs = kwargs or {}
    kl, ll = make(keras), make(lk)

    def t_in(a, grad):
        return torch.tensor(a, requires_grad=grad and a.dtype.kind == "f")

    def l_in(a, grad):
        return lamina.tensor(a, device=device, requires_grad=grad and a.dtype.kind == "f")

    # build both, then copy the weights across (both directions are exercised by callers)
    kl(*_map(lambda a: t_in(a, False), args), **kwargs)
    ll(*_map(lambda a: l_in(a, False), args), **kwargs)
    src, dst = (kl, ll) if direction == "keras_to_lamina" else (ll, kl)
    dst.set_weights(src.get_weights())
    for a, b in zip(ll.get_weights(), kl.get_weights()):
        close(a, b, 0, 0, "weights after set_weights")
    assert [w.shape for w in ll.get_weights()] == [w.shape for w in kl.get_weights()]

    targs = _map(lambda a: t_in(a, grads), args)
    largs = _map(lambda a: l_in(a, grads), args)
    kout = kl(*targs, training=training, **kwargs)
    lout = ll(*largs, training=training, **kwargs)
    kouts, louts = _leaves(kout), _leaves(lout)
    assert len(kouts) == len(louts), f"{len(louts)} outputs, Keras {len(kouts)}"
    for i, (a, b) in enumerate(zip(louts, kouts)):
        close(a, b, rtol, atol, f"output {i}")
    if training:  # moving statistics and other state
        for i, (a, b) in enumerate(zip(ll.get_weights(), kl.get_weights())):
            close(a, b, rtol, atol, f"weight {i} after the training call")
    if not grads:
        return kl, ll
    ws = [rng.standard_normal(tuple(o.shape)).astype(np.float32) for o in kouts]
    sum(( o * torch.tensor(w)).sum() for o, w in zip(kouts, ws)).backward()
    sum((o * lamina.tensor(w, device=device)).sum() for o, w in zip(louts, ws)).backward()
    for i, (a, b) in enumerate(zip(_leaves(largs), _leaves(targs))):
        if b.requires_grad:
            close(a.grad, b.grad, rtol, atol, f"gradient of input {i}")
    kw = [v.value for v in kl.trainable_weights]
    lw = ll.trainable_weights
    assert len(kw) == len(lw)
    for i, (a, b) in enumerate(zip(lw, kw)):
        # a weight gradient sums over the batch and positions: its absolute tolerance
        # scales with its largest entry (float32 summation order differs from torch's)
        scale = max(1.0, float(np.abs(_np(b.grad)).max()))
        close(a.grad, b.grad, rtol, atol * scale, f"gradient of weight {i} ({kl.weights[i].path})")
    return kl, ll
