"""Record MXNet 1.9.1's outputs and gradients as .npz fixtures for tests/test_mx_*.py.

Run with the interpreter of a virtual environment holding MXNet (not lamina's):

    python3 -m venv VENV && VENV/bin/pip install "numpy<1.24" mxnet==1.9.1
    VENV/bin/python tools/mxnet_fixtures.py [OUTDIR]     # default tests/fixtures/mxnet

Each operator file (fc.npz, activation.npz, ...) holds cases; case ``c`` stores
``c/params`` (JSON: the operator's parameters, the input names, train mode, whether backward
ran), ``c/in/<name>`` (inputs, learnable arguments and the label), ``c/aux/<name>`` (auxiliary
states before) and ``c/aux_after/<name>``, ``c/head`` (the head gradient), ``c/out`` and
``c/grad/<name>``. module.npz holds one Module.fit trajectory; symbols.npz the argument names
and inferred shapes of two graphs. Inputs are drawn from a generator seeded by the case name."""
from __future__ import annotations

import json
import os
import sys
import zlib

import mxnet as mx
import numpy as np

OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures", "mxnet")


def rng_for(name):
    return np.random.default_rng(zlib.crc32(name.encode()))


def randn(rng, *shape, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(np.float32)


def run(store, case, op, params, inputs, aux=(), train=True, backward=True, attach=None):
    """inputs / aux: lists of (name, array). Runs the op on NDArrays inside
    record(train_mode=train), then backward with a random head gradient."""
    rng = rng_for(case + "/head")
    nds = {k: mx.nd.array(v) for k, v in inputs}
    auxs = {k: mx.nd.array(v) for k, v in aux}
    for k, a in nds.items():
        if attach is None or k in attach:
            a.attach_grad()
    with mx.autograd.record(train_mode=train):
        y = getattr(mx.nd, op)(**nds, **auxs, **params)
    head = randn(rng, *y.shape)
    if backward:
        y.backward(mx.nd.array(head))
    meta = dict(op=op, params=params, inputs=[k for k, _ in inputs], aux=[k for k, _ in aux],
                train=train, backward=backward, attach=attach)
    store[f"{case}/params"] = np.array(json.dumps(meta))
    for k, v in inputs:
        store[f"{case}/in/{k}"] = v
        store[f"{case}/in_after/{k}"] = nds[k].asnumpy()
    for k, v in aux:
        store[f"{case}/aux/{k}"] = v
        store[f"{case}/aux_after/{k}"] = auxs[k].asnumpy()
    store[f"{case}/head"] = head
    store[f"{case}/out"] = y.asnumpy()
    if backward:
        for k, a in nds.items():
            if a.grad is not None:
                store[f"{case}/grad/{k}"] = a.grad.asnumpy()


def save(name, store):
    path = os.path.join(OUT, name)
    np.savez_compressed(path, **store)
    print(f"{path}: {len([k for k in store if k.endswith('/params')])} cases")


def fully_connected():
    s = {}
    for case, shape, params in [
        ("basic", (7, 5), dict(num_hidden=3)),
        ("batch1_no_bias", (1, 5), dict(num_hidden=4, no_bias=True)),
        ("flatten", (7, 3, 2, 3), dict(num_hidden=5)),
        ("no_flatten", (7, 3, 5), dict(num_hidden=4, flatten=False)),
    ]:
        r = rng_for(case)
        k = int(np.prod(shape[1:])) if params.get("flatten", True) else shape[-1]
        ins = [("data", randn(r, *shape)), ("weight", randn(r, params["num_hidden"], k))]
        if not params.get("no_bias"):
            ins.append(("bias", randn(r, params["num_hidden"])))
        run(s, case, "FullyConnected", params, ins)
    save("fully_connected.npz", s)


def activation():
    s = {}
    for act in ("relu", "sigmoid", "tanh", "softrelu", "softsign"):
        r = rng_for(act)
        run(s, act, "Activation", dict(act_type=act), [("data", randn(r, 7, 3, 5, scale=3.0))])
        run(s, act + "_batch1", "Activation", dict(act_type=act),
            [("data", randn(r, 1, 9, scale=3.0))], train=False)
    save("activation.npz", s)


def dropout():
    s = {}
    r = rng_for("dropout")
    run(s, "train", "Dropout", dict(p=0.5), [("data", randn(r, 7, 33, 9))])
    run(s, "train_p02", "Dropout", dict(p=0.2), [("data", randn(r, 7, 33, 9))])
    run(s, "infer", "Dropout", dict(p=0.3), [("data", randn(r, 7, 5))], train=False)
    run(s, "always_infer", "Dropout", dict(p=0.25, mode="always"),
        [("data", randn(r, 7, 33, 9))], train=False)
    save("dropout.npz", s)


def convolution():
    s = {}
    for case, shape, params in [
        ("basic", (7, 3, 9, 11), dict(kernel=(3, 3), num_filter=4)),
        ("stride_pad", (1, 2, 7, 9), dict(kernel=(3, 5), stride=(2, 3), pad=(1, 2),
                                          num_filter=3)),
        ("dilate_group_no_bias", (7, 4, 11, 9), dict(kernel=(3, 3), dilate=(2, 1),
                                                     num_group=2, num_filter=6, no_bias=True)),
        ("depthwise", (1, 3, 7, 7), dict(kernel=(3, 3), pad=(1, 1), num_group=3,
                                         num_filter=3)),
        ("one_by_one", (7, 5, 3, 5), dict(kernel=(1, 1), num_filter=2)),
    ]:
        r = rng_for(case)
        g = params.get("num_group", 1)
        ins = [("data", randn(r, *shape)),
               ("weight", randn(r, params["num_filter"], shape[1] // g, *params["kernel"]))]
        if not params.get("no_bias"):
            ins.append(("bias", randn(r, params["num_filter"])))
        run(s, case, "Convolution", params, ins)
    save("convolution.npz", s)


def pooling():
    s = {}
    for case, shape, params in [
        ("max_valid", (7, 3, 9, 11), dict(kernel=(3, 3), stride=(2, 2))),
        ("max_default_stride", (1, 2, 7, 5), dict(kernel=(2, 2))),
        ("max_full_pad", (1, 2, 8, 10), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                             pooling_convention="full")),
        ("avg_full_pad_incl", (7, 2, 9, 11), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                                  pool_type="avg", pooling_convention="full")),
        ("avg_full_pad_excl", (7, 2, 9, 11), dict(kernel=(3, 3), stride=(2, 2), pad=(1, 1),
                                                  pool_type="avg", pooling_convention="full",
                                                  count_include_pad=False)),
        ("avg_valid", (1, 3, 7, 9), dict(kernel=(2, 3), stride=(2, 2), pool_type="avg")),
        ("sum", (7, 2, 7, 9), dict(kernel=(2, 3), stride=(2, 2), pool_type="sum")),
        ("avg_full_overhang_incl", (1, 2, 7, 7), dict(kernel=(2, 2), stride=(2, 2),
                                                      pool_type="avg",
                                                      pooling_convention="full")),
        ("avg_full_overhang_excl", (7, 1, 7, 8), dict(kernel=(2, 3), stride=(2, 2),
                                                      pool_type="avg", count_include_pad=False,
                                                      pooling_convention="full")),
        ("max_full_overhang", (7, 1, 7, 8), dict(kernel=(2, 3), stride=(2, 2),
                                                 pooling_convention="full")),
        ("global_max", (7, 3, 5, 7), dict(global_pool=True)),
        ("global_avg", (7, 3, 5, 7), dict(global_pool=True, pool_type="avg")),
        ("global_sum", (1, 3, 5, 7), dict(global_pool=True, pool_type="sum", kernel=(1, 1))),
    ]:
        run(s, case, "Pooling", params, [("data", randn(rng_for(case), *shape))])
    save("pooling.npz", s)


def batchnorm():
    s = {}
    for case, shape, params, train, backward, attach in [
        ("train_fix_gamma", (7, 3, 5, 5), dict(), True, True, None),
        ("train_gamma", (7, 4, 3, 5), dict(fix_gamma=False, eps=1e-5, momentum=0.8), True,
         True, None),
        ("fix_gamma_unattached", (7, 2, 3, 3), dict(), True, True, ("data", "beta")),
        ("infer", (7, 3, 5, 5), dict(fix_gamma=False), False, True, None),
        ("infer_fix_gamma", (1, 3, 5, 7), dict(), False, True, None),
        ("global_stats", (7, 3, 5, 5), dict(fix_gamma=False, use_global_stats=True), True,
         True, None),
        ("two_dim", (7, 6), dict(fix_gamma=False), True, True, None),
        ("batch1", (1, 3, 5, 7), dict(fix_gamma=False), True, True, None),
        ("forward_only", (7, 3, 5, 5), dict(fix_gamma=False), True, False, None),
    ]:
        r = rng_for(case)
        c = shape[1]
        ins = [("data", randn(r, *shape, scale=2.0) + 1.0), ("gamma", randn(r, c) + 1.5),
               ("beta", randn(r, c))]
        aux = [("moving_mean", randn(r, c, scale=0.3)),
               ("moving_var", (r.random(c) + 0.5).astype(np.float32))]
        run(s, case, "BatchNorm", params, ins, aux, train=train, backward=backward,
            attach=attach)
    save("batchnorm.npz", s)


def softmax_output():
    s = {}
    for case, shape, lshape, params in [
        ("basic", (7, 5), (7,), dict()),
        ("batch1", (1, 5), (1,), dict()),
        ("batch_scale", (7, 5), (7,), dict(normalization="batch", grad_scale=2.0)),
        ("ignore_null", (7, 5), (7,), dict(use_ignore=True, ignore_label=2)),
        ("ignore_valid", (7, 5), (7,), dict(use_ignore=True, ignore_label=2,
                                            normalization="valid")),
        ("valid_no_ignore", (7, 5), (7,), dict(normalization="valid", grad_scale=0.5)),
        ("three_dim", (7, 2, 3), (7, 2), dict()),
        ("three_dim_batch", (7, 2, 3), (7, 2), dict(normalization="batch")),
        ("multi", (7, 4, 3, 5), (7, 3, 5), dict(multi_output=True)),
        ("multi_batch", (7, 4, 3, 5), (7, 3, 5), dict(multi_output=True,
                                                     normalization="batch")),
        ("multi_valid_ignore", (1, 4, 3, 5), (1, 3, 5), dict(multi_output=True, use_ignore=True,
                                                            ignore_label=1,
                                                            normalization="valid")),
    ]:
        r = rng_for(case)
        c = shape[1] if params.get("multi_output") else shape[-1]
        label = r.integers(0, c, lshape).astype(np.float32)
        run(s, case, "SoftmaxOutput", params,
            [("data", randn(r, *shape, scale=2.0)), ("label", label)])
    save("softmax_output.npz", s)


def mlp_symbol(mx):
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc1")
    bn1 = mx.sym.BatchNorm(data=fc1, fix_gamma=False, name="bn1")
    act1 = mx.sym.Activation(data=bn1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def symbols():
    s = {}
    with mx.name.NameManager():
        data = mx.sym.var("data")
        net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, pad=(1, 1))
        net = mx.sym.BatchNorm(net)
        net = mx.sym.Activation(net, act_type="relu")
        net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2))
        net = mx.sym.Dropout(net, p=0.3)
        net = mx.sym.Flatten(net)
        net = mx.sym.FullyConnected(net, num_hidden=10)
        net = mx.sym.FullyConnected(net, num_hidden=5, name="fc_named")
        net = mx.sym.SoftmaxOutput(net)
        a, o, x = net.infer_shape(data=(7, 3, 9, 9))
        s["cnn"] = np.array(json.dumps(dict(
            arguments=net.list_arguments(), outputs=net.list_outputs(),
            aux=net.list_auxiliary_states(), data_shape=[7, 3, 9, 9], arg_shapes=a,
            out_shapes=o, aux_shapes=x)))
    save("symbols.npz", s)


def plain_mlp_symbol(mx):
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc1")
    act1 = mx.sym.Activation(data=fc1, act_type="softrelu", name="act1")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def cnn_symbol(mx):
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data=data, kernel=(3, 3), pad=(1, 1), num_filter=4, name="conv1")
    net = mx.sym.BatchNorm(data=net, name="bn1")  # fix_gamma=True, MXNet's default
    net = mx.sym.Activation(data=net, act_type="tanh", name="tanh1")
    net = mx.sym.Pooling(data=net, kernel=(2, 2), stride=(2, 2), pool_type="avg",
                         pooling_convention="full", name="pool1")
    net = mx.sym.Flatten(data=net)
    net = mx.sym.FullyConnected(data=net, num_hidden=3, name="fc1")
    return mx.sym.SoftmaxOutput(data=net, name="softmax", normalization="batch")


def module_fit(file, build, shape, n, batch, epochs, opt, last_batch="pad", optimizer="sgd"):
    """One Module.fit trajectory: fixed initial parameters, params after every epoch, the
    train accuracy per epoch, then predict and score."""
    r = rng_for(file)
    classes = 3
    centers = randn(r, classes, *shape, scale=1.5)
    y = r.integers(0, classes, n)
    x = (centers[y] + randn(r, n, *shape)).astype(np.float32)
    net = build(mx)
    it = mx.io.NDArrayIter(x, y.astype(np.float32), batch, shuffle=False,
                           last_batch_handle=last_batch)
    mod = mx.mod.Module(net, data_names=("data",), label_names=("softmax_label",),
                        context=mx.cpu())
    arg_shapes, _, aux_shapes = net.infer_shape(data=(batch,) + tuple(shape))
    init = {}
    for name, s in zip(net.list_arguments(), arg_shapes):
        if name not in ("data", "softmax_label"):
            init[name] = (r.uniform(-0.3, 0.3, s) + (1.0 if name.endswith("gamma") else 0)
                          ).astype(np.float32)
    aux = {name: (r.uniform(-0.2, 0.2, s) + (1.0 if name.endswith("var") else 0)
                  ).astype(np.float32) for name, s in zip(net.list_auxiliary_states(),
                                                          aux_shapes)}
    st = {"x": x, "y": y.astype(np.float32)}
    for k, v in list(init.items()) + list(aux.items()):
        st[f"init/{k}"] = v
    metric = mx.metric.Accuracy()
    accs = []

    def on_epoch(epoch, sym, arg, auxp):
        for k, v in list(arg.items()) + list(auxp.items()):
            st[f"epoch{epoch}/{k}"] = v.asnumpy()
        accs.append(metric.get()[1])

    mod.fit(it, num_epoch=epochs, optimizer=optimizer, optimizer_params=opt, eval_metric=metric,
            arg_params={k: mx.nd.array(v) for k, v in init.items()},
            aux_params={k: mx.nd.array(v) for k, v in aux.items()}, epoch_end_callback=on_epoch)
    st["predict"] = mod.predict(mx.io.NDArrayIter(x, None, batch)).asnumpy()
    st["score"] = np.float32(mod.score(mx.io.NDArrayIter(x, y.astype(np.float32), batch),
                                       "acc")[0][1])
    st["train_acc"] = np.array(accs, np.float32)
    st["meta"] = np.array(json.dumps(dict(batch_size=batch, num_epoch=epochs,
                                          optimizer=optimizer, optimizer_params=opt,
                                          last_batch=last_batch,
                                          arguments=net.list_arguments(),
                                          aux=net.list_auxiliary_states())))
    save(file, st)


def modules():
    module_fit("module.npz", mlp_symbol, (12,), 50, 8, 3,
               dict(learning_rate=0.1, momentum=0.9, wd=0.01))
    module_fit("module_adam.npz", plain_mlp_symbol, (12,), 30, 7, 2,
               dict(learning_rate=0.01, wd=0.001), optimizer="adam")
    module_fit("module_cnn.npz", cnn_symbol, (2, 7, 7), 23, 5, 2,
               dict(learning_rate=0.05, wd=0.001, clip_gradient=0.1), last_batch="discard")


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    mx.random.seed(0)
    np.random.seed(0)
    for f in (fully_connected, activation, dropout, convolution, pooling, batchnorm,
              softmax_output, symbols, modules):
        f()
