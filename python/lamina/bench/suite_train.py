"""End-to-end training steps: the models of ``lamina train`` (python/lamina/train/models.py),
built with the same code in each library (``lib=be._mod()``), timed per optimizer step
(zero_grad, forward, loss, backward, update)."""
from __future__ import annotations

from ..train import models
from .suites import Case, _shape


def _step(model, loss_fn, opt, x, y, flatten):
    def step():
        opt.zero_grad()
        out = model(x)
        if flatten:
            out, yy = out.reshape(-1, out.shape[-1]), y.reshape(-1)
        else:
            yy = y
        loss = loss_fn(out, yy)
        loss.backward()
        opt.step()
        return loss
    return step


def train(quick: bool = False):
    batch, size = (4, 8) if quick else (64, 32)
    seq, lm_batch = (8, 2) if quick else (64, 32)
    vocab = 103  # the chars data set's vocabulary

    def cnn(be):
        lib = be._mod()
        model = models.cnn(3, size, (32, 64, 128), 10, lib=lib).to(be.device)
        opt = lib.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = be.randn(batch, 3, size, size)
        y = lib.randint(0, 10, (batch,), device=be.device)
        return _step(model, lib.nn.CrossEntropyLoss(), opt, x, y, False)

    def char_model(name):
        def build(be):
            lib = be._mod()
            model = models.MODELS[name](vocab, seq_len=seq, lib=lib).to(be.device)
            opt = lib.optim.Adam(model.parameters(), lr=1e-3)
            x = lib.randint(0, vocab, (lm_batch, seq), device=be.device)
            y = lib.randint(0, vocab, (lm_batch, seq), device=be.device)
            return _step(model, lib.nn.CrossEntropyLoss(), opt, x, y, True)
        return build

    return [
        Case("cnn train step", _shape(batch, 3, size, size), "us", None, cnn, peers=("torch",),
             note="3 x (conv3x3-bn-relu-maxpool) + linear, SGD momentum"),
        Case("char lstm train step", _shape(lm_batch, seq), "us", None, char_model("lstm"),
             peers=("torch",), note="embed 64, LSTM 256, Adam"),
        Case("char transformer train step", _shape(lm_batch, seq), "us", None,
             char_model("transformer"), peers=("torch",),
             note="d 128, 4 heads, 2 pre-norm causal layers, Adam"),
    ]
