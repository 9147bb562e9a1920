"""The host caching allocator through lamina.cpu: blocks of 256 KiB and more are kept when freed
and handed out again at the same size rounded up to 64 KiB, smaller ones go straight back to
malloc; LAMINA_HOST_CACHE_MB caps the cache (read once per process: those cases run in a
subprocess) and LAMINA_EXACT_ALLOC turns it off (csrc/core/allocator.cpp)."""
from __future__ import annotations

import gc
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lamina
from reference import wait_child

KiB, MiB = 1 << 10, 1 << 20
CACHED = os.environ.get("LAMINA_EXACT_ALLOC", "0") in ("", "0")


def _rounded(nbytes):
    return -(-nbytes // (64 * KiB)) * 64 * KiB


@pytest.fixture
def empty():
    gc.collect()
    lamina.cpu.empty_cache()
    assert lamina.cpu.memory_cached() == 0
    yield
    gc.collect()


@pytest.mark.skipif(not CACHED, reason="LAMINA_EXACT_ALLOC turns the host cache off")
@pytest.mark.parametrize("nbytes", [256 * KiB, 256 * KiB + 4, MiB, 5 * MiB + 12])
def test_large_block_is_cached_and_reused(nbytes, empty):
    t = lamina.empty(nbytes // 4, dtype=lamina.float32)
    ptr = t.data_ptr()
    del t
    assert lamina.cpu.memory_cached() == _rounded(nbytes)
    u = lamina.empty(nbytes // 4, dtype=lamina.float32)  # same rounded size: the same block
    assert u.data_ptr() == ptr and u.data_ptr() % 4096 == 0
    assert lamina.cpu.memory_cached() == 0
    del u
    lamina.cpu.empty_cache()
    assert lamina.cpu.memory_cached() == 0


@pytest.mark.parametrize("nbytes", [4, 4 * KiB, 256 * KiB - 4])
def test_small_blocks_are_not_cached(nbytes, empty):
    t = lamina.empty(nbytes // 4, dtype=lamina.float32)
    del t
    assert lamina.cpu.memory_cached() == 0


def test_reused_block_holds_no_stale_values(rng, empty):
    n = MiB // 8
    x = lamina.tensor(rng.standard_normal(n))
    y = (x * 3.0).numpy().copy()
    del x
    z = lamina.zeros(n, dtype=lamina.float64)  # may get x's block: it must still read as zeros
    np.testing.assert_array_equal(z.numpy(), np.zeros(n))
    w = lamina.ones(n, dtype=lamina.float64) + lamina.tensor(y)
    np.testing.assert_allclose(w.numpy(), 1.0 + y)


def _run(code, **env):
    full = {**os.environ, **env}
    full.pop("LAMINA_EXACT_ALLOC", None)
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=full,
                          capture_output=True, text=True, timeout=120)


def test_cache_limit_from_environment():
    code = """
        import lamina
        def cycle(*mib):
            ts = [lamina.empty(m << 18, dtype=lamina.float32) for m in mib]
            del ts
            return lamina.cpu.memory_cached() >> 20
        print(cycle(4), cycle(4, 4), cycle(3, 6), cycle(20))
    """
    r = _run(code, LAMINA_HOST_CACHE_MB="10")
    assert r.returncode == 0, r.stderr
    # 4 cached; then 4 + 4 (one reused, one fresh); then 3 and 6 (fresh) overflow 10 when the
    # first of them comes back: the two 4s are released and both end cached; a 20 MiB block
    # never fits, and is freed without touching the cache
    assert r.stdout.split() == ["4", "8", "9", "9"]
    r = _run(code, LAMINA_HOST_CACHE_MB="0")
    assert r.returncode == 0, r.stderr
    assert r.stdout.split() == ["0"] * 4


def test_bad_cache_limit_is_a_clear_error():
    r = _run("import lamina; lamina.empty(1 << 20)", LAMINA_HOST_CACHE_MB="lots")
    assert r.returncode != 0 and "[alloc] LAMINA_HOST_CACHE_MB" in r.stderr, r.stderr


def test_fork_while_another_thread_allocates():
    """The child of a fork taken while a thread is inside the allocator can still allocate."""
    import threading

    stop = threading.Event()

    def churn():
        while not stop.is_set():
            t = lamina.empty(1 << 18)  # 1 MiB: through the cache's lock
            del t

    th = threading.Thread(target=churn)
    th.start()
    try:
        for _ in range(20):
            pid = os.fork()
            if pid == 0:
                code = 1
                try:
                    code = 0 if lamina.ones(1 << 18).sum().item() == float(1 << 18) else 1
                finally:
                    os._exit(code)
            assert wait_child(pid, "the forked child hung in the host allocator", 20) == 0
    finally:
        stop.set()
        th.join()
