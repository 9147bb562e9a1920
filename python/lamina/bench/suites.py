"""The benchmark suites. Each case is written once against :class:`lamina.bench.backends.Backend`.

A case has a name, a shape label, a unit (``GB/s`` from bytes moved, ``GFLOP/s`` from flops, or ``us`` for
microseconds per op), the work behind that unit, the peers it is compared with, and ``build(backend)``,
which makes the inputs and returns the zero-argument callable that is timed. ``quick`` selects tiny sizes
for smoke tests.

Add a suite by writing a function ``(quick) -> list[Case]`` and listing it in ``SUITES``.
"""
from __future__ import annotations

import dataclasses
from typing import Callable, Optional, Tuple


F32 = 4  # bytes


@dataclasses.dataclass
class Case:
    name: str
    shape: str
    unit: str                                   # "GB/s", "GFLOP/s" or "us"
    work: Optional[float]                       # bytes or flops behind ``unit`` (None for "us")
    build: Callable[[object], Callable[[], object]]
    peers: Tuple[str, ...] = ("numpy", "torch")
    note: str = ""

    def describe(self) -> dict:
        return {"name": self.name, "shape": self.shape, "unit": self.unit, "work": self.work,
                "peers": list(self.peers), "note": self.note}


def _shape(*dims) -> str:
    return "x".join(str(d) for d in dims)


# --- elementwise ---------------------------------------------------------------------------------

def elementwise(quick: bool = False):
    n = 4096 if quick else 1 << 20
    r = 64 if quick else 1024                    # rows = cols of the 2-D cases

    def binary(be):
        a, b = be.randn(n), be.randn(n)
        return lambda: a + b

    def bcast(be):
        a, b = be.randn(r, r), be.randn(r)
        return lambda: a + b

    def unary(op):
        def build(be):
            a = be.randn(n)
            f = getattr(be, op)
            return lambda: f(a)
        return build

    def mul_t(be):
        a, b = be.t(be.randn(r, r)), be.randn(r, r)
        return lambda: a * b

    def act(op, grad):  # nn.functional's activation, forward or forward + backward
        def build(be):
            F = be._mod().nn.functional
            f = (lambda t: F.gelu(t, approximate="tanh")) if op == "gelu_tanh" else getattr(F, op)
            a, g = be.randn(n, requires_grad=grad), be.randn(n)
            if not grad:
                return lambda: f(a)

            def step():
                a.grad = None
                f(a).backward(g)
            return step
        return build

    acts = []
    for op, grad in (("sigmoid", False), ("tanh", False), ("silu", False), ("gelu", True),
                     ("silu", True), ("tanh", True), ("gelu_tanh", True), ("elu", True),
                     ("leaky_relu", True), ("hardtanh", True), ("softplus", True)):
        acts.append(Case(f"{op} fwd+bwd" if grad else op, _shape(n), "GB/s",
                         (5 if grad else 2) * n * F32, act(op, grad), peers=("torch",),
                         note="y = f(x), then dx from dy" if grad else ""))
    return [
        Case("add", _shape(n), "GB/s", 3 * n * F32, binary),
        Case("add broadcast", f"{_shape(r, r)} + {_shape(r)}", "GB/s", (2 * r * r + r) * F32, bcast),
        Case("exp", _shape(n), "GB/s", 2 * n * F32, unary("exp")),
        Case("relu", _shape(n), "GB/s", 2 * n * F32, unary("relu")),
        Case("gelu", _shape(n), "GB/s", 2 * n * F32, unary("gelu"), note="exact erf form"),
        Case("mul transposed", f"{_shape(r, r)}.T * {_shape(r, r)}", "GB/s", 3 * r * r * F32, mul_t,
             note="first input is a non-contiguous transposed view"),
    ] + acts


# --- reduction -----------------------------------------------------------------------------------

def reduction(quick: bool = False):
    n = 4096 if quick else 1 << 20
    r = 64 if quick else 1024
    rows, cols = (64, 64) if quick else (4096, 1024)

    def red(op, dim, shape):
        def build(be):
            a = be.randn(*shape)
            f = getattr(be, op)
            if dim is None:
                return lambda: f(a)
            return lambda: f(a, dim)
        return build

    return [
        Case("sum", _shape(n), "GB/s", n * F32, red("sum", None, (n,))),
        Case("sum dim=0", _shape(r, r), "GB/s", (r * r + r) * F32, red("sum", 0, (r, r))),
        Case("sum dim=1", _shape(r, r), "GB/s", (r * r + r) * F32, red("sum", 1, (r, r))),
        Case("mean dim=1", _shape(r, r), "GB/s", (r * r + r) * F32, red("mean", 1, (r, r))),
        Case("max dim=1", _shape(r, r), "GB/s", (r * r + 3 * r) * F32, red("max_dim", 1, (r, r)),
             note="values and int64 indices"),
        Case("logsumexp dim=1", _shape(rows, cols), "GB/s", (rows * cols + rows) * F32,
             red("logsumexp", 1, (rows, cols))),
    ]


# --- matmul --------------------------------------------------------------------------------------

def matmul(quick: bool = False):
    """float32 GEMM: squares, and the transformer shapes (M, N, K) in NN, NT (B a transposed view)
    and TN (A a transposed view)."""
    sizes = (16, 32) if quick else (64, 128, 256, 512, 1024, 2048)
    shapes = ((64, 48, 32),) if quick else ((4096, 768, 768), (512, 3072, 768), (2048, 256, 1024))

    def mm(m, n, k, ta=False, tb=False):
        def build(be):
            a = be.t(be.randn(k, m)) if ta else be.randn(m, k)
            b = be.t(be.randn(n, k)) if tb else be.randn(k, n)
            return lambda: be.matmul(a, b)
        return build

    peers = ("numpy", "torch", "mxnet")
    cases = [Case(f"matmul {n}^3", _shape(n, n, n), "GFLOP/s", 2.0 * n ** 3, mm(n, n, n), peers=peers)
             for n in sizes]
    for m, n, k in shapes:
        for label, ta, tb in (("NN", False, False), ("NT", False, True), ("TN", True, False)):
            cases.append(Case(f"matmul {label} {m}x{n}x{k}", _shape(m, n, k), "GFLOP/s", 2.0 * m * n * k,
                              mm(m, n, k, ta, tb), peers=peers, note="(M, N, K)"))
    return cases


# --- eager overhead ------------------------------------------------------------------------------

def overhead(quick: bool = False):
    """Host time per op on tiny tensors: what the Python layer, dispatch and the autograd tape cost."""

    def add(n, grad):
        def build(be):
            a, b = be.randn(n, requires_grad=grad), be.randn(n)
            return lambda: a + b
        return build

    def relu(n, grad):
        def build(be):
            a = be.randn(n, requires_grad=grad)
            return lambda: a.relu()
        return build

    cases = []
    for label, make, n in (("add", add, 1), ("add", add, 1024), ("relu", relu, 1)):
        for grad in (False, True):
            name = f"{label} {n} elem" + (" requires_grad" if grad else "")
            cases.append(Case(name, _shape(n), "us", None, make(n, grad), peers=("torch",),
                              note="first input requires grad" if grad else ""))
    return cases


SUITES = {
    "elementwise": elementwise,
    "reduction": reduction,
    "matmul": matmul,
    "overhead": overhead,
}


def _register_more():
    """Suites in their own files (one per op family), imported late: they import this module."""
    from . import (suite_attention, suite_conv, suite_cuda_gemm, suite_keras, suite_layernorm,
                   suite_lstm, suite_mx, suite_poolbn, suite_train)
    SUITES["conv"] = suite_conv.conv
    SUITES["poolbn"] = suite_poolbn.poolbn
    SUITES["lstm"] = suite_lstm.lstm
    SUITES["attention"] = suite_attention.attention
    SUITES["layernorm"] = suite_layernorm.layernorm
    SUITES["train"] = suite_train.train
    SUITES["cuda_gemm"] = suite_cuda_gemm.cuda_gemm
    SUITES["keras"] = suite_keras.keras_suite
    SUITES["mx"] = suite_mx.mx_dialect


_register_more()
DEFAULT_SUITES = tuple(SUITES)


def get_cases(suite: str, quick: bool = False):
    try:
        return SUITES[suite](quick)
    except KeyError:
        raise ValueError(f"[bench] unknown suite {suite!r}; choose from {', '.join(SUITES)}") from None
