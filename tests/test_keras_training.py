"""lamina.keras training against Keras 3: losses (values and gradients), and compile + fit
with SGD, Adam and RMSprop giving the same weights and the same History; evaluate, predict,
callbacks; and the same small model trained on cuda and on cpu."""
from __future__ import annotations

import numpy as np
import pytest

from keras_ref import close, keras, torch

import lamina
from lamina import keras as lk


def randn(rng, *shape):
    return rng.standard_normal(shape).astype(np.float32)


# --- losses -----------------------------------------------------------------------------------

def _targets(rng, kind, shape):
    if kind == "sparse":
        return rng.integers(0, shape[-1], size=shape[:-1])
    if kind == "onehot":
        return np.eye(shape[-1], dtype=np.float32)[rng.integers(0, shape[-1], size=shape[:-1])]
    if kind == "binary":
        return (rng.random(shape) < 0.5).astype(np.float32)
    return randn(rng, *shape)


def _probs(rng, shape):
    e = np.exp(randn(rng, *shape))
    return (e / e.sum(-1, keepdims=True)).astype(np.float32)


LOSSES = [
    ("SparseCategoricalCrossentropy", dict(from_logits=True), "sparse", "logits", (7, 5)),
    ("SparseCategoricalCrossentropy", dict(from_logits=True), "sparse", "logits", (3, 4, 6)),
    ("SparseCategoricalCrossentropy", dict(), "sparse", "probs", (7, 5)),
    ("CategoricalCrossentropy", dict(from_logits=True), "onehot", "logits", (7, 5)),
    ("CategoricalCrossentropy", dict(), "onehot", "probs", (1, 33)),
    ("CategoricalCrossentropy", dict(from_logits=True, label_smoothing=0.1), "onehot", "logits",
     (7, 5)),
    ("BinaryCrossentropy", dict(), "binary", "sigmoid", (7, 3)),
    ("BinaryCrossentropy", dict(from_logits=True), "binary", "logits", (7, 1)),
    ("MeanSquaredError", dict(), "real", "logits", (7, 33)),
    ("MeanAbsoluteError", dict(), "real", "logits", (7, 3)),
    ("Huber", dict(), "real", "logits", (7, 33)),
    ("Huber", dict(delta=0.3), "real", "logits", (1, 5)),
]


@pytest.mark.parametrize("name,kw,target,pred,shape", LOSSES,
                         ids=[f"{c[0]}-{c[3]}-{'x'.join(map(str, c[4]))}" for c in LOSSES])
@pytest.mark.parametrize("weighted", [False, True])
def test_loss_matches_keras(rng, name, kw, target, pred, shape, weighted):
    y = _targets(rng, target, shape)
    p = {"logits": lambda: randn(rng, *shape) * 2, "probs": lambda: _probs(rng, shape),
         "sigmoid": lambda: (1 / (1 + np.exp(-randn(rng, *shape)))).astype(np.float32)}[pred]()
    sw = rng.random(shape[:-1]).astype(np.float32) if weighted else None
    kp = torch.tensor(p, requires_grad=True)
    lp = lamina.tensor(p, requires_grad=True)
    kloss = getattr(keras.losses, name)(**kw)(torch.tensor(y), kp,
                                              None if sw is None else torch.tensor(sw))
    lloss = getattr(lk.losses, name)(**kw)(lamina.tensor(y), lp,
                                           None if sw is None else lamina.tensor(sw))
    close(lloss, kloss, 1e-5, 1e-6, "loss")
    kloss.backward()
    lloss.backward()
    close(lp.grad, kp.grad, 1e-4, 1e-6, "gradient")


def test_loss_reductions_and_functions(rng):
    y, p = randn(rng, 7, 3), randn(rng, 7, 3)
    for red in ("sum", "none"):
        close(lk.losses.MeanSquaredError(reduction=red)(lamina.tensor(y), lamina.tensor(p)),
              keras.losses.MeanSquaredError(reduction=red)(torch.tensor(y), torch.tensor(p)))
    close(lk.losses.mean_squared_error(lamina.tensor(y), lamina.tensor(p)),
          keras.losses.mean_squared_error(torch.tensor(y), torch.tensor(p)))


# --- compile + fit against Keras ------------------------------------------------------------

def mlp(ns):
    return ns.Sequential([ns.Input((7,)), ns.layers.Dense(16, activation="relu"),
                          ns.layers.Dense(3)])


def cnn(ns):
    return ns.Sequential([ns.Input((9, 7, 2)),
                          ns.layers.Conv2D(4, 3, padding="same", use_bias=False),
                          ns.layers.BatchNormalization(), ns.layers.Activation("relu"),
                          ns.layers.MaxPooling2D(), ns.layers.Flatten(),
                          ns.layers.Dense(3, activation="softmax")])


def rnn(ns):
    inp = ns.Input((4, 5))
    h = ns.layers.LSTM(6, return_sequences=True)(inp)
    h = ns.layers.LSTM(3)(h)
    return ns.Model(inp, ns.layers.Dense(1)(h))


def binary(ns):
    return ns.Sequential([ns.Input((7,)), ns.layers.Dense(5, activation="tanh"),
                          ns.layers.LayerNormalization(), ns.layers.Dense(1, activation="sigmoid")])


def emb(ns):
    return ns.Sequential([ns.Input((6,), dtype="int64"), ns.layers.Embedding(11, 4),
                          ns.layers.LSTM(5, return_sequences=True), ns.layers.Dense(11)])


def _opt(ns, name, kw):
    return getattr(ns.optimizers, name)(**kw)


FITS = [
    ("mlp", "SGD", dict(learning_rate=0.1), "sparse_logits"),
    ("mlp", "SGD", dict(learning_rate=0.05, momentum=0.9), "sparse_logits"),
    ("mlp", "SGD", dict(learning_rate=0.05, momentum=0.9, nesterov=True), "sparse_logits"),
    ("mlp", "Adam", dict(learning_rate=0.01), "sparse_logits"),
    ("mlp", "Adam", dict(learning_rate=0.01, amsgrad=True, epsilon=1e-3), "onehot_logits"),
    ("mlp", "RMSprop", dict(learning_rate=0.01), "sparse_logits"),
    ("mlp", "RMSprop", dict(learning_rate=0.01, momentum=0.5, centered=True), "sparse_logits"),
    ("cnn", "Adam", dict(learning_rate=0.01), "sparse_probs"),
    ("cnn", "SGD", dict(learning_rate=0.05, momentum=0.9), "sparse_probs"),
    ("rnn", "RMSprop", dict(learning_rate=0.01), "mse"),
    ("rnn", "Adam", dict(learning_rate=0.01), "huber"),
    ("binary", "SGD", dict(learning_rate=0.1), "bce"),
    ("emb", "Adam", dict(learning_rate=0.02), "seq_logits"),
]
MODELS = {"mlp": (mlp, (7,)), "cnn": (cnn, (9, 7, 2)), "rnn": (rnn, (4, 5)),
          "binary": (binary, (7,)), "emb": (emb, (6,))}


def _data(rng, model, loss, n):
    x = randn(rng, n, *MODELS[model][1])
    if model == "emb":
        return rng.integers(0, 11, size=(n, 6)), rng.integers(0, 11, size=(n, 6))
    if loss.startswith("sparse"):
        y = rng.integers(0, 3, size=n)
    elif loss.startswith("onehot"):
        y = np.eye(3, dtype=np.float32)[rng.integers(0, 3, size=n)]
    elif loss == "bce":
        y = (rng.random((n, 1)) < 0.5).astype(np.float32)
    else:
        y = randn(rng, n, 1)
    return x, y


def _compile(ns, model, opt, kw, loss):
    losses = {"sparse_logits": ns.losses.SparseCategoricalCrossentropy(from_logits=True),
              "seq_logits": ns.losses.SparseCategoricalCrossentropy(from_logits=True),
              "onehot_logits": ns.losses.CategoricalCrossentropy(from_logits=True),
              "sparse_probs": "sparse_categorical_crossentropy", "mse": "mse",
              "huber": ns.losses.Huber(), "bce": "binary_crossentropy"}
    metrics = ["accuracy"] if loss in ("sparse_logits", "sparse_probs", "onehot_logits",
                                       "bce", "seq_logits") else ["mae"]
    model.compile(optimizer=_opt(ns, opt, kw), loss=losses[loss], metrics=metrics)


@pytest.mark.parametrize("model,opt,kw,loss", FITS,
                         ids=[f"{m}-{o}-{'-'.join(f'{k}{v}' for k, v in kw.items())}-{lo}"
                              for m, o, kw, lo in FITS])
def test_fit_matches_keras(rng, model, opt, kw, loss):
    x, y = _data(rng, model, loss, 13)
    vx, vy = _data(rng, model, loss, 6)
    km, lm = MODELS[model][0](keras), MODELS[model][0](lk)
    lm.set_weights(km.get_weights())
    _compile(keras, km, opt, kw, loss)
    _compile(lk, lm, opt, kw, loss)
    kh = km.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0,
                validation_data=(vx, vy))
    lh = lm.fit(x, y, batch_size=5, epochs=3, shuffle=False, verbose=0,
                validation_data=(vx, vy))
    for i, (a, b) in enumerate(zip(lm.get_weights(), km.get_weights())):
        close(a, b, 1e-4, 2e-5, f"weight {i} after fit")
    assert sorted(lh.history) == sorted(kh.history)
    for k in kh.history:
        close(np.array(lh.history[k]), np.array(kh.history[k]), 1e-4, 1e-5, f"history {k}")
    assert lh.epoch == kh.epoch
    close(lm.evaluate(vx, vy, verbose=0, batch_size=4),
          np.array(km.evaluate(vx, vy, verbose=0, batch_size=4)), 1e-4, 1e-5, "evaluate")
    close(lm.predict(vx, verbose=0), km.predict(vx, verbose=0), 1e-4, 1e-5, "predict")


def test_train_on_batch_and_string_forms(rng):
    x, y = _data(rng, "mlp", "sparse_probs", 8)
    km, lm = mlp(keras), mlp(lk)
    lm.set_weights(km.get_weights())
    for m in (km, lm):
        m.compile("adam", "mse")
    yy = randn(rng, 8, 3)
    for _ in range(3):
        a, b = lm.train_on_batch(x, yy), km.train_on_batch(x, yy)
    close(np.float32(a), np.float32(b), 1e-4, 1e-6)
    for u, v in zip(lm.get_weights(), km.get_weights()):
        close(u, v, 1e-4, 1e-6)
    lm.compile("rmsprop", "sparse_categorical_crossentropy", metrics=["acc"])
    assert isinstance(lm.optimizer, lk.optimizers.RMSprop)
    assert set(lm.test_on_batch(x, y, return_dict=True)) == {"loss", "acc"}


def test_validation_split_and_shuffle(rng):
    x, y = _data(rng, "mlp", "sparse_logits", 20)
    km, lm = mlp(keras), mlp(lk)
    lm.set_weights(km.get_weights())
    for m, ns in ((km, keras), (lm, lk)):
        _compile(ns, m, "SGD", dict(learning_rate=0.1), "sparse_logits")
    kh = km.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, shuffle=False, verbose=0)
    lh = lm.fit(x, y, batch_size=4, epochs=2, validation_split=0.25, shuffle=False, verbose=0)
    close(np.array(lh.history["val_loss"]), np.array(kh.history["val_loss"]), 1e-4, 1e-5)
    h = lm.fit(x, y, batch_size=3, epochs=2, shuffle=True, verbose=0)  # runs, loss finite
    assert np.isfinite(h.history["loss"]).all()


def test_fit_prints_progress(rng, capsys):
    x, y = _data(rng, "mlp", "sparse_logits", 10)
    m = mlp(lk)
    _compile(lk, m, "Adam", {}, "sparse_logits")
    m.fit(x, y, batch_size=4, epochs=2, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 2/2" in out and "3/3" in out and "loss:" in out and "accuracy:" in out
    m.fit(x, y, batch_size=4, epochs=1, verbose=2)
    assert "ms/step" in capsys.readouterr().out


# --- callbacks ----------------------------------------------------------------------------------

def test_early_stopping_matches_keras(rng):
    x, y = _data(rng, "mlp", "sparse_logits", 16)
    vx, vy = _data(rng, "mlp", "sparse_logits", 8)
    km, lm = mlp(keras), mlp(lk)
    lm.set_weights(km.get_weights())
    for m, ns in ((km, keras), (lm, lk)):
        _compile(ns, m, "SGD", dict(learning_rate=0.5, momentum=0.9), "sparse_logits")
    kh = km.fit(x, y, batch_size=4, epochs=25, shuffle=False, verbose=0,
                validation_data=(vx, vy),
                callbacks=[keras.callbacks.EarlyStopping(patience=2,
                                                         restore_best_weights=True)])
    lh = lm.fit(x, y, batch_size=4, epochs=25, shuffle=False, verbose=0,
                validation_data=(vx, vy),
                callbacks=[lk.callbacks.EarlyStopping(patience=2, restore_best_weights=True)])
    assert len(lh.epoch) == len(kh.epoch) < 25
    for u, v in zip(lm.get_weights(), km.get_weights()):
        close(u, v, 1e-3, 1e-4)


def test_model_checkpoint(tmp_path, rng):
    x, y = _data(rng, "mlp", "sparse_logits", 12)
    m = mlp(lk)
    _compile(lk, m, "Adam", dict(learning_rate=0.05), "sparse_logits")
    best = lk.callbacks.ModelCheckpoint(str(tmp_path / "best.weights.npz"), monitor="loss",
                                        save_best_only=True)
    every = lk.callbacks.ModelCheckpoint(str(tmp_path / "e{epoch:02d}.safetensors"),
                                         monitor="loss")
    h = m.fit(x, y, epochs=3, batch_size=4, verbose=0, callbacks=[best, every])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["best.weights.npz", "e01.safetensors",
                                                          "e02.safetensors", "e03.safetensors"]
    fresh = mlp(lk)
    fresh.load_weights(str(tmp_path / "e03.safetensors"))
    for u, v in zip(fresh.get_weights(), m.get_weights()):
        np.testing.assert_array_equal(u, v)
    assert best.best == min(h.history["loss"])


# --- cuda ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("device", ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not lamina.cuda.is_available(), reason=f"CUDA unavailable: "
    f"{lamina.cuda.unavailable_reason()}"))])
def test_keras_model_on_device_matches_cpu(rng, device):
    """A small CNN + LSTM model trained with fit on ``device`` ends where the cpu run ends."""
    def build():
        img = lk.Input((8, 8, 3))
        seq = lk.Input((5, 4))
        a = lk.layers.Conv2D(4, 3, padding="same", activation="relu")(img)
        a = lk.layers.BatchNormalization()(a)
        a = lk.layers.MaxPooling2D()(a)
        a = lk.layers.GlobalAveragePooling2D()(a)
        b = lk.layers.LSTM(4)(seq)
        b = lk.layers.MultiHeadAttention(2, 2)(lk.layers.Reshape((1, 4))(b),
                                               lk.layers.Reshape((1, 4))(b))
        j = lk.layers.Concatenate()([a, lk.layers.Flatten()(b)])
        return lk.Model([img, seq], lk.layers.Dense(3)(j))
    x = [randn(rng, 10, 8, 8, 3), randn(rng, 10, 5, 4)]
    y = rng.integers(0, 3, size=10)
    ref, m = build(), build()
    m.set_weights(ref.get_weights())
    m.to(device)
    for model in (ref, m):
        model.compile(lk.optimizers.Adam(0.01),
                      lk.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
    hr = ref.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    hm = m.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert all(w.device.type == device for w in m.weights)
    close(np.array(hm.history["loss"]), np.array(hr.history["loss"]), 1e-4, 1e-5)
    for u, v in zip(m.get_weights(), ref.get_weights()):
        close(u, v, 1e-4, 1e-5)
    xd = [lamina.tensor(a, device=device) for a in x]
    close(m.predict(xd, verbose=0), ref.predict(x, verbose=0), 1e-4, 1e-5)


@pytest.mark.parametrize("kind", ["sample_weight", "class_weight"])
def test_fit_with_weights_matches_keras(rng, kind):
    x, y = _data(rng, "mlp", "sparse_logits", 11)
    km, lm = mlp(keras), mlp(lk)
    lm.set_weights(km.get_weights())
    for m, ns in ((km, keras), (lm, lk)):
        _compile(ns, m, "SGD", dict(learning_rate=0.1, momentum=0.5), "sparse_logits")
    kw = ({"sample_weight": rng.random(11).astype(np.float32)} if kind == "sample_weight" else
          {"class_weight": {0: 0.5, 1: 2.0, 2: 1.0}})
    kh = km.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kw)
    lh = lm.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, **kw)
    close(np.array(lh.history["loss"]), np.array(kh.history["loss"]), 1e-4, 1e-5)
    for u, v in zip(lm.get_weights(), km.get_weights()):
        close(u, v, 1e-4, 1e-5)


def test_fit_several_outputs_matches_keras(rng):
    def build(ns):
        a, b = ns.Input((7,), name="a"), ns.Input((5, 4), name="b")
        j = ns.layers.Concatenate()([ns.layers.Dense(6)(a), ns.layers.LSTM(6)(b)])
        return ns.Model([a, b], [ns.layers.Dense(3, activation="softmax", name="cls")(j),
                                 ns.layers.Dense(1, name="reg")(j)])
    x = [randn(rng, 9, 7), randn(rng, 9, 5, 4)]
    y = [rng.integers(0, 3, size=9), randn(rng, 9, 1)]
    km, lm = build(keras), build(lk)
    lm.set_weights(km.get_weights())
    for m, ns in ((km, keras), (lm, lk)):
        m.compile(ns.optimizers.Adam(0.01), loss=["sparse_categorical_crossentropy", "mse"],
                  loss_weights=[1.0, 0.5], metrics=[["accuracy"], ["mae"]])
    kh = km.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    lh = lm.fit(x, y, batch_size=4, epochs=2, shuffle=False, verbose=0, validation_data=(x, y))
    assert sorted(lh.history) == sorted(kh.history)
    for k in kh.history:
        close(np.array(lh.history[k]), np.array(kh.history[k]), 1e-4, 1e-5, k)
    for u, v in zip(lm.get_weights(), km.get_weights()):
        close(u, v, 1e-4, 1e-5)
    close(np.array(lm.evaluate(x, y, verbose=0)), np.array(km.evaluate(x, y, verbose=0)),
          1e-4, 1e-5, "evaluate")
