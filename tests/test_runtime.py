"""Runtime facts and settings: build_info, CUDA availability, threads (API, OMP_NUM_THREADS,
fork), the CPU path override, and int64 sizes."""
from __future__ import annotations

import io
import os
import subprocess
import sys
import time

import numpy as np
import pytest

import lamina
from reference import arr, check, lam, wait_child

F32, F64 = lamina.float32, lamina.float64


def _run(code, **env):
    """Run ``code`` in a fresh interpreter with extra environment variables; return stdout."""
    full = dict(os.environ, **env)
    out = subprocess.run([sys.executable, "-c", code], env=full, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


def test_build_info():
    info = lamina.build_info()
    for key in ("version", "cuda_compiled", "cuda_archs", "cpu_path", "num_threads", "openmp"):
        assert key in info
    assert info["version"] == lamina.__version__
    assert isinstance(info["cuda_compiled"], bool) and isinstance(info["cuda_archs"], list)
    assert info["cuda_compiled"] == lamina.cuda.is_compiled()
    if not info["cuda_compiled"]:
        assert info["cuda_archs"] == []
    assert info["cpu_path"] in {"avx512", "avx2", "generic"}
    assert info["num_threads"] == lamina.get_num_threads() >= 1
    assert isinstance(info["openmp"], bool)


def test_cuda_availability_is_explained():
    avail = lamina.cuda.is_available()
    assert isinstance(avail, bool)
    if avail:
        assert lamina.cuda.unavailable_reason() is None and lamina.cuda.device_count() >= 1
    else:
        why = lamina.cuda.unavailable_reason()
        assert isinstance(why, str) and why
        assert lamina.cuda.device_count() == 0
        with pytest.raises(RuntimeError, match="CUDA"):
            lamina.ones(2, device="cuda")
        with pytest.raises(RuntimeError, match="CUDA"):
            lamina.ones(2).to("cuda")


@pytest.mark.skipif(not os.path.exists("/proc/self/maps"), reason="needs /proc")
def test_import_does_not_touch_cuda():
    """Importing lamina loads neither the CUDA driver nor a peer framework."""
    out = _run("import sys, lamina\n"
               "maps = open('/proc/self/maps').read()\n"
               "print('libcuda.so' in maps, sorted(m for m in sys.modules if m.split('.')[0] in "
               "('torch', 'cupy')))")
    assert out == "False []"


def test_set_num_threads_round_trip():
    before = lamina.get_num_threads()
    try:
        for n in (1, 3, before):
            lamina.set_num_threads(n)
            assert lamina.get_num_threads() == n
            assert lamina.build_info()["num_threads"] == n
            x = lamina.ones(300_000)
            assert x.sum().item() == 300_000.0  # the pool works at every size
    finally:
        lamina.set_num_threads(before)
    with pytest.raises(ValueError, match=r"^\[set_num_threads\]"):
        lamina.set_num_threads(0)


def test_results_do_not_depend_on_thread_count(rng):
    x = arr(rng, (513, 257))
    before = lamina.get_num_threads()
    try:
        outs = []
        for n in (1, 2, 4):
            lamina.set_num_threads(n)
            t = lam(x, F64)
            outs.append([(t @ t.t()).sum(1), t.exp().sum(0), t.amax(1), t.var(0)])
        for o in outs[1:]:
            for a, b in zip(o, outs[0]):
                check(a, b.numpy(), F64, rtol=1e-12, atol=1e-12)
    finally:
        lamina.set_num_threads(before)


def test_omp_num_threads_is_honoured():
    assert _run("import lamina; print(lamina.get_num_threads())", OMP_NUM_THREADS="1") == "1"
    assert _run("import lamina; print(lamina.get_num_threads())", OMP_NUM_THREADS="3") == "3"


def test_cpu_path_override_matches_default_path(rng):
    code = ("import lamina, numpy as np, sys\n"
            "x = lamina.tensor(np.linspace(-3, 3, 1001), dtype=lamina.float32).reshape(7, 143)\n"
            "r = [x.exp(), x.tanh(), x.gelu(), x.sigmoid(), x * 1.5 + x, x.clamp(-1, 1), x.sin(),\n"
            "     x.sqrt(), x.t().log1p(), lamina.where(x > 0, x, -x), x.double(), x.maximum(x.t().t()*0.5)]\n"
            "np.save(sys.stdout.buffer, np.concatenate([np.asarray(t, np.float64).ravel() for t in r]))\n"
            "print(lamina.build_info()['cpu_path'], file=sys.stderr)\n")
    outs = {}
    for path in ("generic", None):
        env = dict(os.environ)
        env.pop("LAMINA_CPU_PATH", None)
        if path:
            env["LAMINA_CPU_PATH"] = path
        res = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, timeout=120)
        assert res.returncode == 0, res.stderr.decode()
        outs[path] = (np.load(io.BytesIO(res.stdout)), res.stderr.decode().strip().splitlines()[-1])
    assert outs["generic"][1] == "generic"
    assert outs[None][1] in {"avx512", "avx2", "generic"}  # what this CPU supports
    # the SIMD paths use their own polynomial exp/tanh/erf: equal to a few float32 ulps
    np.testing.assert_allclose(outs[None][0], outs["generic"][0], rtol=1e-6, atol=1e-7)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_after_parallel_work():
    big = lamina.ones(4_000_000)
    assert big.sum().item() == 4_000_000.0  # the parent's pool is running
    a = lamina.ones(200, 200)
    assert (a @ a)[0, 0].item() == 200.0
    pid = os.fork()
    if pid == 0:  # child: only this thread survived the fork
        code = 1
        try:
            ok = lamina.ones(3_000_000).sum().item() == 3_000_000.0
            ok = ok and (lamina.ones(300, 300) @ lamina.ones(300, 300))[5, 7].item() == 300.0
            lamina.set_num_threads(2)
            ok = ok and lamina.ones(1_000_000).exp().sum().item() > 2.7e6
            code = 0 if ok else 1
        finally:
            os._exit(code)
    assert wait_child(pid, "the forked child hung in a parallel op") == 0
    assert big.sum().item() == 4_000_000.0  # and the parent still works


def test_sizes_are_int64():
    one = lamina.ones(1)
    huge = one.expand(2**33)
    assert huge.shape == (2**33,) and huge.numel() == 2**33 and huge.stride() == (0,)
    assert one.expand(3, 2**31 + 5).shape == (3, 2**31 + 5)
    e = lamina.empty(0, 2**31 + 5)
    assert e.shape == (0, 2**31 + 5) and e.numel() == 0
    assert lamina.zeros(1, 1).expand(2**20, 2**20).numel() == 2**40
    s = huge[2**32 + 7:]
    assert s.shape == (2**33 - 2**32 - 7,)
    assert huge[2**33 - 1].item() == 1.0
    assert huge.view(2, 2**32).shape == (2, 2**32) and huge.view(2, 2**32).stride() == (0, 0)
    assert huge.unsqueeze(0).expand(2, 2**33).shape == (2, 2**33)
    col = lamina.arange(3).reshape(3, 1).expand(3, 2**31 + 5)
    assert col[2, 2**31 + 4].item() == 2 and col[:, 2**31 + 1].tolist() == [0, 1, 2]


def test_threads_calling_ops_concurrently(rng):
    """Python threads release the GIL inside ops and share one pool: results stay right."""
    import threading
    errors = []

    def work(seed):
        r = np.random.default_rng(seed)
        a, b = r.standard_normal((300, 200)), r.standard_normal((200, 150))
        ta, tb = lam(a, F64), lam(b, F64)
        for _ in range(10):
            if np.abs((ta @ tb).numpy() - a @ b).max() > 1e-9:
                errors.append("matmul")
            if np.abs((ta.exp() * 2).sum(0).numpy() - (np.exp(a) * 2).sum(0)).max() > 1e-8:
                errors.append("sum")

    threads = [threading.Thread(target=work, args=(int(s),)) for s in rng.integers(0, 2**31, 4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []


def test_idle_pool_threads_sleep():
    """After a parallel kernel the workers poll briefly, then sleep: an idle second costs
    (almost) no CPU time."""
    lamina.set_num_threads(2)
    x = lamina.ones(1 << 22)
    for _ in range(5):
        (x + x).sum()
    import time
    # let the bounded polling window pass, and that of numpy's OpenBLAS threads too: a numpy
    # matmul of an earlier test leaves them spinning for about 2^28 cycles (0.1-0.15 s), and
    # process_time counts every thread of the process
    time.sleep(0.3)
    c0 = time.process_time()
    time.sleep(0.5)
    used = time.process_time() - c0
    assert used < 0.05, f"idle threads used {used:.3f} s of CPU in 0.5 s"
