"""Zero-copy exchange of cuda tensors: DLPack and ``__cuda_array_interface__``.

- lamina with itself (any CUDA build, the simulator included): the capsule a cuda tensor
  exports, re-imported, shares memory; the ``__cuda_array_interface__`` dict (pointer of the
  first element, byte strides of a view, typestr, version, stream).
- CuPy (the GPU array peer, ``pip install lamina[cuda]``) and torch with CUDA, where they can
  run: round-trip values, shared memory (a write on one side is seen on the other), strides and
  offsets of views, in both directions and through both protocols, and the stream handshake
  of DLPack (a producer on a side stream, a consumer on a side stream).
  They need a real GPU under both libraries: lamina's simulator keeps "device" memory on the
  host, which no real CUDA library can address, so there they skip with the reason.
Stream rule checked here (lamina.cuda's docstring): all lamina work is on the legacy default
stream; ``__dlpack__(stream=s)`` orders it before the consumer; ``lamina.from_dlpack`` asks the
producer to order its work before the legacy stream."""
from __future__ import annotations

import gc

import numpy as np
import pytest

import lamina
from reference import lam, to_np

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool
DTYPES = [F32, F64, I64, B]
NP = {F32: np.float32, F64: np.float64, I64: np.int64, B: np.bool_}
TYPESTR = {F32: "<f4", F64: "<f8", I64: "<i8", B: "|b1"}

_CUDA = lamina.cuda.is_available()
_BACKEND = lamina.build_info().get("cuda_backend")
needs_cuda = pytest.mark.skipif(not _CUDA,
                                reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}")


def _real_gpu_reason():
    """Why a real-GPU peer cannot share lamina's cuda memory here (None when it can)."""
    if not _CUDA:
        return f"lamina has no CUDA device: {lamina.cuda.unavailable_reason()}"
    if _BACKEND == "simulator":
        return ("lamina's cuda device is the CPU simulator here (LAMINA_CUDA=SIM): its device "
                "memory is host memory, which a real CUDA library cannot address")
    return None


def _cupy_peer_reason():
    try:
        import cupy
    except ImportError as e:  # also a CuPy wheel built for another CUDA major
        return f"CuPy is not installed (pip install 'lamina[cuda]' adds cupy-cuda12x): {e}"
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            return "CuPy sees no GPU"
    except Exception as e:  # CUDARuntimeError: no driver / no device
        return f"CuPy cannot use a GPU here: {e}"
    return None


def _torch_peer_reason():
    try:
        import torch
    except ImportError:
        return "torch is not installed"
    if not torch.cuda.is_available():
        return f"torch {torch.__version__} has no CUDA here (a CPU-only build, or no GPU)"
    return None


def _skip_reason(peer):
    """Every reason the peer tests cannot run here, joined; None when they can."""
    why = [w for w in (_real_gpu_reason(), peer()) if w]
    return "; ".join(why) or None


_CUPY_WHY, _TORCH_WHY = _skip_reason(_cupy_peer_reason), _skip_reason(_torch_peer_reason)
needs_cupy = pytest.mark.skipif(_CUPY_WHY is not None, reason=str(_CUPY_WHY))
needs_torch_cuda = pytest.mark.skipif(_TORCH_WHY is not None, reason=str(_TORCH_WHY))


def _values(dtype, shape=(5, 12)):
    """Distinct values (bools alternate in a pattern that is not symmetric under transposes)."""
    n = int(np.prod(shape))
    x = np.arange(n).reshape(shape)
    if dtype == B:
        return (x % 3 == 1)
    return (x * 0.5 - 7).astype(NP[dtype]) if dtype.is_floating_point else (x - 7).astype(np.int64)


def _flip(v, dtype):
    """A value different from v, of the dtype's Python type."""
    if dtype == B:
        return not bool(v)
    return type(v)(v + 100)


def _view(t):
    """A (4, 3) view with a storage offset and no unit stride: t (5, 12) contiguous ->
    t.t()[1::3, ::2], strides (3, 24), offset 1; view[i, j] is t[2 j, 1 + 3 i]."""
    return t.t()[1::3, ::2]


def _np_view(a):
    return a.T[1::3, ::2]


class CAIOnly:
    """Exposes a tensor through ``__cuda_array_interface__`` alone (no ``__dlpack__``), so a
    consumer cannot pick the other protocol; holds the tensor while the consumer's array
    lives (consumers keep this object as the owner)."""

    def __init__(self, t):
        self.tensor = t
        self.__cuda_array_interface__ = t.__cuda_array_interface__


# --- lamina with itself (runs on the simulator) -----------------------------------------------

@needs_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
@pytest.mark.parametrize("versioned", [False, True], ids=["v0", "v1"])
def test_cuda_dlpack_round_trip_through_lamina(dtype, versioned):
    x = _values(dtype)
    t = lam(x, dtype, "cuda")
    assert t.__dlpack_device__() == (2, 0)
    u = lamina.from_dlpack(t.__dlpack__(stream=1, max_version=(1, 0) if versioned else None))
    assert u.device == t.device and u.dtype == dtype and u.shape == t.shape
    assert u.data_ptr() == t.data_ptr() and u.stride() == t.stride()
    np.testing.assert_array_equal(to_np(u), x)
    u[1, 2] = _flip(u[1, 2].item(), dtype)  # one memory
    assert t[1, 2].item() == u[1, 2].item()
    v = _view(t)
    w = lamina.from_dlpack(v)
    assert w.stride() == v.stride() == (3, 24) and w.data_ptr() == v.data_ptr()
    assert w.data_ptr() == t.data_ptr() + t.element_size()
    np.testing.assert_array_equal(to_np(w), to_np(v))
    t[2, 4] = _flip(t[2, 4].item(), dtype)  # element (1, 1) of the view
    assert w[1, 1].item() == t[2, 4].item()


@needs_cuda
def test_cuda_dlpack_import_keeps_the_export_alive():
    t = lamina.arange(1000, dtype=F64, device="cuda")
    ptr = t.data_ptr()
    u = lamina.from_dlpack(t)
    del t
    gc.collect()
    w = lamina.empty(1000, dtype=F64, device="cuda")  # must not get t's block
    assert w.data_ptr() != ptr
    assert u.sum().item() == 999 * 1000 / 2 and u.data_ptr() == ptr


@needs_cuda
def test_cuda_dlpack_arguments():
    t = lamina.ones(3, device="cuda")
    with pytest.raises(BufferError, match=r"^\[__dlpack__\]"):
        t.__dlpack__(dl_device=(1, 0))  # no implicit device-to-host copy
    c = lamina.from_dlpack(t.__dlpack__(copy=True))
    assert c.data_ptr() != t.data_ptr() and to_np(c).tolist() == [1.0, 1.0, 1.0]
    lamina.from_dlpack(t.__dlpack__(stream=None))
    lamina.from_dlpack(t.__dlpack__(stream=-1))
    x = lamina.ones(2, device="cuda", requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[__dlpack__\]"):
        x.__dlpack__()
    with pytest.raises(RuntimeError, match=r"^\[__cuda_array_interface__\]"):
        x.__cuda_array_interface__
    assert lamina.from_dlpack(x.detach()).data_ptr() == x.data_ptr()


@needs_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cuda_array_interface_dict(dtype):
    t = lam(_values(dtype), dtype, "cuda")
    cai = t.__cuda_array_interface__
    assert cai == {"shape": (5, 12), "typestr": TYPESTR[dtype], "data": (t.data_ptr(), False),
                   "version": 3, "strides": None, "stream": 1}
    v = _view(t)
    cai = v.__cuda_array_interface__
    isz = t.element_size()
    assert cai["shape"] == (4, 3) and cai["strides"] == (3 * isz, 24 * isz)
    assert cai["data"] == (t.data_ptr() + isz, False) == (v.data_ptr(), False)
    assert lamina.zeros(0, 3, device="cuda").__cuda_array_interface__["data"] == (0, False)
    scalar = lamina.tensor(2.5, device="cuda").__cuda_array_interface__
    assert scalar["shape"] == () and scalar["strides"] is None


# --- CuPy --------------------------------------------------------------------------------------

@needs_cupy
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cupy_from_lamina_dlpack(dtype):
    import cupy as cp
    x = _values(dtype)
    t = lam(x, dtype, "cuda")
    c = cp.from_dlpack(t)
    assert c.dtype == NP[dtype] and c.shape == (5, 12) and c.data.ptr == t.data_ptr()
    np.testing.assert_array_equal(cp.asnumpy(c), x)
    c[1, 2] = _flip(c[1, 2].item(), dtype)  # a CuPy kernel on its (legacy) stream
    assert t[1, 2].item() == c[1, 2].item()
    t[0, 0] = _flip(t[0, 0].item(), dtype)  # a lamina kernel
    assert c[0, 0].item() == t[0, 0].item()
    v = _view(t)
    cv = cp.from_dlpack(v)
    assert cv.data.ptr == v.data_ptr() and cv.strides == tuple(s * t.element_size()
                                                                for s in v.stride())
    np.testing.assert_array_equal(cp.asnumpy(cv), _np_view(to_np(t)))


@needs_cupy
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_cupy_from_lamina_cuda_array_interface(dtype):
    import cupy as cp
    x = _values(dtype)
    t = lam(x, dtype, "cuda")
    c = cp.asarray(CAIOnly(t))  # no copy
    assert c.data.ptr == t.data_ptr() and c.dtype == NP[dtype]
    np.testing.assert_array_equal(cp.asnumpy(c), x)
    c[4, 11] = _flip(c[4, 11].item(), dtype)
    assert t[4, 11].item() == c[4, 11].item()
    v = _view(t)
    cv = cp.asarray(CAIOnly(v))
    assert cv.data.ptr == v.data_ptr()
    assert cv.strides == tuple(s * t.element_size() for s in v.stride())
    np.testing.assert_array_equal(cp.asnumpy(cv), to_np(v))
    t[2, 4] = _flip(t[2, 4].item(), dtype)  # element (1, 1) of the view
    assert cv[1, 1].item() == t[2, 4].item()


@needs_cupy
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_lamina_from_cupy_dlpack(dtype):
    import cupy as cp
    x = _values(dtype)
    c = cp.asarray(x)
    t = lamina.from_dlpack(c)
    assert t.device == lamina.device("cuda:0") and t.dtype == dtype
    assert t.data_ptr() == c.data.ptr and t.stride() == (12, 1)
    np.testing.assert_array_equal(to_np(t), x)
    t[2, 3] = _flip(t[2, 3].item(), dtype)
    assert c[2, 3].item() == t[2, 3].item()
    c[0, 5] = _flip(c[0, 5].item(), dtype)
    assert t[0, 5].item() == c[0, 5].item()
    cv = _np_view(c)  # offset and strides, both directions of travel
    tv = lamina.from_dlpack(cv)
    assert tv.data_ptr() == cv.data.ptr and tv.stride() == tuple(s // c.itemsize
                                                                 for s in cv.strides)
    np.testing.assert_array_equal(to_np(tv), cp.asnumpy(cv))
    assert lamina.asarray(c).data_ptr() == c.data.ptr  # asarray shares too
    with pytest.raises(ValueError, match=r"^\[from_dlpack\] negative strides"):
        lamina.from_dlpack(c[::-1])


@needs_cupy
def test_cupy_round_trip_and_lifetimes():
    import cupy as cp
    t = lamina.arange(4096, dtype=F32, device="cuda")
    ptr = t.data_ptr()
    back = lamina.from_dlpack(cp.from_dlpack(t))  # lamina -> CuPy -> lamina: one memory
    assert back.data_ptr() == ptr
    del t
    gc.collect()
    assert lamina.empty(4096, dtype=F32, device="cuda").data_ptr() != ptr  # still held
    assert back.sum().item() == 4095 * 4096 / 2
    c = cp.arange(10, dtype=cp.float64)
    u = lamina.from_dlpack(c)
    del c
    gc.collect()
    cp.get_default_memory_pool().free_all_blocks()  # CuPy must not free what lamina holds
    assert to_np(u).tolist() == list(range(10))
    # values computed on both sides agree
    a = cp.random.default_rng(0).standard_normal((33, 17))
    la = lamina.from_dlpack(a)
    np.testing.assert_allclose(to_np(la @ la.t()), cp.asnumpy(a @ a.T), rtol=1e-12, atol=1e-12)


# --- torch (CUDA) ------------------------------------------------------------------------------

TORCH_NAMES = {F32: "float32", F64: "float64", I64: "int64", B: "bool"}


@needs_torch_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_torch_from_lamina_dlpack_and_cuda_array_interface(dtype):
    import torch
    x = _values(dtype)
    t = lam(x, dtype, "cuda")
    for how, tt in [("dlpack", torch.from_dlpack(t)),
                    ("cai", torch.as_tensor(CAIOnly(t), device="cuda"))]:
        assert tt.is_cuda and tt.dtype == getattr(torch, TORCH_NAMES[dtype]), how
        assert tt.data_ptr() == t.data_ptr(), how
        np.testing.assert_array_equal(tt.cpu().numpy(), to_np(t), err_msg=how)
        tt[1, 2] = _flip(tt[1, 2].item(), dtype)
        assert t[1, 2].item() == tt[1, 2].item(), how
        t[0, 7] = _flip(t[0, 7].item(), dtype)
        assert tt[0, 7].item() == t[0, 7].item(), how
    v = _view(t)
    for how, tv in [("dlpack", torch.from_dlpack(v)),
                    ("cai", torch.as_tensor(CAIOnly(v), device="cuda"))]:
        assert tv.data_ptr() == v.data_ptr() and tv.stride() == v.stride(), how
        np.testing.assert_array_equal(tv.cpu().numpy(), to_np(v), err_msg=how)


@needs_torch_cuda
@pytest.mark.parametrize("dtype", DTYPES, ids=str)
def test_lamina_from_torch_cuda_dlpack(dtype):
    import torch
    src = torch.from_numpy(np.ascontiguousarray(_values(dtype))).cuda()
    t = lamina.from_dlpack(src)
    assert t.device == lamina.device("cuda:0") and t.dtype == dtype
    assert t.data_ptr() == src.data_ptr() and t.stride() == src.stride()
    np.testing.assert_array_equal(to_np(t), src.cpu().numpy())
    src[0, 1] = _flip(src[0, 1].item(), dtype)
    assert t[0, 1].item() == src[0, 1].item()
    t[4, 4] = _flip(t[4, 4].item(), dtype)
    assert src[4, 4].item() == t[4, 4].item()
    s = src.t()[1::3, ::2]
    ts = lamina.from_dlpack(s)
    assert ts.data_ptr() == s.data_ptr() and ts.stride() == s.stride()
    np.testing.assert_array_equal(to_np(ts), s.cpu().numpy())


@needs_torch_cuda
def test_torch_side_stream_producer_is_ordered_before_lamina():
    """torch fills a tensor on a non-blocking side stream, after a long sleep there; lamina
    imports it inside that stream context (``__dlpack__(stream=1)``: torch makes the legacy
    stream wait for its side stream) and reduces it on the legacy stream: it sees the fill."""
    import torch
    n = 1 << 22
    x = torch.zeros(n, device="cuda")
    torch.cuda.synchronize()
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        if hasattr(torch.cuda, "_sleep"):
            torch.cuda._sleep(100_000_000)  # ~50 ms on the side stream: a race would show
        x.fill_(3.0)
        t = lamina.from_dlpack(x)
    assert t.sum().item() == 3.0 * n
    s.synchronize()


@needs_torch_cuda
def test_torch_side_stream_consumer_is_ordered_after_lamina():
    """lamina writes on the legacy stream (a long GEMM); torch imports the result inside a
    side-stream context (``__dlpack__(stream=s)``: lamina synchronises) and reads it there."""
    import torch
    a = lamina.ones(2048, 2048, device="cuda")
    c = a @ a  # every element 2048, queued on the legacy stream
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        tc = torch.from_dlpack(c)
        total = tc.sum()
    s.synchronize()
    assert total.item() == 2048.0 ** 3


@needs_torch_cuda
def test_torch_side_stream_consumer_synchronises_before_the_free():
    """The rule for memory lamina frees (lamina.cuda docstring): a consumer working on lamina
    memory on its own stream synchronises that stream before dropping its last reference; the
    block then goes straight to the next lamina allocation."""
    import torch
    n = 1 << 20
    t = lamina.full((n,), 2.0, device="cuda")
    ptr = t.data_ptr()
    s = torch.cuda.Stream()
    with torch.cuda.stream(s):
        tt = torch.from_dlpack(t)
        if hasattr(torch.cuda, "_sleep"):
            torch.cuda._sleep(100_000_000)
        y = tt * 3.0  # reads lamina memory on s
    s.synchronize()  # the rule
    del tt, t
    gc.collect()
    u = lamina.full((n,), 7.0, device="cuda")  # reuses the block at once
    assert u.data_ptr() == ptr
    assert y.sum().item() == 6.0 * n


@needs_torch_cuda
def test_torch_values_agree_on_cuda(rng):
    import torch
    x = torch.from_numpy(rng.standard_normal((7, 33))).cuda()
    t = lamina.from_dlpack(x)
    np.testing.assert_allclose(to_np(t.exp().sum(1)), torch.exp(x).sum(1).cpu().numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(to_np(t @ t.t()), (x @ x.t()).cpu().numpy(), rtol=1e-12,
                               atol=1e-12)
