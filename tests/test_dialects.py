"""The README's network in the three dialects (lamina.nn, lamina.keras, lamina.mx) with one set
of weights gives one answer: the dialects differ in names and layouts, never in arithmetic."""
from __future__ import annotations

import numpy as np

import lamina
import lamina.mx as mx
import lamina.nn as nn
from lamina import keras


def _torch_style(rng):
    net = nn.Sequential(nn.Conv2d(3, 16, 3), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
                        nn.Flatten(), nn.Linear(16 * 15 * 15, 10))
    bn = net[1]
    bn.running_mean.copy_(lamina.tensor(rng.standard_normal(16) * 0.1, dtype=lamina.float32))
    bn.running_var.copy_(lamina.tensor(rng.uniform(0.5, 1.5, 16), dtype=lamina.float32))
    bn.weight.data.copy_(lamina.tensor(rng.uniform(0.5, 1.5, 16), dtype=lamina.float32))
    bn.bias.data.copy_(lamina.tensor(rng.standard_normal(16) * 0.1, dtype=lamina.float32))
    return net.eval()


def test_one_network_three_dialects(rng):
    net = _torch_style(rng)
    conv, bn, fc = net[0], net[1], net[5]
    W, b = conv.weight.detach().numpy(), conv.bias.detach().numpy()
    bnw = [t.detach().numpy() for t in (bn.weight, bn.bias, bn.running_mean, bn.running_var)]
    FW, fb = fc.weight.detach().numpy(), fc.bias.detach().numpy()
    x = rng.standard_normal((4, 3, 32, 32)).astype(np.float32)
    with lamina.no_grad():
        want = net(lamina.tensor(x)).numpy()

    k = keras.Sequential([keras.Input((32, 32, 3)), keras.layers.Conv2D(16, 3),
                          keras.layers.BatchNormalization(epsilon=1e-5),
                          keras.layers.Activation("relu"), keras.layers.MaxPooling2D(),
                          keras.layers.Flatten(), keras.layers.Dense(10)])
    # Keras: kernels (kh, kw, in, out); Flatten runs over (H, W, C), so the dense rows move
    k.layers[0].set_weights([W.transpose(2, 3, 1, 0), b])
    k.layers[1].set_weights(bnw)
    k.layers[5].set_weights([FW.reshape(10, 16, 15, 15).transpose(2, 3, 1, 0).reshape(-1, 10),
                             fb])
    got_keras = k.predict(x.transpose(0, 2, 3, 1), verbose=0)
    np.testing.assert_allclose(got_keras, want, rtol=1e-4, atol=1e-4)

    d = mx.sym.var("data")
    d = mx.sym.Convolution(d, kernel=(3, 3), num_filter=16)
    d = mx.sym.BatchNorm(d, fix_gamma=False, eps=1e-5)
    d = mx.sym.Activation(d, act_type="relu")
    d = mx.sym.Pooling(d, kernel=(2, 2), stride=(2, 2), pool_type="max")
    d = mx.sym.FullyConnected(mx.sym.flatten(d), num_hidden=10)
    m = mx.sym.SoftmaxOutput(d, name="softmax")
    mod = mx.mod.Module(m, context=mx.cpu())
    mod.bind(data_shapes=[("data", x.shape)], label_shapes=[("softmax_label", (4,))],
             for_training=False)
    arr = mx.nd.array
    mod.set_params({"convolution0_weight": arr(W), "convolution0_bias": arr(b),
                    "batchnorm0_gamma": arr(bnw[0]), "batchnorm0_beta": arr(bnw[1]),
                    "fullyconnected0_weight": arr(FW), "fullyconnected0_bias": arr(fb)},
                   {"batchnorm0_moving_mean": arr(bnw[2]), "batchnorm0_moving_var": arr(bnw[3])})
    prob = mod.predict(mx.io.NDArrayIter(x, np.zeros(4, np.float32), 4)).asnumpy()
    e = np.exp(want - want.max(1, keepdims=True))
    np.testing.assert_allclose(prob, e / e.sum(1, keepdims=True), rtol=1e-4, atol=1e-5)
