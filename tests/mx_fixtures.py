"""Load the MXNet 1.9.1 fixtures (tests/fixtures/mxnet/*.npz, written by
tools/mxnet_fixtures.py) and replay an operator case through lamina.mx.nd."""
from __future__ import annotations

import json
import os

import numpy as np

import lamina.mx as mx

DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fixtures", "mxnet")


def load(name):
    with np.load(os.path.join(DIR, name)) as z:
        return {k: z[k] for k in z.files}


def cases(name):
    """(case name, {field: array}, meta) for every case in one operator file."""
    data = load(name)
    out = []
    for key in sorted(k for k in data if k.endswith("/params")):
        case = key[:-len("/params")]
        fields = {k[len(case) + 1:]: v for k, v in data.items() if k.startswith(case + "/")}
        out.append((case, fields, json.loads(str(data[key]))))
    return out


def replay(fields, meta, ctx=None):
    """Run the case's operator as the fixture did: inputs with attach_grad, inside
    record(train_mode), backward with the stored head gradient. Returns (out, grads, aux,
    inputs after)."""
    ctx = ctx or mx.cpu()
    ins = {k: mx.nd.array(fields[f"in/{k}"], ctx=ctx) for k in meta["inputs"]}
    aux = {k: mx.nd.array(fields[f"aux/{k}"], ctx=ctx) for k in meta["aux"]}
    attach = meta.get("attach") or meta["inputs"]
    for k in attach:
        ins[k].attach_grad()
    with mx.autograd.record(train_mode=meta["train"]):
        y = getattr(mx.nd, meta["op"])(**ins, **aux, **meta["params"])
    if meta["backward"]:
        y.backward(mx.nd.array(fields["head"], ctx=ctx))
    grads = {k: ins[k].grad.asnumpy() for k in attach} if meta["backward"] else {}
    return (y.asnumpy(), grads, {k: a.asnumpy() for k, a in aux.items()},
            {k: a.asnumpy() for k, a in ins.items()})


def assert_close(name, got, want, rtol=1e-4, atol=1e-5):
    assert got.shape == want.shape, f"{name}: shape {got.shape} != MXNet's {want.shape}"
    np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, err_msg=name)
