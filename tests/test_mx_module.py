"""lamina.mx.sym and lamina.mx.mod.Module against MXNet 1.9.1: automatic names and inferred
shapes of a graph, and one Module.fit trajectory (fixed initial parameters, SGD with momentum
and wd, a padded last batch, BatchNorm's moving statistics) epoch by epoch."""
from __future__ import annotations

import json
import logging

import numpy as np
import pytest

import lamina.mx as mx
from mx_fixtures import assert_close, load


def _cnn():
    data = mx.sym.var("data")
    net = mx.sym.Convolution(data, kernel=(3, 3), num_filter=4, pad=(1, 1))
    net = mx.sym.BatchNorm(net)
    net = mx.sym.Activation(net, act_type="relu")
    net = mx.sym.Pooling(net, kernel=(2, 2), stride=(2, 2))
    net = mx.sym.Dropout(net, p=0.3)
    net = mx.sym.Flatten(net)
    net = mx.sym.FullyConnected(net, num_hidden=10)
    net = mx.sym.FullyConnected(net, num_hidden=5, name="fc_named")
    return mx.sym.SoftmaxOutput(net)


def test_symbol_names_and_shapes():
    want = json.loads(str(load("symbols.npz")["cnn"]))
    with mx.name.NameManager():
        net = _cnn()
    assert net.list_arguments() == want["arguments"]
    assert net.list_outputs() == want["outputs"]
    assert net.list_auxiliary_states() == want["aux"]
    a, o, x = net.infer_shape(data=tuple(want["data_shape"]))
    assert [list(s) for s in a] == want["arg_shapes"]
    assert [list(s) for s in o] == want["out_shapes"]
    assert [list(s) for s in x] == want["aux_shapes"]


def test_symbol_errors_name_the_operator():
    with pytest.raises(ValueError, match=r"^\[FullyConnected\]"):
        mx.sym.FullyConnected(mx.sym.var("data"))
    with pytest.raises(ValueError, match=r"^\[Convolution\]"):
        net = mx.sym.Convolution(mx.sym.var("data"), kernel=(3, 3), num_filter=2)
        net.infer_shape(data=(1, 3, 2, 2))


def _mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc1")
    bn1 = mx.sym.BatchNorm(data=fc1, fix_gamma=False, name="bn1")
    act1 = mx.sym.Activation(data=bn1, act_type="relu", name="relu1")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def _plain_mlp():
    data = mx.sym.Variable("data")
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=16, name="fc1")
    act1 = mx.sym.Activation(data=fc1, act_type="softrelu", name="act1")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=3, name="fc2")
    return mx.sym.SoftmaxOutput(data=fc2, name="softmax")


def _cnn_fit():
    data = mx.sym.Variable("data")
    net = mx.sym.Convolution(data=data, kernel=(3, 3), pad=(1, 1), num_filter=4, name="conv1")
    net = mx.sym.BatchNorm(data=net, name="bn1")
    net = mx.sym.Activation(data=net, act_type="tanh", name="tanh1")
    net = mx.sym.Pooling(data=net, kernel=(2, 2), stride=(2, 2), pool_type="avg",
                         pooling_convention="full", name="pool1")
    net = mx.sym.Flatten(data=net)
    net = mx.sym.FullyConnected(data=net, num_hidden=3, name="fc1")
    return mx.sym.SoftmaxOutput(data=net, name="softmax", normalization="batch")


@pytest.mark.parametrize("file,build", [("module.npz", _mlp), ("module_adam.npz", _plain_mlp),
                                        ("module_cnn.npz", _cnn_fit)],
                         ids=["mlp-bn-sgd-momentum-wd-pad", "mlp-adam-wd",
                              "cnn-bn-fixgamma-sgd-clip-discard"])
def test_module_fit_trajectory(file, build):
    f = load(file)
    meta = json.loads(str(f["meta"]))
    with mx.name.NameManager():
        net = build()
    assert net.list_arguments() == meta["arguments"]
    assert net.list_auxiliary_states() == meta["aux"]
    x, y, batch = f["x"], f["y"], meta["batch_size"]
    init = {k[5:]: f[k] for k in f if k.startswith("init/")}
    arg = {k: v for k, v in init.items() if k not in meta["aux"]}
    aux = {k: v for k, v in init.items() if k in meta["aux"]}
    seen, accs = {}, []
    metric = mx.metric.Accuracy()

    def on_epoch(epoch, sym, argp, auxp):
        for k, v in list(argp.items()) + list(auxp.items()):
            seen[f"epoch{epoch}/{k}"] = v.asnumpy()
        accs.append(metric.get()[1])

    mod = mx.mod.Module(net, data_names=("data",), label_names=("softmax_label",),
                        context=mx.cpu())
    it = mx.io.NDArrayIter(x, y, batch, shuffle=False, last_batch_handle=meta["last_batch"])
    mod.fit(it, num_epoch=meta["num_epoch"], optimizer=meta["optimizer"],
            optimizer_params=meta["optimizer_params"], eval_metric=metric,
            arg_params={k: mx.nd.array(v) for k, v in arg.items()},
            aux_params={k: mx.nd.array(v) for k, v in aux.items()}, epoch_end_callback=on_epoch)
    for epoch in range(meta["num_epoch"]):
        for k in init:
            key = f"epoch{epoch}/{k}"
            assert_close(key, seen[key], f[key], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(accs, f["train_acc"], atol=1e-6)
    assert_close("predict", mod.predict(mx.io.NDArrayIter(x, None, batch)).asnumpy(),
                 f["predict"], rtol=1e-4, atol=1e-5)
    acc = mod.score(mx.io.NDArrayIter(x, y, batch), "acc")[0][1]
    assert abs(acc - float(f["score"])) < 1e-6


def test_classic_mlp_script_trains(caplog):
    """The classic MXNet MLP script, with only its import changed."""
    rng = np.random.default_rng(0)
    centers = rng.standard_normal((10, 64)).astype(np.float32) * 2
    labels = rng.integers(0, 10, 3000)  # with 500 samples MXNet itself stays at chance
    images = (centers[labels] + rng.standard_normal((3000, 64))).astype(np.float32)
    batch_size = 50
    train_iter = mx.io.NDArrayIter(images[:2400], labels[:2400], batch_size, shuffle=True)
    val_iter = mx.io.NDArrayIter(images[2400:], labels[2400:], batch_size)

    data = mx.sym.var("data")
    data = mx.sym.flatten(data=data)
    fc1 = mx.sym.FullyConnected(data=data, num_hidden=128)
    act1 = mx.sym.Activation(data=fc1, act_type="relu")
    fc2 = mx.sym.FullyConnected(data=act1, num_hidden=64)
    act2 = mx.sym.Activation(data=fc2, act_type="relu")
    fc3 = mx.sym.FullyConnected(data=act2, num_hidden=10)
    mlp = mx.sym.SoftmaxOutput(data=fc3, name="softmax")

    logging.getLogger().setLevel(logging.INFO)
    mlp_model = mx.mod.Module(symbol=mlp, context=mx.cpu())
    with caplog.at_level(logging.INFO):
        mlp_model.fit(train_iter, eval_data=val_iter, optimizer="sgd",
                      optimizer_params={"learning_rate": 0.1}, eval_metric="acc",
                      batch_end_callback=mx.callback.Speedometer(batch_size, 20), num_epoch=10)
    assert "Validation-accuracy" in caplog.text
    test_iter = mx.io.NDArrayIter(images[2400:], None, batch_size)
    prob = mlp_model.predict(test_iter)
    assert prob.shape == (600, 10)
    acc = mx.metric.Accuracy()
    mlp_model.score(mx.io.NDArrayIter(images[2400:], labels[2400:], batch_size), acc)
    assert acc.get()[1] > 0.9, acc.get()


def test_ndarrayiter_last_batch():
    x = np.arange(10, dtype=np.float32).reshape(10, 1)
    it = mx.io.NDArrayIter(x, np.arange(10), 4)
    batches = list(it)
    assert [b.pad for b in batches] == [0, 0, 2]
    assert batches[-1].data[0].asnumpy().ravel().tolist() == [8, 9, 0, 1]
    assert len(list(mx.io.NDArrayIter(x, None, 4, last_batch_handle="discard"))) == 2
    it = mx.io.NDArrayIter(x, None, 4, last_batch_handle="roll_over")
    assert len(list(it)) == 2
    it.reset()
    first = next(iter(it))
    assert first.data[0].asnumpy().ravel().tolist() == [8, 9, 0, 1] and first.pad == 2


def test_automatic_names_count_per_operator():
    with mx.name.NameManager():
        a = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2)
        b = mx.sym.FullyConnected(a, num_hidden=2)
        c = mx.sym.Activation(b, act_type="relu")
        assert (a.name, b.name, c.name) == ("fullyconnected0", "fullyconnected1", "activation0")
        assert c.list_outputs() == ["activation0_output"]
    with mx.name.Prefix("net_"):
        d = mx.sym.FullyConnected(mx.sym.var("data"), num_hidden=2, no_bias=True)
    assert d.list_arguments() == ["data", "net_fullyconnected0_weight"]
    assert d.infer_shape(data=(7, 3, 2)) == ([(7, 3, 2), (2, 6)], [(7, 2)], [])
    assert d.infer_shape() == (None, None, None)
