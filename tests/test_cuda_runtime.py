"""The CUDA caching allocator through lamina.cuda: memory_allocated, memory_reserved,
empty_cache, and the no-cache mode (LAMINA_CUDA_NO_CACHE=1, in a subprocess: the switch is read
once per process). Block sizes are rounded: 512-byte multiples up to 1 MiB, 2 MiB multiples
above (csrc/cuda/allocator.cu)."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import pytest

import lamina

pytestmark = pytest.mark.skipif(
    not lamina.cuda.is_available(),
    reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}")

MiB = 1 << 20


def _rounded(nbytes):
    """The allocator's block size for a request of nbytes."""
    n = max(nbytes, 1)
    r = 2 * MiB if n > MiB else 512
    return (n + r - 1) // r * r


def _alloc(nbytes):
    """One cuda tensor of exactly nbytes (float32 elements; nbytes a multiple of 4)."""
    return lamina.empty(nbytes // 4, dtype=lamina.float32, device="cuda")


def _counts():
    return lamina.cuda.memory_allocated(), lamina.cuda.memory_reserved()


@pytest.fixture
def settled():
    """No garbage from earlier tests holding or about to release blocks mid-test."""
    gc.collect()
    lamina.cuda.synchronize()
    yield
    gc.collect()


@pytest.mark.parametrize("nbytes", [4, 2000, 4096, 512 * 1000 + 4, MiB, MiB + 4, 5 * MiB + 4])
def test_cuda_allocated_rises_and_falls_exactly(nbytes, settled):
    a0, r0 = _counts()
    t = _alloc(nbytes)
    a1, r1 = _counts()
    assert a1 - a0 == _rounded(nbytes)
    assert r1 >= a1 and r1 - r0 in (0, _rounded(nbytes))  # a cached block or a fresh one
    del t
    a2, r2 = _counts()
    assert a2 == a0
    assert r2 == r1  # the block stays cached


def test_cuda_cached_block_is_reused_and_empty_cache_releases_it(settled):
    size = 3 * MiB  # a 4 MiB block
    lamina.cuda.empty_cache()
    a0, r0 = _counts()
    assert r0 == a0  # nothing cached
    t = _alloc(size)
    ptr = t.data_ptr()
    assert _counts() == (a0 + 4 * MiB, r0 + 4 * MiB)  # cudaMalloc'd
    del t
    assert _counts() == (a0, r0 + 4 * MiB)  # freed into the cache, still reserved
    u = _alloc(size - 4096)  # same rounded size: the cached block, no new reservation
    assert u.data_ptr() == ptr
    assert _counts() == (a0 + 4 * MiB, r0 + 4 * MiB)
    lamina.cuda.empty_cache()  # a block in use is not released
    assert _counts() == (a0 + 4 * MiB, r0 + 4 * MiB)
    del u
    lamina.cuda.empty_cache()
    assert _counts() == (a0, r0)
    assert lamina.cuda.memory_reserved() == lamina.cuda.memory_allocated()


def test_cuda_allocator_counts_views_once_and_follows_storage_lifetime(settled):
    a0, _ = _counts()
    t = _alloc(8192)
    v = t[100:200]  # a view holds the storage, adds nothing
    w = t.view(2, -1).t()
    assert lamina.cuda.memory_allocated() == a0 + 8192
    del t, w
    assert lamina.cuda.memory_allocated() == a0 + 8192  # v still holds it
    del v
    assert lamina.cuda.memory_allocated() == a0


def test_cuda_allocator_queries_other_devices_and_arguments(settled):
    assert lamina.cuda.memory_allocated(0) == lamina.cuda.memory_allocated()
    assert lamina.cuda.memory_reserved(device=0) == lamina.cuda.memory_reserved()
    n = lamina.cuda.device_count()
    assert lamina.cuda.memory_allocated(n) == 0 and lamina.cuda.memory_reserved(n) == 0


def test_cuda_allocator_counts_ops_temporaries_and_returns_them(settled, rng):
    """An op's own scratch (reduction partials, attention row dots) goes back to the cache: after
    the results are gone the allocated bytes are where they started."""
    a0, _ = _counts()
    x = lamina.tensor(rng.standard_normal((3, 5000)), dtype=lamina.float32, device="cuda")
    q = lamina.tensor(rng.standard_normal((1, 2, 7, 8)), dtype=lamina.float32, device="cuda",
                      requires_grad=True)
    s = x.sum(1)
    o = lamina.nn.functional.scaled_dot_product_attention(q, q, q)
    o.sum().backward()
    assert lamina.cuda.memory_allocated() > a0
    del x, q, s, o
    gc.collect()
    assert lamina.cuda.memory_allocated() == a0


_NO_CACHE = textwrap.dedent("""
    import lamina
    A, R = lamina.cuda.memory_allocated, lamina.cuda.memory_reserved
    a0, r0 = A(), R()
    assert a0 == r0, (a0, r0)
    for nbytes in (4, 2000, 1 << 20, (1 << 20) + 4, 3 << 20):
        r = 2 << 20 if nbytes > 1 << 20 else 512
        size = (nbytes + r - 1) // r * r
        t = lamina.empty(nbytes // 4, device="cuda")
        assert (A() - a0, R() - r0) == (size, size), (nbytes, A() - a0, R() - r0)
        del t
        assert (A(), R()) == (a0, r0), (nbytes, A(), R())
    t = lamina.ones(1000, device="cuda")
    u = (t * 2).sum()  # ops and their temporaries: nothing is ever cached
    assert A() == R() and u.item() == 2000.0
    del t, u
    lamina.cuda.empty_cache()
    assert (A(), R()) == (a0, r0)
    print("no-cache ok")
""")


def test_cuda_no_cache_mode_reserves_exactly_what_is_allocated():
    env = dict(os.environ, LAMINA_CUDA_NO_CACHE="1")
    out = subprocess.run([sys.executable, "-c", _NO_CACHE], env=env, capture_output=True,
                         text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "no-cache ok"


def test_cuda_no_cache_switch_off_values_keep_caching():
    """LAMINA_CUDA_NO_CACHE=0 (or empty) leaves caching on."""
    code = ("import lamina; t = lamina.empty(1000, device='cuda'); del t; "
            "print(lamina.cuda.memory_reserved() - lamina.cuda.memory_allocated())")
    for value in ("0", ""):
        env = dict(os.environ, LAMINA_CUDA_NO_CACHE=value)
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                             text=True, timeout=300)
        assert out.returncode == 0, out.stderr
        assert int(out.stdout) >= 4096, (value, out.stdout)
