"""The "keras" suite: what the Keras dialect costs over the torch-style path. The same CNN and
character-LSTM train steps as the "train" suite, each written twice in lamina -- with
lamina.nn + lamina.optim (torch-style, NCHW) and with lamina.keras (Keras-style,
channels_last, ``train_on_batch``) -- and once in torch as the peer. The figure to read is the
ratio of the two lamina rows of a model (keras time / nn time, same run); each row's ratio
against torch is there too."""
from __future__ import annotations

from ..train import models
from .suite_train import _step
from .suites import Case, _shape


def _keras_cnn(keras, size, widths, classes):
    layers = [keras.Input((size, size, 3))]
    for w in widths:
        layers += [keras.layers.Conv2D(w, 3, padding="same", use_bias=False),
                   keras.layers.BatchNormalization(), keras.layers.Activation("relu"),
                   keras.layers.MaxPooling2D()]
    layers += [keras.layers.Flatten(), keras.layers.Dropout(0.25), keras.layers.Dense(classes)]
    return keras.Sequential(layers)


def _keras_char_lstm(keras, vocab, seq, embed=64, hidden=256):
    return keras.Sequential([keras.Input((seq,), dtype="int64"),
                             keras.layers.Embedding(vocab, embed),
                             keras.layers.LSTM(hidden, return_sequences=True),
                             keras.layers.Dense(vocab)])


def keras_suite(quick: bool = False):
    batch, size = (4, 8) if quick else (64, 32)
    widths = (32, 64, 128)
    seq, lm_batch = (8, 2) if quick else (64, 32)
    vocab = 103

    def cnn(front):
        def build(be):
            lib = be._mod()
            if front == "keras" and be.name == "lamina":
                from lamina import keras
                model = _keras_cnn(keras, size, widths, 10)
                model.compile(keras.optimizers.SGD(0.01, momentum=0.9),
                              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
                x = be.randn(batch, size, size, 3)
                y = lib.randint(0, 10, (batch,), device=be.device)
                model.train_on_batch(x, y)  # builds the optimizer state
                return lambda: model.train_on_batch(x, y)
            model = models.cnn(3, size, widths, 10, lib=lib).to(be.device)
            opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
            x = be.randn(batch, 3, size, size)
            y = lib.randint(0, 10, (batch,), device=be.device)
            return _step(model, lib.nn.CrossEntropyLoss(), opt, x, y, False)
        return build

    def lstm(front):
        def build(be):
            lib = be._mod()
            x = lib.randint(0, vocab, (lm_batch, seq), device=be.device)
            y = lib.randint(0, vocab, (lm_batch, seq), device=be.device)
            if front == "keras" and be.name == "lamina":
                from lamina import keras
                model = _keras_char_lstm(keras, vocab, seq)
                model.compile(keras.optimizers.Adam(1e-3),
                              keras.losses.SparseCategoricalCrossentropy(from_logits=True))
                model.train_on_batch(x, y)
                return lambda: model.train_on_batch(x, y)
            model = models.char_lstm(vocab, lib=lib).to(be.device)
            opt = lib.optim.Adam(model.parameters(), lr=1e-3)
            return _step(model, lib.nn.CrossEntropyLoss(), opt, x, y, True)
        return build

    cnn_note = "3 x (conv3x3-bn-relu-maxpool) + dropout + dense, SGD momentum"
    lstm_note = "embed 64, LSTM 256 (return_sequences), dense, Adam"
    return [
        Case("cnn train step (nn)", _shape(batch, 3, size, size), "us", None, cnn("nn"),
             peers=("torch",), note="torch-style lamina.nn, NCHW; " + cnn_note),
        Case("cnn train step (keras)", _shape(batch, size, size, 3), "us", None, cnn("keras"),
             peers=("torch",), note="lamina.keras, channels_last, train_on_batch; " + cnn_note),
        Case("char lstm train step (nn)", _shape(lm_batch, seq), "us", None, lstm("nn"),
             peers=("torch",), note="torch-style lamina.nn; " + lstm_note),
        Case("char lstm train step (keras)", _shape(lm_batch, seq), "us", None, lstm("keras"),
             peers=("torch",), note="lamina.keras, train_on_batch; " + lstm_note),
    ]
