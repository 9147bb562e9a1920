"""The "lstm" suite: nn.LSTM over whole sequences (forward without grad, and forward + backward)
and an nn.LSTMCell stepwise loop, float32, on the shapes of BENCHMARKS.md (T, B, I, H).
GFLOP/s count the GEMMs only: 2 * 4H * (I + H) * B per step forward, twice that backward."""
from __future__ import annotations

from .suites import Case, _shape

PEERS = ("torch",)


def _flops(T, B, I, H):
    return 2.0 * T * B * 4 * H * (I + H)


def lstm(quick: bool = False):
    shapes = ((4, 3, 8, 16),) if quick else ((64, 32, 256, 256), (128, 16, 128, 512),
                                              (32, 64, 512, 512))
    cell_shape = (4, 3, 8, 16) if quick else (64, 32, 256, 256)

    def layer(T, B, I, H, backward):
        def build(be):
            mod = be._mod()
            m = mod.nn.LSTM(I, H)
            x = be.randn(T, B, I, requires_grad=backward)
            params = list(m.parameters())
            if not backward:
                def fwd():
                    with mod.no_grad():
                        return m(x)[0]
                return fwd

            def step():
                for p in params:
                    p.grad = None
                x.grad = None
                out, _ = m(x)
                out.sum().backward()
                return out
            return step
        return build

    def cell_loop(T, B, I, H, backward):
        def build(be):
            mod = be._mod()
            m = mod.nn.LSTMCell(I, H)
            xs = [be.randn(B, I) for _ in range(T)]
            params = list(m.parameters())
            if not backward:
                def fwd():
                    with mod.no_grad():
                        h, c = m(xs[0])
                        for x in xs[1:]:
                            h, c = m(x, (h, c))
                    return h
                return fwd

            def step():
                for p in params:
                    p.grad = None
                h, c = m(xs[0])
                for x in xs[1:]:
                    h, c = m(x, (h, c))
                h.sum().backward()
                return h
            return step
        return build

    cases = []
    for T, B, I, H in shapes:
        s = _shape(T, B, I, H)
        f = _flops(T, B, I, H)
        cases.append(Case(f"LSTM fwd {s}", s, "GFLOP/s", f, layer(T, B, I, H, False), peers=PEERS,
                          note="(T, B, I, H), no grad"))
        cases.append(Case(f"LSTM fwd+bwd {s}", s, "GFLOP/s", 3 * f, layer(T, B, I, H, True),
                          peers=PEERS, note="(T, B, I, H), input and weights require grad"))
    T, B, I, H = cell_shape
    s = _shape(T, B, I, H)
    f = _flops(T, B, I, H)
    cases.append(Case("LSTMCell loop fwd", s, "GFLOP/s", f, cell_loop(T, B, I, H, False),
                      peers=PEERS, note="T steps of nn.LSTMCell, no grad"))
    cases.append(Case("LSTMCell loop fwd+bwd", s, "GFLOP/s", 3 * f, cell_loop(T, B, I, H, True),
                      peers=PEERS, note="T steps of nn.LSTMCell, then backward"))
    return cases
