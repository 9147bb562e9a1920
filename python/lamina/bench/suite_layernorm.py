"""Suite "layernorm": fused LayerNorm over the last dim, forward and forward + backward (dx,
dweight, dbias), float32, on transformer shapes (rows, features)."""
from __future__ import annotations



def layernorm(quick: bool = False):
    from .suites import F32, Case, _shape  # here: suites.py imports this module
    shapes = ((64, 96),) if quick else ((4096, 768), (8192, 512), (1024, 1024))

    def fwd(m, n):
        def build(be):
            F = be._mod().nn.functional
            x, w, b = be.randn(m, n), be.randn(n), be.randn(n)
            return lambda: F.layer_norm(x, (n,), w, b)
        return build

    def fwd_bwd(m, n):
        def build(be):
            F = be._mod().nn.functional
            x = be.randn(m, n, requires_grad=True)
            w, b = be.randn(n, requires_grad=True), be.randn(n, requires_grad=True)
            g = be.randn(m, n)

            def step():
                x.grad = w.grad = b.grad = None
                F.layer_norm(x, (n,), w, b).backward(g)
            return step
        return build

    cases = []
    for m, n in shapes:
        cases.append(Case(f"layer_norm fwd {m}x{n}", _shape(m, n), "GB/s", 2 * m * n * F32,
                          fwd(m, n), peers=("torch",), note="read x, write y"))
        cases.append(Case(f"layer_norm fwd+bwd {m}x{n}", _shape(m, n), "GB/s", 5 * m * n * F32,
                          fwd_bwd(m, n), peers=("torch",),
                          note="fwd, then dx, dweight, dbias from dy"))
    return cases
