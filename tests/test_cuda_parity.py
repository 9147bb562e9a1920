"""CPU-vs-CUDA parity of the composite layers: nn.MultiheadAttention and the Transformer
encoder (layer and stack). The same module (deep-copied, then moved to cuda) gets the same
inputs on both devices; outputs, input gradients and every parameter gradient agree within
float32 / float64 tolerances. Eval mode (or dropout 0): dropout draws differ between devices.
Sizes are tiny: every kernel family on the path (GEMM, softmax or SDPA, layer norm, the
elementwise ops and reductions of autograd) runs at least once, on the simulator too."""
from __future__ import annotations

import copy

import numpy as np
import pytest

import lamina
import lamina.nn as nn
from lamina.nn.transformer import generate_square_subsequent_mask
from reference import arr, lam, to_np

F32, F64 = lamina.float32, lamina.float64
pytestmark = pytest.mark.skipif(
    not lamina.cuda.is_available(),
    reason=f"CUDA unavailable: {lamina.cuda.unavailable_reason()}")

# the devices sum in different orders; float32 outputs and gradients of O(1) after a few layers
TOL = {F32: dict(rtol=2e-4, atol=2e-5), F64: dict(rtol=1e-9, atol=1e-11)}


def _pair(module, dtype):
    """(cpu module, cuda copy with the same parameters), both in eval mode."""
    cpu = module.to(dtype).eval()
    cuda = copy.deepcopy(cpu).to("cuda")
    for (n1, p1), (n2, p2) in zip(cpu.named_parameters(), cuda.named_parameters()):
        assert n1 == n2 and p2.device.type == "cuda" and p1.device.type == "cpu"
        np.testing.assert_array_equal(to_np(p1), to_np(p2))
    return cpu, cuda


def _inputs(arrays, dtype, device):
    return [lam(a, dtype, device, requires_grad=True) for a in arrays]


def _close(got, want, dtype, msg):
    assert got.device.type == "cuda", msg
    np.testing.assert_allclose(to_np(got), to_np(want), err_msg=msg, **TOL[dtype])


def _compare(cpu, cuda, run, arrays, dtype, rng):
    """run(module, inputs) -> (output tensor, optional second output) on each device; compares
    outputs, then backward of a random cotangent: input and parameter gradients."""
    xs_c, xs_g = _inputs(arrays, dtype, "cpu"), _inputs(arrays, dtype, "cuda")
    out_c, out_g = run(cpu, xs_c, "cpu"), run(cuda, xs_g, "cuda")
    _close(out_g[0], out_c[0], dtype, "output")
    if out_c[1] is not None:
        _close(out_g[1], out_c[1], dtype, "attention weights")
    dy = arr(rng, tuple(out_c[0].shape))
    out_c[0].backward(lam(dy, dtype, "cpu"))
    out_g[0].backward(lam(dy, dtype, "cuda"))
    for i, (a, b) in enumerate(zip(xs_c, xs_g)):
        if a.grad is not None or b.grad is not None:
            _close(b.grad, a.grad, dtype, f"grad of input {i}")
    names = 0
    for (name, p1), (_, p2) in zip(cpu.named_parameters(), cuda.named_parameters()):
        assert p1.grad is not None and p2.grad is not None, name
        _close(p2.grad, p1.grad, dtype, f"grad of {name}")
        names += 1
    assert names > 0


def _bool_mask(rng, shape):
    m = rng.random(shape) < 0.3
    m[..., 0] = False  # every query keeps a key: no all-masked row
    return m


MHA_CASES = [
    dict(),                                                   # matmul + softmax path, weights
    dict(need_weights=False),                                 # the SDPA kernels
    dict(need_weights=False, self_attn=True, is_causal=True, batch_first=True),
    dict(mask="bool", kpm=True, batch_first=True),
    dict(mask="float", kpm=True, need_weights=False),
    dict(kdim=5, vdim=7, add_bias_kv=True, add_zero_attn=True, kpm=True, average=False),
]


@pytest.mark.parametrize("dtype", [F32, F64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
def test_cuda_mha_matches_cpu(case, dtype, rng):
    E, H, L, S, N = 16, 4, 6, 9, 3
    if case.get("self_attn"):
        S = L
    kw = dict(add_bias_kv=case.get("add_bias_kv", False),
              add_zero_attn=case.get("add_zero_attn", False), kdim=case.get("kdim"),
              vdim=case.get("vdim"), batch_first=case.get("batch_first", False))
    lamina.manual_seed(0)
    cpu, cuda = _pair(nn.MultiheadAttention(E, H, **kw), dtype)
    bf = kw["batch_first"]

    def shape(seq, feat):
        return (N, seq, feat) if bf else (seq, N, feat)

    q = arr(rng, shape(L, E))
    arrays = [q] if case.get("self_attn") else [
        q, arr(rng, shape(S, kw["kdim"] or E)), arr(rng, shape(S, kw["vdim"] or E))]
    mask = {"bool": _bool_mask(rng, (L, S)), "float": arr(rng, (L, S)), None: None}[
        case.get("mask")]
    kpm = None
    if case.get("kpm"):
        kpm = np.zeros((N, S), bool)
        kpm[-1, -3:] = True
    need_weights = case.get("need_weights", True)

    def run(m, xs, device):
        q, k, v = (xs[0], xs[0], xs[0]) if len(xs) == 1 else xs
        am = None if mask is None else (lamina.tensor(mask, device=device) if mask.dtype == bool
                                         else lam(mask, dtype, device))
        pm = None if kpm is None else lamina.tensor(kpm, device=device)
        return m(q, k, v, key_padding_mask=pm, attn_mask=am, need_weights=need_weights,
                 average_attn_weights=case.get("average", True),
                 is_causal=case.get("is_causal", False))

    _compare(cpu, cuda, run, arrays, dtype, rng)


ENC_CASES = [
    dict(),
    dict(norm_first=True, activation="gelu", batch_first=True, mask="causal", kpm=True),
    dict(activation="gelu", mask="bool", is_causal=False),
]


def _encoder_run(case, L, N):
    def run(m, xs, device):
        mask = None
        if case.get("mask") == "causal":
            mask = generate_square_subsequent_mask(L, device=device, dtype=xs[0].dtype)
        elif case.get("mask") == "bool":
            mask = lamina.tensor(np.triu(np.ones((L, L), bool), 2), device=device)
        pm = None
        if case.get("kpm"):
            kpm = np.zeros((N, L), bool)
            kpm[0, -2:] = True
            pm = lamina.tensor(kpm, device=device)
        kw = dict(src_key_padding_mask=pm)
        if isinstance(m, nn.TransformerEncoder):
            return m(xs[0], mask=mask, **kw), None
        return m(xs[0], src_mask=mask, **kw), None
    return run


@pytest.mark.parametrize("dtype", [F32, F64], ids=["f32", "f64"])
@pytest.mark.parametrize("case", ENC_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
def test_cuda_encoder_layer_matches_cpu(case, dtype, rng):
    d, nhead, ff, L, N = 16, 4, 24, 7, 3
    lamina.manual_seed(1)
    layer = nn.TransformerEncoderLayer(d, nhead, dim_feedforward=ff, dropout=0.1,
                                       activation=case.get("activation", "relu"),
                                       batch_first=case.get("batch_first", False),
                                       norm_first=case.get("norm_first", False))
    cpu, cuda = _pair(layer, dtype)
    x = arr(rng, (N, L, d) if case.get("batch_first") else (L, N, d))
    _compare(cpu, cuda, _encoder_run(case, L, N), [x], dtype, rng)


@pytest.mark.parametrize("dtype", [F32, F64], ids=["f32", "f64"])
def test_cuda_encoder_stack_matches_cpu(dtype, rng):
    d, nhead, ff, L, N = 8, 2, 16, 5, 2
    lamina.manual_seed(2)
    layer = nn.TransformerEncoderLayer(d, nhead, dim_feedforward=ff, norm_first=True,
                                       batch_first=True)
    stack = nn.TransformerEncoder(layer, 2, norm=nn.LayerNorm(d))
    cpu, cuda = _pair(stack, dtype)
    x = arr(rng, (N, L, d))
    case = dict(mask="causal", kpm=True)
    _compare(cpu, cuda, _encoder_run(case, L, N), [x], dtype, rng)


def test_cuda_encoder_layer_train_step_matches_cpu(rng):
    """One SGD step of a dropout-free layer on each device: the updated parameters agree."""
    d, nhead, ff, L, N = 8, 2, 16, 5, 3
    lamina.manual_seed(3)
    cpu, cuda = _pair(nn.TransformerEncoderLayer(d, nhead, dim_feedforward=ff, dropout=0.0),
                      F64)
    cpu.train(), cuda.train()
    x, target = arr(rng, (L, N, d)), arr(rng, (L, N, d))
    for m, device in ((cpu, "cpu"), (cuda, "cuda")):
        opt = lamina.optim.SGD(m.parameters(), lr=0.1, momentum=0.9)
        for _ in range(2):
            opt.zero_grad()
            loss = ((m(lam(x, F64, device)) - lam(target, F64, device)) ** 2).mean()
            loss.backward()
            opt.step()
    for (name, p1), (_, p2) in zip(cpu.named_parameters(), cuda.named_parameters()):
        _close(p2, p1, F64, name)
