"""`lamina train digits --model mlp`: trains on the real bundled digits to >= 97% accuracy."""
import re
import subprocess
import sys

import numpy as np
import pytest

import lamina

pytest.importorskip("sklearn")


def test_train_digits_mlp_reaches_97_percent_and_saves(tmp_path):
    out = tmp_path / "mlp.safetensors"
    proc = subprocess.run([sys.executable, "-m", "lamina", "train", "digits", "--model", "mlp",
                           "--no-progress", "--save", str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    accs = [float(a) for a in re.findall(r"test acc\s+([\d.]+)%", proc.stdout)]
    assert len(accs) == 30 and accs[-1] >= 97.0, proc.stdout
    assert "images/s" in proc.stdout

    # the saved weights reproduce the reported accuracy
    from lamina.train import datasets, models
    from lamina.train.loop import evaluate
    model = models.mlp()
    model.load_state_dict(lamina.load(str(out)))
    _, (x, y) = datasets.digits(seed=0)
    _, acc = evaluate(model, lamina.tensor(x), lamina.tensor(y))
    assert abs(100 * acc - accs[-1]) < 0.006  # printed with two decimals


def test_train_rejects_unknown_model():
    proc = subprocess.run([sys.executable, "-m", "lamina", "train", "digits", "--model", "nope"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "unknown model" in (proc.stderr + proc.stdout)


def test_digits_split_is_deterministic_and_real():
    from lamina.train import datasets
    (a, ya), (b, yb) = datasets.digits(seed=0)
    (a2, _), _ = datasets.digits(seed=0)
    np.testing.assert_array_equal(a, a2)
    assert a.shape[1:] == (1, 8, 8) and len(ya) + len(yb) == 1797
    assert set(np.unique(ya)) == set(range(10)) and 0.0 <= a.min() and a.max() <= 1.0


def test_train_digits_cnn_reaches_98_percent():
    proc = subprocess.run([sys.executable, "-m", "lamina", "train", "digits", "--model", "cnn",
                           "--no-progress"], capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr
    accs = [float(a) for a in re.findall(r"test acc\s+([\d.]+)%", proc.stdout)]
    assert len(accs) == 15 and accs[-1] >= 98.0, proc.stdout
