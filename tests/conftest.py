"""Shared fixtures: the device every op test runs on, and a per-test seeded numpy Generator."""
from __future__ import annotations

import os
import zlib

import numpy as np
import pytest

import lamina

_CUDA = lamina.cuda.is_available()


@pytest.fixture(params=["cpu", pytest.param("cuda", marks=pytest.mark.skipif(
    not _CUDA, reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}"))])
def device(request):
    """Run the test on the CPU, and on the GPU when this build and machine have one."""
    return request.param


@pytest.fixture
def rng(request):
    """A numpy Generator seeded from the test's id: fresh inputs per test, reproducible runs.
    LAMINA_TEST_SEED=<int> mixes in another seed (run the suite with several to fuzz)."""
    extra = int(os.environ.get("LAMINA_TEST_SEED", "0"))
    return np.random.default_rng([zlib.crc32(request.node.nodeid.encode()), extra])


@pytest.fixture(autouse=True)
def _grad_mode_guard():
    """A test that fails inside no_grad must not leave grad mode off for the next one."""
    yield
    lamina.set_grad_enabled(True)
