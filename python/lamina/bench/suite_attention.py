"""Benchmark suite "attention": scaled_dot_product_attention forward and forward + backward,
float32 (B, H, L, D) shapes from BENCHMARKS.md / the transformer layers, non-causal and causal.

Flops: forward 4 B H L S D (Q K^T and P V); forward + backward 14 B H L S D (backward: the
recomputed Q K^T, dO V^T, P^T dO, dS^T Q, dS K). Causal rows count the effective half (only
the keys at or below the diagonal), as FlashAttention reports it."""
from __future__ import annotations

from .suites import Case, _shape


def attention(quick: bool = False):
    shapes = ((1, 2, 64, 32, False), (1, 2, 64, 32, True)) if quick else (
        (4, 8, 256, 64, False), (4, 8, 256, 64, True),
        (2, 8, 1024, 64, False), (2, 8, 1024, 64, True),
        (1, 4, 2048, 128, False), (1, 4, 2048, 128, True))

    def fwd(B, H, L, D, causal):
        def build(be):
            q, k, v = (be.randn(B, H, L, D) for _ in range(3))
            f = be._mod().nn.functional.scaled_dot_product_attention
            return lambda: f(q, k, v, is_causal=causal)
        return build

    def fwd_bwd(B, H, L, D, causal):
        def build(be):
            q, k, v = (be.randn(B, H, L, D, requires_grad=True) for _ in range(3))
            g = be.randn(B, H, L, D)
            f = be._mod().nn.functional.scaled_dot_product_attention

            def step():
                q.grad = k.grad = v.grad = None
                f(q, k, v, is_causal=causal).backward(g)
            return step
        return build

    cases = []
    for B, H, L, D, causal in shapes:
        flops = float(B * H * L * L * D) * (0.5 if causal else 1.0)
        tag = " causal" if causal else ""
        note = "causal: effective flops (half)" if causal else ""
        shape = _shape(B, H, L, D)
        cases.append(Case(f"sdpa fwd{tag} {shape}", shape, "GFLOP/s", 4.0 * flops,
                          fwd(B, H, L, D, causal), peers=("torch",), note=note))
        cases.append(Case(f"sdpa fwd+bwd{tag} {shape}", shape, "GFLOP/s", 14.0 * flops,
                          fwd_bwd(B, H, L, D, causal), peers=("torch",), note=note))
    return cases
