"""`lamina train chars`: the bundled text, the windows, the LM loop against torch, and the CLI."""
import math
import re
import subprocess
import sys

import numpy as np
import pytest

import lamina
from lamina.train import datasets, lm, models


def test_chars_dataset_is_real_text_and_deterministic():
    tr, va, vocab = datasets.chars()
    tr2, va2, vocab2 = datasets.chars()
    np.testing.assert_array_equal(tr, tr2)
    assert vocab == vocab2 and vocab == sorted(vocab) and len(set(vocab)) == len(vocab)
    assert len(tr) > 300_000 and abs(len(va) / (len(tr) + len(va)) - 0.1) < 1e-3
    text = "".join(vocab[i] for i in tr[:5000])
    # English prose: spaces and the commonest letters dominate
    assert text.count(" ") > 500 and text.count("e") > 200 and "the" in text
    assert tr.min() >= 0 and max(tr.max(), va.max()) < len(vocab)


def test_lm_windows_targets_are_the_next_characters():
    ids = np.arange(1000, dtype=np.int64)
    x, y = datasets.lm_windows(ids, 17, 5, np.random.default_rng(3))
    assert x.shape == y.shape == (5, 17)
    np.testing.assert_array_equal(y, x + 1)
    xv, yv = datasets.lm_eval_windows(ids, 33, 8)
    assert xv.shape == (8, 33) and (yv == xv + 1).all() and xv[-1, -1] < 999
    assert len(set(xv[:, 0])) == 8  # distinct windows


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_lm_training_follows_torch_step_by_step(name):
    """The same model (torch's initial weights loaded into lamina), the same batches and Adam:
    the training losses track torch's to float32 rounding, and both learn."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    vocab, seq, batch, steps = 29, 16, 8, 30
    kw = dict(seq_len=seq, d_model=32, heads=4, layers=2) if name == "transformer" else \
        dict(embed=16, hidden=32, layers=2)
    tmodel = models.MODELS[name](vocab, lib=torch, **kw)
    lmodel = models.MODELS[name](vocab, **kw)
    lmodel.load_state_dict({k: lamina.tensor(v.detach().numpy())
                            for k, v in tmodel.state_dict().items()})
    topt = torch.optim.Adam(tmodel.parameters(), lr=1e-2)
    lopt = lamina.optim.Adam(lmodel.parameters(), lr=1e-2)
    rng = np.random.default_rng(0)
    ids = rng.integers(0, vocab, size=4000)
    ids[1::2] = (ids[::2] * 7 + 3) % vocab       # learnable structure: odd chars follow the even ones
    t_losses, l_losses = [], []
    for _ in range(steps):
        xb, yb = datasets.lm_windows(ids, seq, batch, rng)
        topt.zero_grad()
        tl = torch.nn.functional.cross_entropy(tmodel(torch.tensor(xb)).reshape(-1, vocab),
                                               torch.tensor(yb).reshape(-1))
        tl.backward()
        topt.step()
        lopt.zero_grad()
        ll = lamina.nn.functional.cross_entropy(lmodel(lamina.tensor(xb)).reshape(-1, vocab),
                                                lamina.tensor(yb).reshape(-1))
        ll.backward()
        lopt.step()
        t_losses.append(tl.item())
        l_losses.append(ll.item())
    np.testing.assert_allclose(l_losses, t_losses, rtol=2e-3)
    assert np.mean(l_losses[-5:]) < l_losses[0] - 0.3, l_losses


@pytest.mark.parametrize("name", ["lstm", "transformer"])
def test_train_chars_cli_learns_and_samples(name, tmp_path):
    out = tmp_path / f"{name}.safetensors"
    proc = subprocess.run([sys.executable, "-m", "lamina", "train", "chars", "--model", name,
                           "--epochs", "2", "--steps", "40", "--seq-len", "32", "--sample", "40",
                           "--no-progress", "--save", str(out)],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    vals = [float(v) for v in re.findall(r"val loss ([\d.]+)", proc.stdout)]
    bpcs = [float(v) for v in re.findall(r"val bpc ([\d.]+)", proc.stdout)]
    assert len(vals) == 2 and len(bpcs) == 2, proc.stdout
    assert abs(bpcs[-1] - vals[-1] / math.log(2)) < 2e-3
    # uniform guessing over the vocabulary costs ln(103) = 4.63 nats; 80 steps must beat 3.3
    assert vals[-1] < 3.3 and vals[-1] < vals[0], proc.stdout
    sample = proc.stdout.split("sample:\n", 1)[1]
    assert sample.startswith("The ") and len(sample.rstrip("\n")) >= 40
    assert "chars/s" in proc.stdout
    state = lamina.load(str(out))
    assert any(k.startswith("head.") for k in state)
