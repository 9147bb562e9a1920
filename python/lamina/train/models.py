"""Models the training jobs build by name.

Every builder takes ``lib``, the library to build with (``lamina`` by default, or ``torch``: the
APIs match), so the benchmarks and tests can build the very same model in the peer."""
from __future__ import annotations

import numpy as np


def _lib(lib):
    if lib is None:
        import lamina as lib
    return lib


def mlp(in_features=64, hidden=(128, 64), classes=10, dropout=0.1, lib=None):
    """Flatten -> [Linear -> ReLU -> Dropout] per hidden size -> Linear."""
    nn = _lib(lib).nn
    layers = [nn.Flatten()]
    width = in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU(), nn.Dropout(dropout)]
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def cnn(in_channels=1, image_size=8, widths=(32, 64), classes=10, dropout=0.25, lib=None):
    """[Conv 3x3 (no bias) -> BatchNorm -> ReLU -> MaxPool 2x2] per width -> Flatten -> Dropout ->
    Linear. The digits job uses two blocks on 8x8 images; the benchmark three on 32x32x3."""
    nn = _lib(lib).nn
    layers, c, s = [], in_channels, image_size
    for w in widths:
        layers += [nn.Conv2d(c, w, 3, padding=1, bias=False), nn.BatchNorm2d(w), nn.ReLU(),
                   nn.MaxPool2d(2)]
        c, s = w, s // 2
    layers += [nn.Flatten(), nn.Dropout(dropout), nn.Linear(c * s * s, classes)]
    return nn.Sequential(*layers)


def char_lstm(vocab_size, embed=64, hidden=256, layers=1, lib=None, **_):
    """Embedding -> LSTM (batch_first) -> Linear to the vocabulary: logits (B, T, V)."""
    nn = _lib(lib).nn

    class CharLSTM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab_size, embed)
            self.lstm = nn.LSTM(embed, hidden, num_layers=layers, batch_first=True)
            self.head = nn.Linear(hidden, vocab_size)

        def forward(self, idx):
            h, _ = self.lstm(self.embed(idx))
            return self.head(h)

    return CharLSTM()


def char_transformer(vocab_size, seq_len=128, d_model=128, heads=4, layers=2, dropout=0.0,
                     lib=None, **_):
    """A pre-norm causal transformer: token + learned position embeddings -> TransformerEncoder
    (causal mask) -> LayerNorm -> Linear to the vocabulary: logits (B, T, V)."""
    lib = _lib(lib)
    nn = lib.nn

    class CharTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            self.tok = nn.Embedding(vocab_size, d_model)
            self.pos = nn.Embedding(seq_len, d_model)
            layer = nn.TransformerEncoderLayer(d_model, heads, 4 * d_model, dropout,
                                               activation="gelu", batch_first=True, norm_first=True)
            self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
            self.norm = nn.LayerNorm(d_model)
            self.head = nn.Linear(d_model, vocab_size)
            self._masks = {}

        def _causal_mask(self, t, device):
            key = (t, str(device))
            if key not in self._masks:
                m = np.triu(np.full((t, t), -np.inf, dtype=np.float32), k=1)
                self._masks[key] = lib.tensor(m, device=device)
            return self._masks[key]

        def forward(self, idx):
            t = idx.shape[1]
            pos = lib.arange(t, device=idx.device)
            x = self.tok(idx) + self.pos(pos).unsqueeze(0)
            x = self.encoder(x, mask=self._causal_mask(t, idx.device), is_causal=True)
            return self.head(self.norm(x))

    return CharTransformer()


MODELS = {"mlp": mlp, "cnn": cnn, "lstm": char_lstm, "transformer": char_transformer}
