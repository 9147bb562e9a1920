"""The "conv" suite: 2-D convolutions (float32, NCHW) of BENCHMARKS.md, forward alone and
forward + backward (gradients of input, weight and bias), against torch and MXNet (oneDNN on the
CPU both).
GFLOP/s count 2 * N * K * OH * OW * C * R * S per pass, three passes for forward + backward."""
from __future__ import annotations

from .suites import Case, _shape

# (N, C, H, K, kernel, stride, padding)
SHAPES = (
    (32, 3, 32, 32, 3, 1, 1),
    (32, 32, 32, 64, 3, 1, 1),
    (32, 64, 16, 128, 3, 1, 1),
    (8, 64, 56, 64, 3, 1, 1),
    (8, 128, 28, 128, 3, 1, 1),
    (8, 256, 14, 256, 3, 1, 1),
    (8, 256, 14, 64, 1, 1, 0),
    (8, 64, 56, 128, 3, 2, 1),
    (8, 3, 224, 64, 7, 2, 3),
)
QUICK = ((2, 3, 8, 4, 3, 1, 1), (2, 8, 8, 4, 1, 1, 0))


def conv(quick: bool = False):
    cases = []
    for n, c, h, k, r, s, p in QUICK if quick else SHAPES:
        oh = (h + 2 * p - r) // s + 1
        flops = 2.0 * n * k * oh * oh * c * r * r

        def fwd(be, n=n, c=c, h=h, k=k, r=r, s=s, p=p):
            x, w, b = be.randn(n, c, h, h), be.randn(k, c, r, r), be.randn(k)
            return lambda: be.conv2d(x, w, b, s, p)

        def fwd_bwd(be, n=n, c=c, h=h, k=k, r=r, s=s, p=p):
            x = be.randn(n, c, h, h, requires_grad=True)
            w, b = be.randn(k, c, r, r, requires_grad=True), be.randn(k, requires_grad=True)
            gy = be.randn(n, k, (h + 2 * p - r) // s + 1, (h + 2 * p - r) // s + 1)
            return be.step(lambda: be.conv2d(x, w, b, s, p), (x, w, b), gy)

        label = f"{r}x{r}" + (f" s{s}" if s != 1 else "")
        shape = f"N{n} C{c}->{k} @{h}^2"
        cases.append(Case(f"conv {label} fwd {shape}", shape, "GFLOP/s", flops, fwd, peers=("torch", "mxnet"),
                          note=_shape(n, c, h, h) + f" k{r} s{s} p{p}"))
        cases.append(Case(f"conv {label} fwd+bwd {shape}", shape, "GFLOP/s", 3 * flops, fwd_bwd,
                          peers=("torch", "mxnet"), note="grads of input, weight and bias"))
    return cases
