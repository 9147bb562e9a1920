"""The MXNet dialect's cost: the same train step written in ``lamina.mx`` and in torch-style
``lamina.nn``, on the same kernels (lamina only; compare the pairs of rows: the target is the
mx row within 5% of its nn row).

- MLP 784-256-128-10, batch 64, SGD momentum 0.9: ``mx.nd`` + ``mx.autograd`` with MXNet's
  SGD vs ``nn.Sequential`` + ``F.cross_entropy`` + ``optim.SGD``.
- CNN 2 x (conv3x3-BN-relu-maxpool) + FC on (32, 3, 32, 32): ``mx.mod.Module``
  (forward_backward + update) vs the same layers in ``lamina.nn``.
Both sides of a pair start from the same weights, inputs and labels and do the same math, so
they follow the same trajectory over the timed steps (values matter: a run that drifts into
denormal gradients is slower, whatever the front end)."""
from __future__ import annotations

import numpy as np

from .backends import NotApplicable
from .suites import Case, _shape


def _lib(be):
    if be.name != "lamina":
        raise NotApplicable("lamina.mx is lamina's own dialect")
    return be._mod()


def _weights(shapes):
    """The same initial weights for both sides: U(-1/sqrt(fan_in), +) (torch's bound),
    biases 0, gammas 1, betas 0."""
    rng = np.random.default_rng(0)
    out = []
    for kind, shape in shapes:
        if kind == "w":
            fan_in = int(np.prod(shape[1:]))
            out.append(rng.uniform(-fan_in ** -0.5, fan_in ** -0.5, shape).astype(np.float32))
        else:
            out.append(np.full(shape, 1.0 if kind == "g" else 0.0, np.float32))
    return out


def _data(shape, classes):
    rng = np.random.default_rng(1)
    return (rng.standard_normal(shape).astype(np.float32),
            rng.integers(0, classes, shape[0]))


def _load(L, module, arrays):
    with L.no_grad():
        for p, a in zip(module.parameters(), arrays):
            p.copy_(L.from_numpy(a).to(p.device))


def _mlp_shapes(quick):
    _, (d, h1, h2, k) = _mlp_sizes(quick)
    return [("w", (h1, d)), ("b", (h1,)), ("w", (h2, h1)), ("b", (h2,)), ("w", (k, h2)),
            ("b", (k,))]


def _mlp_sizes(quick):
    return (8, (32, 16, 16, 10)) if quick else (64, (784, 256, 128, 10))


def mlp_nn(quick):
    def build(be):
        L = _lib(be)
        batch, (d, h1, h2, k) = _mlp_sizes(quick)
        nn = L.nn
        model = nn.Sequential(nn.Linear(d, h1), nn.ReLU(), nn.Linear(h1, h2), nn.ReLU(),
                              nn.Linear(h2, k)).to(be.device)
        _load(L, model, _weights(_mlp_shapes(quick)))
        opt = L.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xn, yn = _data((batch, d), k)
        x = L.from_numpy(xn).to(be.device)
        y = L.from_numpy(yn).to(be.device)

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return step
    return build


def mlp_mx(quick):
    def build(be):
        _lib(be)
        import lamina.mx as mx
        ctx = mx.gpu(0) if be.device.startswith("cuda") else mx.cpu()
        batch, (d, h1, h2, k) = _mlp_sizes(quick)
        params = [mx.nd.array(a, ctx=ctx) for a in _weights(_mlp_shapes(quick))]
        for p in params:
            p.attach_grad()
        opt = mx.optimizer.SGD(learning_rate=0.01, momentum=0.9, rescale_grad=1.0 / batch)
        states = [opt.create_state(i, p) for i, p in enumerate(params)]
        xn, yn = _data((batch, d), k)
        x, y = mx.nd.array(xn, ctx=ctx), mx.nd.array(yn, ctx=ctx)
        w1, b1, w2, b2, w3, b3 = params

        def step():
            with mx.autograd.record():
                h = mx.nd.Activation(mx.nd.FullyConnected(x, w1, b1, num_hidden=h1), "relu")
                h = mx.nd.Activation(mx.nd.FullyConnected(h, w2, b2, num_hidden=h2), "relu")
                out = mx.nd.SoftmaxOutput(mx.nd.FullyConnected(h, w3, b3, num_hidden=k), y)
            out.backward()
            for i, p in enumerate(params):
                opt.update(i, p, p.grad, states[i])
        return step
    return build


def _cnn_sizes(quick):
    return (4, 8, (8, 16)) if quick else (32, 32, (32, 64))


def _cnn_shapes(quick):
    _, size, (c1, c2) = _cnn_sizes(quick)
    return [("w", (c1, 3, 3, 3)), ("b", (c1,)), ("g", (c1,)), ("b", (c1,)),
            ("w", (c2, c1, 3, 3)), ("b", (c2,)), ("g", (c2,)), ("b", (c2,)),
            ("w", (10, c2 * (size // 4) ** 2)), ("b", (10,))]


_CNN_NAMES = ["conv0_weight", "conv0_bias", "bn0_gamma", "bn0_beta", "conv1_weight",
              "conv1_bias", "bn1_gamma", "bn1_beta", "fc_weight", "fc_bias"]


def cnn_nn(quick):
    def build(be):
        L = _lib(be)
        batch, size, (c1, c2) = _cnn_sizes(quick)
        nn = L.nn
        model = nn.Sequential(
            nn.Conv2d(3, c1, 3, padding=1), nn.BatchNorm2d(c1, eps=1e-3), nn.ReLU(),
            nn.MaxPool2d(2, 2),
            nn.Conv2d(c1, c2, 3, padding=1), nn.BatchNorm2d(c2, eps=1e-3), nn.ReLU(),
            nn.MaxPool2d(2, 2), nn.Flatten(), nn.Linear(c2 * (size // 4) ** 2, 10),
        ).to(be.device)
        _load(L, model, _weights(_cnn_shapes(quick)))
        opt = L.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        xn, yn = _data((batch, 3, size, size), 10)
        x = L.from_numpy(xn).to(be.device)
        y = L.from_numpy(yn).to(be.device)

        def step():
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x), y)
            loss.backward()
            opt.step()
        return step
    return build


def cnn_mx(quick):
    def build(be):
        _lib(be)
        import lamina.mx as mx
        ctx = mx.gpu(0) if be.device.startswith("cuda") else mx.cpu()
        batch, size, (c1, c2) = _cnn_sizes(quick)
        net = mx.sym.var("data")
        for i, c in enumerate((c1, c2)):
            net = mx.sym.Convolution(net, kernel=(3, 3), pad=(1, 1), num_filter=c,
                                     name=f"conv{i}")
            net = mx.sym.BatchNorm(net, fix_gamma=False, name=f"bn{i}")
            net = mx.sym.Activation(net, act_type="relu")
            net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2), pool_type="max")
        net = mx.sym.FullyConnected(mx.sym.flatten(net), num_hidden=10, name="fc")
        net = mx.sym.SoftmaxOutput(net, name="softmax")
        x, y = _data((batch, 3, size, size), 10)
        it = mx.io.NDArrayIter(x, y.astype(np.float32), batch)
        mod = mx.mod.Module(net, context=ctx)
        mod.bind(it.provide_data, it.provide_label)
        arg = dict(zip(_CNN_NAMES, (mx.nd.array(a) for a in _weights(_cnn_shapes(quick)))))
        aux = {f"bn{i}_moving_{s}": (mx.nd.zeros(c) if s == "mean" else mx.nd.ones(c))
               for i, c in enumerate((c1, c2)) for s in ("mean", "var")}
        mod.init_params(arg_params=arg, aux_params=aux)
        mod.init_optimizer(optimizer="sgd", optimizer_params={"learning_rate": 0.01,
                                                              "momentum": 0.9})
        batch_ = next(iter(it))
        batch_.data = [d.as_in_context(ctx) for d in batch_.data]
        batch_.label = [lb.as_in_context(ctx) for lb in batch_.label]

        def step():
            mod.forward_backward(batch_)
            mod.update()
        return step
    return build


def mx_dialect(quick: bool = False):
    b, (d, *_rest) = _mlp_sizes(quick)
    cb, size, _ = _cnn_sizes(quick)
    return [
        Case("mlp train step lamina.nn", _shape(b, d), "us", None, mlp_nn(quick), peers=(),
             note="784-256-128-10, SGD momentum"),
        Case("mlp train step lamina.mx nd", _shape(b, d), "us", None, mlp_mx(quick), peers=(),
             note="mx.nd + mx.autograd + mx.optimizer.SGD; compare with the lamina.nn row"),
        Case("cnn train step lamina.nn", _shape(cb, 3, size, size), "us", None, cnn_nn(quick),
             peers=(), note="2 x (conv3x3-bn-relu-maxpool) + linear, SGD momentum"),
        Case("cnn train step lamina.mx Module", _shape(cb, 3, size, size), "us", None,
             cnn_mx(quick), peers=(),
             note="mx.mod.Module forward_backward + update; compare with the lamina.nn row"),
    ]
