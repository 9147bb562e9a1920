"""lamina.keras models against Keras 3: the seed's examples with only the import changed,
functional models with several inputs and outputs, Sequential, subclassed and nested models,
get_weights order, summary, and weights files."""
from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from keras_ref import close, keras  # noqa: F401  (skips without keras)

import lamina
from lamina import keras as lk


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


def _same_model(build, x, rng, rtol=1e-5, atol=1e-5):
    """build(ns) in Keras and lamina, Keras's weights into lamina, compare predict()."""
    km, lm = build(keras), build(lk)
    assert [w.shape for w in lm.get_weights()] == [w.shape for w in km.get_weights()]
    lm.set_weights(km.get_weights())
    kout = km.predict(x, verbose=0)
    lout = lm.predict(x, verbose=0)
    if isinstance(kout, list):
        for a, b in zip(lout, kout):
            close(a, b, rtol, atol)
    else:
        close(lout, kout, rtol, atol)
    return km, lm


# --- the seed's examples: the same code, only the import changed ----------------------------

def seed_dense_cnn(keras):
    inputs = keras.Input(shape=(32, 32, 3))
    x = keras.layers.Conv2D(16, 3, activation="relu")(inputs)
    x = keras.layers.Dense(8, activation="relu")(x)  # Dense on the last axis
    x = keras.layers.Flatten()(x)
    outputs = keras.layers.Dense(10)(x)
    return keras.Model(inputs=inputs, outputs=outputs)


def seed_lstm(keras):
    inputs = keras.Input(shape=(3, 32))
    seq = keras.layers.LSTM(8, return_sequences=True)(inputs)
    last = keras.layers.LSTM(8)(seq)
    return keras.Model(inputs=inputs, outputs=[seq, last])


def test_seed_dense_on_images(rng):
    x = randn(rng, 4, 32, 32, 3)
    inputs = lk.Input(shape=(32, 32, 3))
    dense = lk.layers.Dense(8, activation="relu")
    out = dense(inputs)
    assert out.shape == (None, 32, 32, 8)
    model = lk.Model(inputs=inputs, outputs=out)
    kin = keras.Input(shape=(32, 32, 3))
    kmodel = keras.Model(kin, keras.layers.Dense(8, activation="relu")(kin))
    kmodel.set_weights(model.get_weights())  # lamina's initial weights into Keras this time
    close(model.predict(x, verbose=0), kmodel.predict(x, verbose=0))
    _same_model(seed_dense_cnn, x, rng, rtol=2e-5, atol=2e-5)


def test_seed_lstm(rng):
    km, lm = _same_model(seed_lstm, randn(rng, 4, 3, 32), rng)
    out = lm(lamina.randn(4, 3, 32))
    assert [tuple(o.shape) for o in out] == [(4, 3, 8), (4, 8)]


# --- functional models ----------------------------------------------------------------------

def two_in_two_out(keras):
    a = keras.Input(shape=(7,), name="a")
    b = keras.Input(shape=(5, 4), name="b")
    h = keras.layers.Dense(6, activation="tanh")(a)
    s = keras.layers.LSTM(6)(b)
    j = keras.layers.Concatenate()([h, s])
    j = keras.layers.Add()([j, keras.layers.Dense(12)(j)])
    out1 = keras.layers.Dense(3, activation="softmax", name="cls")(j)
    out2 = keras.layers.Dense(1, name="reg")(keras.layers.LayerNormalization()(j))
    return keras.Model(inputs=[a, b], outputs=[out1, out2])


def test_functional_several_inputs_and_outputs(rng):
    x = [randn(rng, 9, 7), randn(rng, 9, 5, 4)]
    km, lm = _same_model(two_in_two_out, x, rng)
    assert [layer.name for layer in lm.layers][:2] == ["a", "b"]
    assert lm.count_params() == km.count_params()
    by_name = lm({"a": lamina.tensor(x[0]), "b": lamina.tensor(x[1])})
    close(by_name[0], km.predict(x, verbose=0)[0])


def test_nested_sequential_in_functional(rng):
    def build(ns):
        block = ns.Sequential([ns.layers.Dense(9, activation="relu"), ns.layers.Dense(4)])
        inp = ns.Input((6,))
        return ns.Model(inp, ns.layers.Activation("sigmoid")(block(inp)))
    _same_model(build, randn(rng, 5, 6), rng)


def test_sequential_forms(rng):
    x = randn(rng, 7, 9, 11, 3)

    def build(ns):
        model = ns.Sequential([ns.Input((9, 11, 3)), ns.layers.Conv2D(4, 3, padding="same"),
                               ns.layers.BatchNormalization(), ns.layers.Activation("relu"),
                               ns.layers.MaxPooling2D()])
        model.add(ns.layers.GlobalAveragePooling2D())
        model.add(ns.layers.Dense(3))
        return model
    km, lm = _same_model(build, x, rng)
    lazy = lk.Sequential([lk.layers.Dense(4), lk.layers.Dense(2)])
    assert lazy.weights == []
    assert lazy.predict(randn(rng, 3, 5), verbose=0).shape == (3, 2)
    assert [w.shape for w in lazy.get_weights()] == [(5, 4), (4,), (4, 2), (2,)]
    assert lazy.pop().units == 2 and len(lazy.layers) == 1


def test_subclassed_model(rng):
    class Net(lk.Model):
        def __init__(self):
            super().__init__()
            self.d1 = lk.layers.Dense(8, activation="relu")
            self.drop = lk.layers.Dropout(0.5)
            self.d2 = lk.layers.Dense(2)

        def call(self, x, training=False):
            return self.d2(self.drop(self.d1(x), training=training))

    class KNet(keras.Model):
        def __init__(self):
            super().__init__()
            self.d1 = keras.layers.Dense(8, activation="relu")
            self.drop = keras.layers.Dropout(0.5)
            self.d2 = keras.layers.Dense(2)

        def call(self, x, training=False):
            return self.d2(self.drop(self.d1(x), training=training))
    x = randn(rng, 5, 3)
    net, knet = Net(), KNet()
    net(lamina.tensor(x)), knet(x)
    net.set_weights(knet.get_weights())
    close(net.predict(x, verbose=0), knet.predict(x, verbose=0))
    assert [w.shape for w in net.get_weights()] == [(3, 8), (8,), (8, 2), (2,)]
    net.compile("sgd", "mse")
    net.fit(x, randn(rng, 5, 2), epochs=1, verbose=0)


def test_weights_order_matches_keras(rng):
    def build(ns):
        inp = ns.Input((4, 6))
        x = ns.layers.Dense(5)(inp)
        x = ns.layers.BatchNormalization()(x)
        x = ns.layers.MultiHeadAttention(2, 3)(x, x)
        x = ns.layers.LSTM(3)(x)
        return ns.Model(inp, ns.layers.Dense(1)(x))
    km, lm = _same_model(build, randn(rng, 3, 4, 6), rng, rtol=1e-4)
    assert [w.shape for w in lm.weights] == [tuple(w.shape) for w in km.weights]
    assert len(lm.trainable_weights) == len(km.trainable_weights)
    assert len(lm.non_trainable_weights) == len(km.non_trainable_weights) == 2


def test_summary_counts_like_keras(rng):
    lines = []
    lm = two_in_two_out(lk)
    lm.summary(print_fn=lines.append)
    text = "\n".join(lines)
    km = two_in_two_out(keras)
    assert f"Total params: {km.count_params():,}" in text
    for name in ("cls (Dense)", "(None, 3)", "Connected to", "lstm"):
        assert name in text
    seq = lk.Sequential([lk.Input((9,)), lk.layers.Dense(4), lk.layers.BatchNormalization()])
    lines.clear()
    seq.summary(print_fn=lines.append)
    assert any("Non-trainable params: 8" in s for s in lines)
    assert any("(None, 4)" in s for s in lines)


@pytest.mark.parametrize("suffix", [".weights.npz", ".safetensors"])
def test_save_and_load_weights(tmp_path, rng, suffix):
    x = [randn(rng, 4, 7), randn(rng, 4, 5, 4)]
    a, b = two_in_two_out(lk), two_in_two_out(lk)
    path = tmp_path / f"m{suffix}"
    a.save_weights(path)
    b.load_weights(path)
    for u, v in zip(a.predict(x, verbose=0), b.predict(x, verbose=0)):
        np.testing.assert_array_equal(u, v)
    # Keras reads the same arrays in the same order
    k = two_in_two_out(keras)
    k.set_weights(b.get_weights())
    close(k.predict(x, verbose=0)[1], a.predict(x, verbose=0)[1])


def test_model_errors():
    inp = lk.Input((3,))
    m = lk.Model(inp, lk.layers.Dense(2)(inp))
    with pytest.raises(ValueError, match=r"^\[Model\] layer 'functional"):
        m(lamina.randn(2, 4))
    with pytest.raises(ValueError, match=r"^\[Model\]"):
        lk.Model(lk.Input((2,)), lk.layers.Dense(1)(inp))
    with pytest.raises(ValueError, match=r"^\[Sequential\]"):
        lk.Sequential([lk.Input((3,)), lk.layers.Dense(2)])(lamina.randn(2, 5))
    with pytest.raises(RuntimeError, match=r"compiled"):
        m.fit(np.zeros((2, 3), np.float32), np.zeros((2, 2), np.float32))


def test_keras_is_not_imported_by_lamina():
    """lamina.keras runs a whole fit without Keras (or torch) in the process."""
    code = ("import sys, numpy as np, lamina.keras as k; m = k.Sequential([k.Input((3,)), "
            "k.layers.Dense(2)]); m.compile('adam', 'mse'); "
            "m.fit(np.ones((4, 3), 'float32'), np.ones((4, 2), 'float32'), verbose=0); "
            "assert 'keras' not in sys.modules and 'torch' not in sys.modules, sorted(sys.modules)")
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    subprocess.run([sys.executable, "-c", code], check=True, env=env)


def test_encoder_decoder_with_states_and_nested_model(rng):
    def build(ns):
        enc_in, dec_in = ns.Input((5, 4)), ns.Input((3, 6))
        _, h, c = ns.layers.LSTM(7, return_state=True)(enc_in)
        dec = ns.layers.LSTM(7, return_sequences=True)(dec_in, initial_state=[h, c])
        inner = ns.Model([enc_in, dec_in], ns.layers.Dense(2)(dec))
        a, b = ns.Input((5, 4)), ns.Input((3, 6))
        return ns.Model([a, b], ns.layers.Activation("tanh")(inner([a, b])))
    km, lm = _same_model(build, [randn(rng, 2, 5, 4), randn(rng, 2, 3, 6)], rng)
    assert len(lm.layers) == 4 and lm.layers[2].count_params() == km.layers[2].count_params()
