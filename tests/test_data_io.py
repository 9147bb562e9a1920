"""lamina.data (TensorDataset, DataLoader) and lamina.save / lamina.load (safetensors)."""
from __future__ import annotations

import io

import numpy as np
import pytest

import lamina
from lamina import nn
from lamina.data import DataLoader, Dataset, TensorDataset


def _xy(n=10):
    return np.arange(n * 3, dtype=np.float32).reshape(n, 3), np.arange(n, dtype=np.int64)


# --- data ------------------------------------------------------------------------------------

def test_tensor_dataset():
    x, y = _xy()
    ds = TensorDataset(x, lamina.tensor(y))
    assert len(ds) == 10
    xi, yi = ds[4]
    assert xi.tolist() == [12.0, 13.0, 14.0] and yi.item() == 4
    with pytest.raises(ValueError, match=r"\[TensorDataset\] size mismatch.*10 rows.*9"):
        TensorDataset(x, y[:9])
    with pytest.raises(ValueError, match=r"\[TensorDataset\] expected at least one"):
        TensorDataset()
    with pytest.raises(TypeError, match=r"\[TensorDataset\] argument 1"):
        TensorDataset(x, [1, 2])
    with pytest.raises(ValueError, match="0-d"):
        TensorDataset(lamina.tensor(1.0))


def test_dataloader_sequential_batches_and_drop_last():
    x, y = _xy(10)
    dl = DataLoader(TensorDataset(x, y), batch_size=4)
    batches = list(dl)
    assert len(dl) == 3 and len(batches) == 3
    assert [b[1].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    bx, by = batches[0]
    assert bx.shape == (4, 3) and bx.dtype == lamina.float32 and by.dtype == lamina.int64
    np.testing.assert_array_equal(bx.numpy(), x[:4])
    with lamina.no_grad():
        bx.fill_(-1.0)  # batches are copies: the dataset is untouched
    assert x[0, 0] == 0.0
    dl = DataLoader(TensorDataset(x, y), batch_size=4, drop_last=True)
    assert len(dl) == 2 and [len(b[1]) for b in dl] == [4, 4]
    assert len(DataLoader(TensorDataset(x), batch_size=20, drop_last=True)) == 0
    single = list(DataLoader(x, batch_size=3))
    assert isinstance(single[0], lamina.Tensor) and [len(b) for b in single] == [3, 3, 3, 1]


def test_dataloader_shuffle_seeded_and_reshuffles_per_epoch():
    x, y = _xy(50)
    a = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3)
    b = DataLoader(TensorDataset(x, y), batch_size=8, shuffle=True, seed=3)
    ea1 = np.concatenate([t[1].numpy() for t in a])
    ea2 = np.concatenate([t[1].numpy() for t in a])
    eb1 = np.concatenate([t[1].numpy() for t in b])
    eb2 = np.concatenate([t[1].numpy() for t in b])
    np.testing.assert_array_equal(ea1, eb1)  # same seed, same order
    np.testing.assert_array_equal(ea2, eb2)
    assert not np.array_equal(ea1, ea2)  # a fresh order each epoch
    assert sorted(ea1.tolist()) == list(range(50))  # a permutation: every sample once
    for bx, by in a:  # rows stay paired
        np.testing.assert_array_equal(bx.numpy(), x[by.numpy()])


def test_dataloader_generic_dataset_and_errors():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return np.array([i, i * i], np.float64), i, {"even": float(i % 2 == 0)}

    batches = list(DataLoader(Squares(), batch_size=2))
    feats, idx, extra = batches[0]
    assert feats.shape == (2, 2) and feats.dtype == lamina.float64
    assert idx.tolist() == [0, 1] and extra["even"].tolist() == [1.0, 0.0]
    assert len(batches) == 3
    x, _ = _xy()
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match=r"\[DataLoader\] batch_size"):
            DataLoader(x, batch_size=bad)
    with pytest.raises(TypeError, match=r"\[DataLoader\]"):
        DataLoader(42)
    with pytest.raises(TypeError, match=r"\[DataLoader\] seed"):
        DataLoader(x, seed="abc")


def test_dataloader_on_device(device):
    x, y = _xy(9)
    ds = TensorDataset(lamina.tensor(x, device=device), lamina.tensor(y, device=device))
    for bx, by in DataLoader(ds, batch_size=4, shuffle=True, seed=0):
        assert bx.device == lamina.device(device) and by.device == lamina.device(device)
        np.testing.assert_array_equal(bx.cpu().numpy(), x[by.cpu().numpy()])


# --- save / load -----------------------------------------------------------------------------

def test_save_load_roundtrip(tmp_path, rng):
    sd = {"w": lamina.tensor(rng.standard_normal((7, 3)).astype(np.float32)),
          "d": lamina.tensor(rng.standard_normal(5)),
          "i": lamina.tensor([1, 2, 3]),
          "b": lamina.tensor([True, False]),
          "t": lamina.tensor(rng.standard_normal((4, 6))).t(),  # non-contiguous
          "s": lamina.tensor(2.5)}
    path = tmp_path / "sd.safetensors"
    lamina.save(sd, path)
    back = lamina.load(str(path))
    assert set(back) == set(sd)
    for k, v in sd.items():
        assert back[k].dtype == v.dtype and back[k].shape == v.shape, k
        np.testing.assert_array_equal(back[k].numpy(), v.numpy())
    buf = io.BytesIO()
    lamina.save(sd, buf)
    buf.seek(0)
    assert lamina.load(buf)["i"].tolist() == [1, 2, 3]


def test_save_load_model(tmp_path, rng):
    m = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    lamina.save(m.state_dict(), tmp_path / "m.safetensors")
    m2 = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 2))
    m2.load_state_dict(lamina.load(tmp_path / "m.safetensors"))
    x = lamina.tensor(rng.standard_normal((3, 6)).astype(np.float32))
    np.testing.assert_array_equal(m(x).detach().numpy(), m2(x).detach().numpy())


def test_load_torch_written_file(tmp_path, rng):
    torch = pytest.importorskip("torch")
    st = pytest.importorskip("safetensors.torch")
    tm = torch.nn.Sequential(torch.nn.Linear(5, 16), torch.nn.ReLU(), torch.nn.Linear(16, 3))
    path = tmp_path / "torch.safetensors"
    st.save_file({k: v.contiguous() for k, v in tm.state_dict().items()}, str(path))
    lm = nn.Sequential(nn.Linear(5, 16), nn.ReLU(), nn.Linear(16, 3))
    assert lm.load_state_dict(lamina.load(path)).missing_keys == []
    x = rng.standard_normal((4, 5)).astype(np.float32)
    np.testing.assert_allclose(lm(lamina.tensor(x)).detach().numpy(),
                               tm(torch.from_numpy(x)).detach().numpy(), rtol=1e-5, atol=1e-6)
    # half precision and small integer types widen to lamina's dtypes
    st.save_file({"h": torch.tensor([1.5, -2.0], dtype=torch.bfloat16),
                  "f": torch.tensor([0.25], dtype=torch.float16),
                  "n": torch.tensor([3], dtype=torch.int32)}, str(tmp_path / "half.safetensors"))
    half = lamina.load(tmp_path / "half.safetensors")
    assert half["h"].dtype == lamina.float32 and half["h"].tolist() == [1.5, -2.0]
    assert half["f"].tolist() == [0.25] and half["n"].dtype == lamina.int64


def test_load_bad_files(tmp_path):
    good = tmp_path / "good.safetensors"
    lamina.save({"a": lamina.randn(100)}, good)
    data = good.read_bytes()
    cases = {"truncated": data[:-10], "header_only": data[:20], "empty": b"",
             "garbage": b"this is not a safetensors file at all"}
    for name, blob in cases.items():
        p = tmp_path / f"{name}.safetensors"
        p.write_bytes(blob)
        with pytest.raises(ValueError, match=r"^\[load\] .*" + name):
            lamina.load(p)
    with pytest.raises(FileNotFoundError, match=r"\[load\] no such file"):
        lamina.load(tmp_path / "missing.safetensors")


def test_save_rejects_non_tensors(tmp_path):
    p = tmp_path / "x.safetensors"
    with pytest.raises(TypeError, match=r"\[save\] value for key 'step' has type int"):
        lamina.save({"w": lamina.ones(2), "step": 3}, p)
    with pytest.raises(TypeError, match=r"\[save\] value for key 'state' has type dict"):
        lamina.save({"state": {"a": lamina.ones(1)}}, p)
    with pytest.raises(TypeError, match=r"\[save\] keys must be strings"):
        lamina.save({1: lamina.ones(1)}, p)
    with pytest.raises(TypeError, match=r"\[save\] expected a dict"):
        lamina.save([lamina.ones(1)], p)
    assert not p.exists()
