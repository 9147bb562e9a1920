"""Zero-copy interop: numpy(), __array__, the buffer protocol, DLPack with numpy and torch,
from_numpy / asarray, and __cuda_array_interface__ on host tensors."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import lamina
from reference import arr, check, lam, to_np

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool
NP = {F32: np.float32, F64: np.float64, I64: np.int64, B: np.bool_}


def _ptr(a):
    return a.__array_interface__["data"][0]


def test_numpy_shares_memory_contiguous():
    t = lamina.arange(12, dtype=F32).reshape(3, 4)
    a = t.numpy()
    assert a.dtype == np.float32 and a.shape == (3, 4) and a.strides == (16, 4)
    assert _ptr(a) == t.data_ptr()
    a[1, 2] = -5.0  # numpy writes show in the tensor ...
    assert t[1, 2].item() == -5.0
    t[0, 0] = 42.0  # ... and tensor writes in the array
    assert a[0, 0] == 42.0


@pytest.mark.parametrize("dtype", [F32, F64, I64, B])
def test_numpy_shares_memory_strided(dtype, rng):
    base = np.arange(60).reshape(5, 12) % 7
    t = lam(base, dtype)
    v = t.t()[1::3, ::2]  # (4, 3) view with an offset and non-unit strides
    a = v.numpy()
    assert a.dtype == NP[dtype]
    np.testing.assert_array_equal(a, base.astype(NP[dtype]).T[1::3, ::2])
    assert a.strides == tuple(s * dtype.itemsize for s in v.stride())
    assert _ptr(a) == v.data_ptr()
    a[0, 0] = 1 if dtype != B else (not a[0, 0])
    assert t[0, 1].item() == a[0, 0]


def test_numpy_keeps_storage_alive():
    a = lamina.arange(1000, dtype=F64).numpy()
    gc.collect()
    assert a[999] == 999.0 and a.sum() == 999 * 1000 / 2


def test_numpy_refuses_tensors_requiring_grad():
    x = lamina.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[numpy\]"):
        x.numpy()
    assert x.detach().numpy().tolist() == [1.0, 1.0]
    assert x.numpy(force=True).tolist() == [1.0, 1.0]


def test_array_protocol():
    t = lamina.arange(6, dtype=F32).reshape(2, 3)
    a = np.asarray(t)
    assert a.dtype == np.float32 and _ptr(a) == t.data_ptr()  # no copy
    d = np.asarray(t, dtype=np.float64)
    assert d.dtype == np.float64 and d.tolist() == [[0, 1, 2], [3, 4, 5]]
    c = np.array(t)  # copies by default
    assert _ptr(c) != t.data_ptr()
    c2 = np.array(t, copy=True)
    c2[0, 0] = 9
    assert t[0, 0].item() == 0
    nc = np.array(t, copy=False)
    assert _ptr(nc) == t.data_ptr()
    with pytest.raises(ValueError):
        np.array(t, dtype=np.float64, copy=False)
    assert np.asarray(t.t()).strides == (4, 12)
    assert float(np.asarray(t).sum()) == 15.0


@pytest.mark.parametrize("dtype,fmt", [(F32, "f"), (F64, "d"), (I64, "q"), (B, "?")])
def test_buffer_protocol(dtype, fmt):
    t = lamina.zeros(3, 4, dtype=dtype)
    m = memoryview(t)
    assert m.format == fmt and m.shape == (3, 4) and m.itemsize == dtype.itemsize
    assert m.strides == (4 * dtype.itemsize, dtype.itemsize)
    v = t.t()[1:]
    mv = memoryview(v)
    assert mv.shape == (3, 3) and mv.strides == (dtype.itemsize, 4 * dtype.itemsize)
    a = np.asarray(mv)
    a[0, 0] = 1  # the memoryview aliases the tensor
    assert bool(t[0, 1].item())
    assert memoryview(lamina.zeros(0)).shape == (0,)
    assert memoryview(lamina.tensor(2.5)).shape == ()


@pytest.mark.parametrize("dtype", [F32, F64, I64, B])
def test_dlpack_to_numpy(dtype):
    t = lam(np.arange(12).reshape(3, 4) % 2, dtype)
    a = np.from_dlpack(t)
    assert a.dtype == NP[dtype] and a.shape == (3, 4) and _ptr(a) == t.data_ptr()
    a[2, 3] = 0 if a[2, 3] else 1
    assert to_np(t)[2, 3] == a[2, 3]
    v = t.t()[::2]
    av = np.from_dlpack(v)
    assert av.strides == tuple(s * dtype.itemsize for s in v.stride()) and _ptr(av) == v.data_ptr()
    np.testing.assert_array_equal(av, to_np(v))
    assert np.from_dlpack(lamina.tensor(3.5)).shape == ()
    assert np.from_dlpack(lamina.zeros(0, 2)).shape == (0, 2)
    assert t.__dlpack_device__() == (1, 0)


@pytest.mark.parametrize("npdt", [np.float32, np.float64, np.int64, np.bool_])
def test_dlpack_from_numpy(npdt):
    a = (np.arange(24).reshape(4, 6) % 3).astype(npdt)
    t = lamina.from_dlpack(a)
    assert t.dtype == {np.float32: F32, np.float64: F64, np.int64: I64, np.bool_: B}[npdt]
    assert t.shape == (4, 6) and t.data_ptr() == _ptr(a)
    a[1, 1] = 1 if not a[1, 1] else 0
    assert t[1, 1].item() == a[1, 1]
    s = a[1:, ::2].T  # strided and offset
    ts = lamina.from_dlpack(s)
    assert ts.data_ptr() == _ptr(s)
    assert ts.stride() == tuple(st // a.itemsize for st in s.strides)
    np.testing.assert_array_equal(to_np(ts), s)
    f = lamina.from_numpy(a)
    assert f.data_ptr() == _ptr(a)


def test_dlpack_import_keeps_producer_alive():
    t = lamina.from_dlpack(np.arange(1000, dtype=np.float64))
    gc.collect()
    assert t.sum().item() == 999 * 1000 / 2
    del t
    gc.collect()


def test_dlpack_rejects_what_it_cannot_hold():
    with pytest.raises(TypeError, match=r"^\[from_dlpack\]"):
        lamina.from_dlpack(np.ones(3, dtype=np.int32))
    with pytest.raises(ValueError, match=r"^\[from_dlpack\]"):
        lamina.from_dlpack(np.ones((2, 3))[::-1])
    a = np.ones((2, 3))[::-1]
    for _ in range(3):  # a refused import must not free the producer's memory
        with pytest.raises(ValueError):
            lamina.from_dlpack(a)
    gc.collect()
    assert a.sum() == 6.0
    with pytest.raises(TypeError, match=r"^\[from_dlpack\]"):
        lamina.from_dlpack(3.0)
    x = lamina.ones(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[__dlpack__\]"):
        np.from_dlpack(x)
    cap = lamina.ones(2).__dlpack__()
    lamina.from_dlpack(cap)
    with pytest.raises(ValueError, match=r"^\[from_dlpack\]"):
        lamina.from_dlpack(cap)  # a capsule is consumed once


def test_dlpack_round_trip_through_lamina():
    t = lamina.arange(10, dtype=F64)
    u = lamina.from_dlpack(t)
    assert u.data_ptr() == t.data_ptr()
    u[0] = 7.0
    assert t[0].item() == 7.0


def test_from_numpy_and_asarray():
    a = np.ones(3)
    f = lamina.from_numpy(a)
    a[0] = 5
    assert f.tolist() == [5.0, 1.0, 1.0] and f.dtype == F64
    with pytest.raises(TypeError, match=r"^\[from_numpy\]"):
        lamina.from_numpy([1, 2])
    b = np.ones(4, dtype=np.float32)
    s = lamina.asarray(b, copy=False)
    b[1] = 3
    assert s.tolist() == [1.0, 3.0, 1.0, 1.0] and s.data_ptr() == _ptr(b)
    shared = lamina.asarray(b)
    assert shared.data_ptr() == _ptr(b)
    copied = lamina.asarray(b, copy=True)
    assert copied.data_ptr() != _ptr(b)
    assert lamina.asarray(b, dtype=F64).dtype == F64
    with pytest.raises(ValueError, match=r"^\[asarray\]"):
        lamina.asarray(b, dtype=F64, copy=False)
    with pytest.raises(ValueError, match=r"^\[asarray\]"):
        lamina.asarray([1, 2], copy=False)
    assert lamina.asarray([1, 2]).tolist() == [1, 2]
    t = lamina.ones(2)
    assert lamina.asarray(t) is t


def test_cuda_array_interface_absent_on_cpu():
    t = lamina.ones(3)
    assert not hasattr(t, "__cuda_array_interface__")
    with pytest.raises(AttributeError, match=r"^\[__cuda_array_interface__\]"):
        t.__cuda_array_interface__


# --- torch ----------------------------------------------------------------------------------

TORCH_DTYPES = ["float32", "float64", "int64", "bool"]


@pytest.mark.parametrize("name", TORCH_DTYPES)
def test_dlpack_to_torch(name):
    torch = pytest.importorskip("torch")
    t = lam(np.arange(12).reshape(3, 4) % 2, getattr(lamina, name))
    tt = torch.from_dlpack(t)
    assert tt.dtype == getattr(torch, name) and tt.shape == (3, 4)
    assert tt.data_ptr() == t.data_ptr()
    tt[1, 2] = 0 if bool(tt[1, 2]) else 1
    assert t[1, 2].item() == tt[1, 2].item()
    v = t.t()[1:]
    tv = torch.from_dlpack(v)
    assert tv.stride() == v.stride() and tv.data_ptr() == v.data_ptr()
    assert tv.tolist() == v.tolist()


@pytest.mark.parametrize("name", TORCH_DTYPES)
def test_dlpack_from_torch(name):
    torch = pytest.importorskip("torch")
    src = (torch.arange(12).reshape(3, 4) % 2).to(getattr(torch, name))
    t = lamina.from_dlpack(src)
    assert t.dtype == getattr(lamina, name) and t.data_ptr() == src.data_ptr()
    src[0, 1] = 0 if bool(src[0, 1]) else 1
    assert t[0, 1].item() == src[0, 1].item()
    s = src.t()[1:]
    ts = lamina.from_dlpack(s)
    assert ts.stride() == s.stride() and ts.data_ptr() == s.data_ptr()
    assert ts.tolist() == s.tolist()


def test_torch_values_agree():
    torch = pytest.importorskip("torch")
    x = torch.randn(7, 33, dtype=torch.float64)
    t = lamina.from_dlpack(x)
    check(t.exp().sum(1), torch.exp(x).sum(1).numpy(), F64)
    check(t @ t.t(), (x @ x.t()).numpy(), F64)


def test_read_only_memory_is_not_shared():
    a = np.frombuffer(b"\x00" * 24, dtype=np.float64)  # immutable bytes underneath
    assert not a.flags.writeable
    for fn in (lamina.from_dlpack, lamina.from_numpy, lambda x: lamina.asarray(x, copy=False)):
        with pytest.raises(ValueError, match=r"^\[from_dlpack\] .*read-only"):
            fn(a)
    t = lamina.asarray(a)  # falls back to a copy
    t[0] = 5.0
    assert a[0] == 0.0 and t[0].item() == 5.0
    assert lamina.tensor(a).tolist() == [0.0, 0.0, 0.0]
