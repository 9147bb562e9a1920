"""Each lamina.keras layer against Keras 3 itself (torch backend): same weights (copied with
get_weights / set_weights, both directions), same outputs, input and weight gradients, on
awkward shapes; and errors that name the layer."""
from __future__ import annotations

import numpy as np
import pytest

from keras_ref import compare_layer, keras  # noqa: F401  (skips without keras)

import lamina
from lamina import keras as lk

DIRS = ["keras_to_lamina", "lamina_to_keras"]


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


@pytest.mark.parametrize("direction", DIRS)
@pytest.mark.parametrize("shape,units,act,bias", [((1, 33), 8, None, True),
                                                   ((7, 5, 33), 1, "relu", True),
                                                   ((4, 32, 32, 3), 8, "relu", True),
                                                   ((7, 33), 17, "tanh", False),
                                                   ((3, 9), 4, "gelu", True),
                                                   ((3, 9), 4, "softmax", True),
                                                   ((3, 9), 4, "sigmoid", True)])
def test_dense(rng, direction, shape, units, act, bias):
    compare_layer(lambda ns: ns.layers.Dense(units, activation=act, use_bias=bias),
                  [randn(rng, *shape)], rng, direction=direction)


@pytest.mark.parametrize("act", ["relu", "sigmoid", "tanh", "softmax", "elu", "selu", "softplus",
                                 "softsign", "silu", "relu6", "leaky_relu", "exponential",
                                 "log_softmax", "linear", "gelu", "hard_sigmoid"])
def test_activation(rng, act):
    x = randn(rng, 7, 33) * 3
    compare_layer(lambda ns: ns.layers.Activation(act), [x], rng)


def test_flatten_reshape(rng):
    compare_layer(lambda ns: ns.layers.Flatten(), [randn(rng, 4, 5, 7, 3)], rng)
    compare_layer(lambda ns: ns.layers.Flatten(data_format="channels_first"),
                  [randn(rng, 1, 5, 7, 3)], rng)
    compare_layer(lambda ns: ns.layers.Reshape((3, -1)), [randn(rng, 7, 5, 6)], rng)


def test_dropout_inference_and_training(rng):
    x = randn(rng, 7, 33)
    compare_layer(lambda ns: ns.layers.Dropout(0.3), [x], rng)  # inference: identity
    layer = lk.layers.Dropout(0.5)
    y = layer(lamina.tensor(x), training=True).numpy()
    kept = y != 0
    assert 0.3 < kept.mean() < 0.7
    np.testing.assert_allclose(y[kept], 2 * x[kept], rtol=1e-6)


CONV_CASES = [
    dict(filters=8, kernel_size=3),
    dict(filters=5, kernel_size=(3, 2), strides=2, padding="same"),
    dict(filters=4, kernel_size=3, strides=(2, 3), padding="same", use_bias=False),
    dict(filters=6, kernel_size=3, dilation_rate=2, padding="same", activation="relu"),
    dict(filters=6, kernel_size=(2, 4), padding="same"),
    dict(filters=6, kernel_size=3, groups=3),
    dict(filters=4, kernel_size=1, data_format="channels_first"),
    dict(filters=4, kernel_size=3, strides=2, data_format="channels_first", padding="same"),
]


@pytest.mark.parametrize("direction", DIRS)
@pytest.mark.parametrize("case", CONV_CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in
                                                                    c.items()))
def test_conv2d(rng, direction, case):
    shape = (7, 3, 9, 11) if case.get("data_format") == "channels_first" else (7, 9, 11, 3)
    if case.get("groups"):
        shape = (2, 9, 11, 6)
    compare_layer(lambda ns: ns.layers.Conv2D(**case), [randn(rng, *shape)], rng,
                  direction=direction, rtol=2e-5, atol=2e-5)


def test_conv2d_seed_example(rng):
    compare_layer(lambda ns: ns.layers.Conv2D(16, 3, activation="relu"),
                  [randn(rng, 4, 32, 32, 3)], rng, rtol=2e-5, atol=2e-5)


POOL_CASES = [dict(pool_size=2), dict(pool_size=3, strides=2),
              dict(pool_size=(2, 3), padding="same"),
              dict(pool_size=3, strides=2, padding="same"), dict(pool_size=2, strides=1),
              dict(pool_size=2, data_format="channels_first", padding="same")]


# asymmetric 'same' average pooling is checked in test_average_pooling_same_asymmetric
POOL_PAIRS = [(k, c) for k in ("MaxPooling2D", "AveragePooling2D") for c in POOL_CASES
              if not (k == "AveragePooling2D" and c.get("pool_size") == (2, 3))]


@pytest.mark.parametrize("kind,case", POOL_PAIRS, ids=lambda c: c if isinstance(c, str) else
                         "-".join(f"{k}{v}" for k, v in c.items()))
def test_pooling(rng, kind, case):
    shape = (7, 3, 9, 11) if case.get("data_format") == "channels_first" else (7, 9, 11, 3)
    compare_layer(lambda ns: getattr(ns.layers, kind)(**case), [randn(rng, *shape)], rng)


def test_average_pooling_same_asymmetric(rng):
    """Asymmetric 'same' padding: the mean over the window's elements inside the input (the
    TensorFlow and JAX backends' rule). Keras's torch backend instead pads by replicating the
    edge, so it is compared with a NumPy reference here."""
    x = randn(rng, 7, 9, 11, 3)
    y = lk.layers.AveragePooling2D((2, 3), padding="same")(lamina.tensor(x)).numpy()
    pad = np.full((7, 10, 12, 3), np.nan, np.float32)  # h: (0, 1), w: (0, 1)
    pad[:, :9, :11] = x
    want = np.stack([np.stack([np.nanmean(pad[:, 2 * i:2 * i + 2, 3 * j:3 * j + 3], (1, 2))
                               for j in range(4)], 1) for i in range(5)], 1)
    np.testing.assert_allclose(y, want, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kind", ["GlobalAveragePooling2D", "GlobalMaxPooling2D"])
@pytest.mark.parametrize("case", [dict(), dict(keepdims=True),
                                  dict(data_format="channels_first")], ids=str)
def test_global_pooling(rng, kind, case):
    compare_layer(lambda ns: getattr(ns.layers, kind)(**case), [randn(rng, 7, 5, 9, 3)], rng)


@pytest.mark.parametrize("training", [False, True])
@pytest.mark.parametrize("shape,axis", [((7, 33), -1), ((4, 5, 7, 3), -1), ((4, 3, 5, 7), 1),
                                        ((1, 5, 33), -1), ((7, 5, 6), 1)])
def test_batch_normalization(rng, training, shape, axis):
    def make(ns):
        return ns.layers.BatchNormalization(axis=axis, momentum=0.9)
    x = randn(rng, *shape) * 2 + 0.5
    kl, ll = compare_layer(make, [x], rng, training=training, direction="keras_to_lamina",
                           rtol=1e-4, atol=1e-5)
    # non-default moving statistics moved from lamina to Keras, inference both ways
    kl2, ll2 = make(keras), make(lk)
    kl2(x), ll2(lamina.tensor(x))
    ws = ll.get_weights()
    kl2.set_weights(ws)
    ll2.set_weights(ws)
    from keras_ref import close, torch
    close(ll2(lamina.tensor(x)), kl2(torch.tensor(x)), 1e-5, 1e-5, "inference")


@pytest.mark.parametrize("shape", [(7, 33), (1, 5, 33), (4, 3, 8)])
def test_layer_normalization(rng, shape):
    compare_layer(lambda ns: ns.layers.LayerNormalization(), [randn(rng, *shape)], rng,
                  direction="lamina_to_keras")
    compare_layer(lambda ns: ns.layers.LayerNormalization(epsilon=1e-5, center=False),
                  [randn(rng, *shape)], rng)


def test_embedding(rng):
    idx = rng.integers(0, 33, size=(7, 5))
    compare_layer(lambda ns: ns.layers.Embedding(33, 8), [idx], rng)
    compare_layer(lambda ns: ns.layers.Embedding(10, 3), [rng.integers(0, 10, size=(1,))], rng,
                  direction="lamina_to_keras")


LSTM_CASES = [dict(units=8), dict(units=8, return_sequences=True),
              dict(units=5, return_state=True), dict(units=5, go_backwards=True),
              dict(units=5, go_backwards=True, return_sequences=True, return_state=True),
              dict(units=6, use_bias=False, return_sequences=True),
              dict(units=4, activation="relu", return_sequences=True),
              dict(units=4, recurrent_activation="hard_sigmoid", go_backwards=True,
                   return_sequences=True)]


@pytest.mark.parametrize("direction", DIRS)
@pytest.mark.parametrize("case", LSTM_CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in
                                                                    c.items()))
@pytest.mark.parametrize("shape", [(4, 3, 32), (1, 7, 33)])
def test_lstm(rng, direction, case, shape):
    compare_layer(lambda ns: ns.layers.LSTM(**case), [randn(rng, *shape)], rng,
                  direction=direction, rtol=1e-4, atol=1e-5)


def test_lstm_initial_state(rng):
    x, h, c = randn(rng, 7, 4, 9), randn(rng, 7, 6), randn(rng, 7, 6)
    from keras_ref import _map, close, torch
    kl, ll = keras.layers.LSTM(6, return_sequences=True), lk.layers.LSTM(6, return_sequences=True)
    kl(x), ll(lamina.tensor(x))
    ll.set_weights(kl.get_weights())
    kout = kl(torch.tensor(x), initial_state=[torch.tensor(h), torch.tensor(c)])
    lout = ll(lamina.tensor(x), initial_state=[lamina.tensor(h), lamina.tensor(c)])
    close(lout, kout, 1e-5, 1e-5, "LSTM with initial_state")
    del _map


def test_lstm_default_bias_has_unit_forget_bias():
    layer = lk.layers.LSTM(3)
    layer(lamina.randn(2, 4, 5))
    np.testing.assert_array_equal(layer.get_weights()[2], [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    assert [w.shape for w in layer.get_weights()] == [(5, 12), (3, 12), (12,)]


ATT_CASES = [dict(), dict(use_scale=True)]


@pytest.mark.parametrize("case", ATT_CASES, ids=str)
@pytest.mark.parametrize("with_key", [False, True])
def test_attention(rng, case, with_key):
    q, v, k = randn(rng, 7, 5, 8), randn(rng, 7, 9, 6), randn(rng, 7, 9, 8)
    args = [[q, v, k]] if with_key else [[q, randn(rng, 7, 9, 8)]]
    compare_layer(lambda ns: ns.layers.Attention(**case), args, rng, rtol=1e-4)


def test_attention_masks_and_scores(rng):
    q, v = randn(rng, 3, 5, 8), randn(rng, 3, 6, 8)
    vm = rng.random((3, 6)) < 0.7
    vm[:, 0] = True  # at least one key per row (fully masked rows differ, see the docstring)
    compare_layer(lambda ns: ns.layers.Attention(), [[q, v]], rng,
                  kwargs=dict(mask=[None, vm], return_attention_scores=True), rtol=1e-4)
    compare_layer(lambda ns: ns.layers.Attention(), [[q, randn(rng, 3, 5, 8)]], rng,
                  kwargs=dict(use_causal_mask=True), rtol=1e-4)


MHA_CASES = [dict(num_heads=2, key_dim=3), dict(num_heads=3, key_dim=4, value_dim=5),
             dict(num_heads=1, key_dim=8, use_bias=False), dict(num_heads=2, key_dim=3,
                                                                output_shape=7)]


@pytest.mark.parametrize("direction", DIRS)
@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: "-".join(f"{k}{v}" for k, v in
                                                                   c.items()))
def test_multi_head_attention(rng, direction, case):
    q, v = randn(rng, 7, 5, 6), randn(rng, 7, 9, 10)
    compare_layer(lambda ns: ns.layers.MultiHeadAttention(**case), [q, v], rng,
                  direction=direction, rtol=1e-4)


def test_multi_head_attention_self_key_masks_scores(rng):
    x, k = randn(rng, 1, 5, 6), randn(rng, 1, 5, 4)
    mask = rng.random((1, 5, 5)) < 0.6
    mask[..., 0] = True
    make = lambda ns: ns.layers.MultiHeadAttention(2, 3)  # noqa: E731
    compare_layer(make, [x, x, k], rng, kwargs=dict(attention_mask=mask), rtol=1e-4)
    compare_layer(make, [x, x], rng, kwargs=dict(use_causal_mask=True,
                                                 return_attention_scores=True), rtol=1e-4)


def test_merging(rng):
    a, b, c = randn(rng, 7, 33), randn(rng, 7, 33), randn(rng, 7, 33)
    compare_layer(lambda ns: ns.layers.Add(), [[a, b, c]], rng)
    compare_layer(lambda ns: ns.layers.Concatenate(), [[a, randn(rng, 7, 5)]], rng)
    compare_layer(lambda ns: ns.layers.Concatenate(axis=1),
                  [[randn(rng, 2, 3, 4), randn(rng, 2, 5, 4)]], rng)


# --- errors name the layer ------------------------------------------------------------------

ERRORS = [
    (lambda: lk.layers.Dense(4), (5,), "Dense"),
    (lambda: lk.layers.Conv2D(4, 3), (2, 8, 8), "Conv2D"),
    (lambda: lk.layers.Conv2D(4, 5), (2, 3, 3, 1), "Conv2D"),
    (lambda: lk.layers.MaxPooling2D(), (2, 8, 8), "MaxPooling2D"),
    (lambda: lk.layers.AveragePooling2D(4), (2, 3, 3, 1), "AveragePooling2D"),
    (lambda: lk.layers.GlobalAveragePooling2D(), (2, 8, 8), "GlobalAveragePooling2D"),
    (lambda: lk.layers.LSTM(4), (2, 8), "LSTM"),
    (lambda: lk.layers.Reshape((7, -1)), (2, 8, 3), "Reshape"),
    (lambda: lk.layers.BatchNormalization(axis=3), (2, 8, 3), "BatchNormalization"),
    (lambda: lk.layers.LayerNormalization(axis=1), (2, 8, 3), "LayerNormalization"),
    (lambda: lk.layers.Flatten(), (), "Flatten"),
]


@pytest.mark.parametrize("make,shape,name", ERRORS, ids=[e[2] for e in ERRORS])
def test_wrong_rank_names_the_layer(make, shape, name):
    layer = make()
    with pytest.raises(ValueError) as e:
        layer(lamina.randn(*shape) if shape else lamina.tensor(1.0))
    assert str(e.value).startswith(f"[{name}]"), str(e.value)
    if not shape:
        return
    with pytest.raises(ValueError) as e:  # the same check on symbolic inputs
        layer(lk.Input(shape[1:]))
    assert str(e.value).startswith(f"[{name}]"), str(e.value)


@pytest.mark.parametrize("make,good,bad,name", [
    (lambda: lk.layers.Dense(4), (2, 5), (2, 6), "Dense"),
    (lambda: lk.layers.Conv2D(4, 3), (2, 8, 8, 3), (2, 8, 8, 2), "Conv2D"),
    (lambda: lk.layers.LSTM(4), (2, 3, 5), (2, 3, 6), "LSTM"),
    (lambda: lk.layers.BatchNormalization(), (2, 5), (2, 6), "BatchNormalization"),
    (lambda: lk.layers.LayerNormalization(), (2, 5), (2, 6), "LayerNormalization"),
])
def test_wrong_features_after_build_names_the_layer(make, good, bad, name):
    layer = make()
    layer(lamina.randn(*good))
    with pytest.raises(ValueError, match=rf"^\[{name}\] layer '{layer.name}'"):
        layer(lamina.randn(*bad))


def test_merge_and_attention_errors():
    with pytest.raises(ValueError, match=r"^\[Add\]"):
        lk.layers.Add()([lamina.randn(2, 3), lamina.randn(2, 4)])
    with pytest.raises(ValueError, match=r"^\[Concatenate\]"):
        lk.layers.Concatenate()([lamina.randn(2, 3), lamina.randn(3, 4)])
    with pytest.raises(ValueError, match=r"^\[MultiHeadAttention\]"):
        lk.layers.MultiHeadAttention(2, 3)(lamina.randn(2, 3), lamina.randn(2, 4, 3))
    with pytest.raises(ValueError, match=r"^\[Attention\]"):
        lk.layers.Attention()([lamina.randn(2, 3, 4), lamina.randn(2, 5, 3)])
    with pytest.raises(ValueError, match=r"^\[Dense\]"):
        lk.layers.Dense(2).set_weights([np.zeros((1,))])


def test_lstm_dropout_only_while_training(rng):
    x = randn(rng, 3, 4, 5)
    compare_layer(lambda ns: ns.layers.LSTM(4, dropout=0.5), [x], rng)  # inference: no dropout
    layer = lk.layers.LSTM(4, dropout=0.5, return_sequences=True)
    a = layer(lamina.tensor(x)).detach().numpy()
    b = layer(lamina.tensor(x), training=True).detach().numpy()
    assert np.isfinite(b).all() and not np.allclose(a, b)


def test_frozen_batch_normalization_uses_moving_statistics(rng):
    x = randn(rng, 5, 6) * 3 + 1
    compare_layer(lambda ns: ns.layers.BatchNormalization(trainable=False), [x], rng,
                  training=True, grads=False)


def test_custom_layer_and_input_shape_argument(rng):
    class Scale(lk.layers.Layer):
        def build(self, input_shape):
            self.add_weight((input_shape[-1],), "ones", "w")

        def call(self, x):
            return x * self.w

    model = lk.Sequential([lk.layers.Dense(3, input_shape=(4,)), Scale()])
    assert model.built and [w.shape for w in model.get_weights()] == [(4, 3), (3,), (3,)]
    x = randn(rng, 2, 4)
    k, b, _ = model.get_weights()
    np.testing.assert_allclose(model.predict(x, verbose=0), x @ k + b, rtol=1e-5, atol=1e-6)
    model.get_layer(index=1).trainable = False
    assert len(model.trainable_weights) == 2 and len(model.non_trainable_weights) == 1


def test_default_initializers_follow_keras():
    lamina.manual_seed(3)
    dense = lk.layers.Dense(300)
    dense(lamina.randn(2, 200))
    k, b = dense.get_weights()
    limit = np.sqrt(6 / (200 + 300))  # glorot_uniform
    assert np.abs(k).max() <= limit and np.abs(k).max() > 0.98 * limit
    np.testing.assert_allclose(k.std(), limit / np.sqrt(3), rtol=0.02)
    assert not b.any()  # zeros
    conv = lk.layers.Conv2D(64, 3)
    conv(lamina.randn(1, 5, 5, 32))
    limit = np.sqrt(6 / (9 * 32 + 9 * 64))
    assert np.abs(conv.get_weights()[0]).max() <= limit
    lstm = lk.layers.LSTM(16)
    lstm(lamina.randn(1, 2, 8))
    r = lstm.get_weights()[1]  # orthogonal (16, 64): orthonormal rows
    np.testing.assert_allclose(r @ r.T, np.eye(16), atol=1e-5)
    emb = lk.layers.Embedding(50, 40)
    emb(lamina.tensor(np.arange(3)))
    assert np.abs(emb.get_weights()[0]).max() <= 0.05
    bn = lk.layers.BatchNormalization()
    bn(lamina.randn(3, 4))
    assert [w.tolist() for w in bn.get_weights()] == [[1] * 4, [0] * 4, [0] * 4, [1] * 4]


def test_channels_last_chain_stays_in_nchw_memory():
    """Conv2D -> BatchNormalization -> Activation -> MaxPooling2D hand each other NHWC views of
    NCHW memory: every output permuted back to NCHW is contiguous (no layout copies)."""
    x = lamina.randn(3, 9, 11, 4)
    for layer in (lk.layers.Conv2D(5, 3, padding="same"), lk.layers.BatchNormalization(),
                  lk.layers.Activation("relu"), lk.layers.MaxPooling2D()):
        x = layer(x, training=True)
        assert not x.is_contiguous() and x.permute(0, 3, 1, 2).is_contiguous(), layer.name
