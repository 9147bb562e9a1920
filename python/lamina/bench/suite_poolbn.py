"""Pooling and batch-norm benchmark cases (BENCHMARKS.md: shapes (32,64,32,32),
(8,64,112,112), (32,128,16,16); pools 2x2 s2 and 3x3 s2 p1), against torch and MXNet.

Forward cases run without autograd (values only). Backward cases time ``y.backward(g)`` on a
graph built once (retain_graph), with the input's grad reset before each call, so the time is
the backward kernel plus the tape walk in both libraries. GB/s count the bytes a kernel must
move: pool forward x + y; max-pool backward dy + int64 indices + dx; avg-pool backward dy + dx;
batch norm train fwd+bwd x + y (forward) and x + dy + dx (backward)."""
from __future__ import annotations

from .suites import F32, Case, _shape

I64 = 8
WINDOWS = (("2x2 s2", dict(kernel_size=2, stride=2), 2, 0),
           ("3x3 s2 p1", dict(kernel_size=3, stride=2, padding=1), 2, 1))


def _out(n, k, s, p):
    return (n + 2 * p - k) // s + 1


MX = ("torch", "mxnet")


def poolbn(quick: bool = False):
    shapes = ((2, 8, 16, 16),) if quick else ((32, 64, 32, 32), (8, 64, 112, 112),
                                              (32, 128, 16, 16))
    cases = []
    for N, C, H, W in shapes:
        n_in = N * C * H * W
        label = _shape(N, C, H, W)
        tag = f" {label}"  # names must be unique across shapes (results are keyed by name)
        for wname, kw, s, p in WINDOWS:
            k = kw["kernel_size"]
            n_out = N * C * _out(H, k, s, p) * _out(W, k, s, p)

            def fwd(op, kw=kw, N=N, C=C, H=H, W=W):
                def build(be):
                    x = be.randn(N, C, H, W)
                    f = getattr(be, op)
                    return lambda: f(x, **kw)
                return build

            def bwd(op, kw=kw, N=N, C=C, H=H, W=W):
                def build(be):
                    x = be.randn(N, C, H, W, requires_grad=True)
                    y = be.record(lambda: getattr(be, op)(x, **kw))
                    return be.backward(y, (x,), be.randn(*y.shape))
                return build

            cases += [
                Case(f"max_pool2d {wname} fwd" + tag, label, "GB/s", (n_in + n_out) * F32,
                     fwd("max_pool2d"), peers=MX),
                Case(f"max_pool2d {wname} bwd" + tag, label, "GB/s",
                     n_out * (F32 + I64) + n_in * F32, bwd("max_pool2d"), peers=MX,
                     note="backward through saved int64 indices"),
                Case(f"avg_pool2d {wname} fwd" + tag, label, "GB/s", (n_in + n_out) * F32,
                     fwd("avg_pool2d"), peers=MX),
                Case(f"avg_pool2d {wname} bwd" + tag, label, "GB/s", (n_in + n_out) * F32,
                     bwd("avg_pool2d"), peers=MX),
            ]

        def bn(N=N, C=C, H=H, W=W):
            def build(be):
                x = be.randn(N, C, H, W, requires_grad=True)
                w, b = be.randn(C, requires_grad=True), be.randn(C, requires_grad=True)
                rm, rv = be.zeros(C), be.ones(C)
                return be.step(lambda: be.batch_norm_train(x, rm, rv, w, b), (x, w, b),
                               be.randn(N, C, H, W))
            return build

        def bn_fwd(N=N, C=C, H=H, W=W):
            def build(be):
                x = be.randn(N, C, H, W)
                w, b = be.randn(C), be.randn(C)
                rm, rv = be.zeros(C), be.ones(C)
                return lambda: be.batch_norm_train(x, rm, rv, w, b)
            return build

        cases += [
            Case("batch_norm train fwd" + tag, label, "GB/s", 2 * n_in * F32, bn_fwd(),
                 peers=MX, note="running stats updated"),
            Case("batch_norm train fwd+bwd" + tag, label, "GB/s", 5 * n_in * F32, bn(),
                 peers=MX, note="x, weight, bias require grad"),
        ]
    return cases
