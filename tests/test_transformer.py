"""Embedding, MultiheadAttention and the Transformer encoder: NumPy float64 references, float64
gradchecks on tiny sizes, torch (when installed) state_dicts with outputs and every parameter
gradient compared in eval mode, and bad calls that must raise errors naming the op."""
from __future__ import annotations

import copy
import math

import numpy as np
import pytest

import lamina
import lamina.nn as nn
import lamina.nn.functional as F
from lamina.nn.attention import multi_head_attention_forward
from lamina.testing import gradcheck as lgradcheck
from reference import arr, check, lam, to_np

F32, F64 = lamina.float32, lamina.float64
# torch warns when a bool key_padding_mask meets a float attn_mask; lamina accepts the mix
pytestmark = pytest.mark.filterwarnings("ignore:Support for mismatched")
REL32 = dict(rtol=1e-4, atol=2e-5)
REL64 = dict(rtol=1e-9, atol=1e-10)


def idx(x, device="cpu"):
    return lamina.tensor(np.asarray(x, dtype=np.int64), device=device)


# --- Embedding -----------------------------------------------------------------------------------

@pytest.mark.parametrize("shape", [(7,), (3, 5), (), (2, 1, 4)])
def test_embedding_forward_backward(device, rng, shape):
    n, d = 11, 33
    w = arr(rng, (n, d))
    ix = rng.integers(0, n, size=shape)
    emb = nn.Embedding(n, d, padding_idx=3, dtype=F64).to(device)
    emb.load_state_dict({"weight": w})
    out = emb(idx(ix, device))
    check(out, w[ix], F64)
    dy = arr(rng, shape + (d,))
    out.backward(lam(dy, F64, device))
    ref = np.zeros_like(w)
    np.add.at(ref, ix.reshape(-1), dy.reshape(-1, d))
    ref[3] = 0.0
    check(emb.weight.grad, ref, F64, **REL64)


def test_embedding_init_and_repr():
    lamina.manual_seed(0)
    e = nn.Embedding(50, 8, padding_idx=-2)
    assert e.padding_idx == 48
    w = to_np(e.weight)
    assert np.all(w[48] == 0) and abs(w[:48].std() - 1.0) < 0.15 and abs(w.mean()) < 0.15
    assert list(e.state_dict()) == ["weight"] and e.weight.requires_grad
    assert repr(e) == "Embedding(50, 8, padding_idx=48)"
    assert repr(nn.Embedding(4, 2)) == "Embedding(4, 2)"
    assert repr(nn.Embedding(4, 2, max_norm=1.0)) == "Embedding(4, 2, max_norm=1.0)"


def test_embedding_from_pretrained(rng):
    w = arr(rng, (6, 4))
    e = nn.Embedding.from_pretrained(lam(w, F64))
    assert not e.weight.requires_grad and e.num_embeddings == 6 and e.embedding_dim == 4
    check(e(idx([5, 0, 5])), w[[5, 0, 5]], F64)
    e2 = nn.Embedding.from_pretrained(lam(w, F64), freeze=False, padding_idx=1)
    assert e2.weight.requires_grad
    check(e2.weight, w, F64)  # the padding row is kept as given
    e2(idx([1, 2, 1])).sum().backward()
    ref = np.zeros_like(w)
    ref[2] = 1.0
    check(e2.weight.grad, ref, F64)


def test_embedding_scale_grad_by_freq_and_max_norm(rng):
    w = arr(rng, (5, 3)) * 3
    ix = np.array([0, 2, 2, 4, 2])
    e = nn.Embedding(5, 3, scale_grad_by_freq=True, dtype=F64)
    e.load_state_dict({"weight": w})
    dy = arr(rng, (5, 3))
    e(idx(ix)).backward(lam(dy, F64))
    ref = np.zeros_like(w)
    np.add.at(ref, ix, dy / np.bincount(ix, minlength=5)[ix][:, None])
    check(e.weight.grad, ref, F64, **REL64)
    # max_norm: looked-up rows renormalised in place before the lookup
    e2 = nn.Embedding(5, 3, max_norm=1.0, dtype=F64)
    e2.load_state_dict({"weight": w})
    out = e2(idx([1, 1, 3]))
    norms = np.linalg.norm(w, axis=1, keepdims=True)
    want = np.where(norms > 1.0, w / (norms + 1e-7), w)
    exp_w = w.copy()
    exp_w[[1, 3]] = want[[1, 3]]
    check(e2.weight, exp_w, F64, **REL64)
    check(out, exp_w[[1, 1, 3]], F64, **REL64)


def test_embedding_gradcheck(rng):
    ix = idx([[0, 3, 3], [2, 0, 1]])
    w = lam(arr(rng, (4, 3)), F64, requires_grad=True)
    # (padding_idx is left out: by design its row gets no gradient though it is read)
    assert lgradcheck(lambda w: F.embedding(ix, w), [w])


def test_embedding_against_torch(rng):
    torch = pytest.importorskip("torch")
    te = torch.nn.Embedding(20, 16, padding_idx=0)
    e = nn.Embedding(20, 16, padding_idx=0)
    e.load_state_dict(te.state_dict())
    ix = rng.integers(0, 20, size=(4, 9))
    ix[0, :3] = 0
    dy = arr(rng, (4, 9, 16)).astype(np.float32)
    to = te(torch.from_numpy(ix))
    to.backward(torch.from_numpy(dy))
    out = e(idx(ix))
    out.backward(lam(dy))
    check(out, to.detach().numpy(), F32, **REL32)
    check(e.weight.grad, te.weight.grad.numpy(), F32, **REL32)
    assert repr(e) == repr(te)


def test_embedding_errors():
    w = lam(np.ones((4, 3)))
    with pytest.raises(IndexError, match=r"^\[embedding\] index out of range"):
        F.embedding(idx([0, 4]), w)
    with pytest.raises(IndexError, match=r"^\[embedding\]"):
        F.embedding(idx([-1]), w)
    with pytest.raises(TypeError, match=r"^\[embedding\] indices must be an int64"):
        F.embedding(lam([0.0, 1.0]), w)
    with pytest.raises(ValueError, match=r"^\[embedding\] weight must be 2-D"):
        F.embedding(idx([0]), lam(np.ones(4)))
    with pytest.raises(ValueError, match=r"^\[Embedding\] padding_idx must be within"):
        nn.Embedding(4, 3, padding_idx=4)
    with pytest.raises(ValueError, match=r"^\[embedding\] padding_idx must be within"):
        F.embedding(idx([0]), w, padding_idx=-5)
    with pytest.raises(ValueError, match=r"^\[Embedding\] sparse"):
        nn.Embedding(4, 3, sparse=True)
    with pytest.raises(ValueError, match=r"^\[Embedding\.from_pretrained\] embeddings must be 2-D"):
        nn.Embedding.from_pretrained(lam(np.ones(3)))


# --- MultiheadAttention: NumPy reference ---------------------------------------------------------

def softmax(x):
    e = np.exp(x - x.max(-1, keepdims=True))
    return e / e.sum(-1, keepdims=True)


def mha_ref(q, k, v, W, b, Wo, bo, H, mask=None):
    """query (L, N, E), key/value (S, N, E); float additive mask (N*H or 1, L, S) or None.
    -> (out (L, N, E), weights averaged over heads (N, L, S))."""
    L, N, E = q.shape
    S, D = k.shape[0], E // H
    qp, kp, vp = q @ W[:E].T + b[:E], k @ W[E:2 * E].T + b[E:2 * E], v @ W[2 * E:].T + b[2 * E:]
    heads = lambda t: t.reshape(t.shape[0], N * H, D).transpose(1, 0, 2)  # noqa: E731
    s = heads(qp) @ heads(kp).transpose(0, 2, 1) / math.sqrt(D)
    if mask is not None:
        s = s + mask
    p = softmax(s)
    o = (p @ heads(vp)).transpose(1, 0, 2).reshape(L * N, E) @ Wo.T + bo
    return o.reshape(L, N, E), p.reshape(N, H, L, S).mean(1)


def test_mha_matches_numpy(device, rng):
    E, H, L, S, N = 12, 3, 5, 7, 2
    m = nn.MultiheadAttention(E, H, dtype=F64).to(device)
    params = {k: arr(rng, tuple(v.shape)) for k, v in m.state_dict().items()}
    m.load_state_dict(params)
    q, k, v = arr(rng, (L, N, E)), arr(rng, (S, N, E)), arr(rng, (S, N, E))
    bool_mask = rng.random((L, S)) < 0.3
    bool_mask[:, 0] = False
    kpm = np.zeros((N, S), bool)
    kpm[1, -2:] = True
    add = np.where(bool_mask, -np.inf, 0.0)[None] + np.repeat(
        np.where(kpm, -np.inf, 0.0), H, axis=0)[:, None, :]
    want, want_w = mha_ref(q, k, v, params["in_proj_weight"], params["in_proj_bias"],
                           params["out_proj.weight"], params["out_proj.bias"], H, add)
    out, w = m(lam(q, F64, device), lam(k, F64, device), lam(v, F64, device),
               key_padding_mask=lamina.tensor(kpm, device=device),
               attn_mask=lamina.tensor(bool_mask, device=device))
    check(out, want, F64, **REL64)
    check(w, want_w, F64, **REL64)
    out2, w2 = m(lam(q, F64, device), lam(k, F64, device), lam(v, F64, device),
                 key_padding_mask=lamina.tensor(kpm, device=device),
                 attn_mask=lamina.tensor(bool_mask, device=device), need_weights=False)
    check(out2, want, F64, rtol=1e-8, atol=1e-9)
    assert w2 is None


def test_mha_need_weights_false_calls_sdpa(monkeypatch, rng):
    calls = []
    real = F.scaled_dot_product_attention

    def spy(*a, **k):
        calls.append(k.get("is_causal"))
        return real(*a, **k)
    monkeypatch.setattr(lamina.functional, "scaled_dot_product_attention", spy)
    m = nn.MultiheadAttention(8, 2, batch_first=True, dtype=F64)
    x = lam(arr(rng, (2, 5, 8)), F64)
    ref, _ = m(x, x, x, attn_mask=lamina.tensor(np.triu(np.ones((5, 5), bool), 1)))
    assert calls == []  # need_weights=True: the explicit path
    out, w = m(x, x, x, need_weights=False, is_causal=True)
    assert calls == [True] and w is None
    check(out, to_np(ref), F64, rtol=1e-9, atol=1e-10)


def test_mha_layout_and_repr():
    m = nn.MultiheadAttention(8, 2)
    assert list(m.state_dict()) == ["in_proj_weight", "in_proj_bias", "out_proj.weight",
                                    "out_proj.bias"]
    assert tuple(m.in_proj_weight.shape) == (24, 8) and m.head_dim == 4
    assert np.all(to_np(m.in_proj_bias) == 0) and np.all(to_np(m.out_proj.bias) == 0)
    assert m.q_proj_weight is None and m._qkv_same_embed_dim
    assert repr(m) == ("MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear("
                       "in_features=8, out_features=8, bias=True)\n)")
    m2 = nn.MultiheadAttention(8, 2, kdim=5, vdim=3, bias=False, add_bias_kv=True)
    assert list(m2.state_dict()) == ["q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k",
                                     "bias_v", "out_proj.weight"]
    assert tuple(m2.k_proj_weight.shape) == (8, 5) and tuple(m2.v_proj_weight.shape) == (8, 3)
    assert m2.in_proj_weight is None and m2.in_proj_bias is None


def test_mha_gradcheck(rng):
    E, H, L, S, N = 4, 2, 3, 4, 2
    m = nn.MultiheadAttention(E, H, dtype=F64)
    kpm = lamina.tensor(np.array([[False, False, True, False], [False, True, False, False]]))
    mask = lam(arr(rng, (L, S)), F64)

    def f(q, k, v):
        return m(q, k, v, key_padding_mask=kpm, attn_mask=mask, average_attn_weights=False)

    ts = [lam(arr(rng, s), F64, requires_grad=True) for s in ((L, N, E), (S, N, E), (S, N, E))]
    assert lgradcheck(f, ts)

    def g(W, b, Wo, bo, bk, bv):
        return multi_head_attention_forward(
            ts[0].detach(), ts[1].detach(), ts[2].detach(), E, H, W, b, bk, bv, True, 0.0, Wo, bo,
            key_padding_mask=kpm, need_weights=True)

    ps = [lam(arr(rng, s), F64, requires_grad=True)
          for s in ((3 * E, E), (3 * E,), (E, E), (E,), (1, 1, E), (1, 1, E))]
    assert lgradcheck(g, ps)


# --- MultiheadAttention / encoder against torch --------------------------------------------------

def load_from_torch(torch, tm, m, rng):
    with torch.no_grad():
        for p in tm.parameters():
            p.copy_(torch.from_numpy(arr(rng, tuple(p.shape)) * 0.5))
    m.load_state_dict(tm.state_dict())
    tm.eval()
    m.eval()


def compare_grads(torch, tm, m, tol=REL32):
    tp = dict(tm.named_parameters())
    names = [n for n, _ in m.named_parameters()]
    assert sorted(names) == sorted(tp)
    for name, p in m.named_parameters():
        tg = tp[name].grad
        if tg is None:
            assert p.grad is None or np.all(to_np(p.grad) == 0), name
            continue
        scale = float(tg.abs().max()) + 1e-6
        check(p.grad, tg.numpy(), F32, rtol=tol["rtol"], atol=tol["rtol"] * scale, msg=name)


def masks_for(torch, kind, L, S, N, H, rng):
    if kind is None:
        return None, None
    if kind == "bool2d":
        m = rng.random((L, S)) < 0.3
        m[:, 0] = False
    elif kind == "float2d":
        m = arr(rng, (L, S)).astype(np.float32)
    elif kind == "bool3d":
        m = rng.random((N * H, L, S)) < 0.3
        m[..., 0] = False
    elif kind == "float3d":
        m = arr(rng, (N * H, L, S)).astype(np.float32)
    return lamina.tensor(m), torch.from_numpy(m)


MHA_CASES = [
    dict(),
    dict(batch_first=True),
    dict(mask="bool2d", kpm="bool"),
    dict(mask="float2d", kpm="float", batch_first=True),
    dict(mask="bool3d"),
    dict(mask="float3d", need_weights=False),
    dict(kpm="bool", average=False),
    dict(kdim=5, vdim=7, mask="bool2d"),
    dict(bias=False, batch_first=True, kpm="bool"),
    dict(add_bias_kv=True, mask="float2d", kpm="bool"),
    dict(add_zero_attn=True, kpm="bool"),
    dict(add_bias_kv=True, add_zero_attn=True, mask="bool2d", kdim=5, vdim=6),
    dict(unbatched=True, mask="bool2d"),
    dict(unbatched=True, kpm="bool", batch_first=True, need_weights=False),
    dict(self_attn=True, mask="causal", need_weights=False),
    dict(self_attn=True, mask="causal", batch_first=True, is_causal=True),
]


@pytest.mark.parametrize("case", MHA_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
def test_mha_against_torch(rng, case):
    torch = pytest.importorskip("torch")
    E, H, L, S, N = 16, 4, 6, 9, 3
    kdim, vdim = case.get("kdim"), case.get("vdim")
    if case.get("self_attn"):
        S = L
    kw = dict(bias=case.get("bias", True), add_bias_kv=case.get("add_bias_kv", False),
              add_zero_attn=case.get("add_zero_attn", False), kdim=kdim, vdim=vdim,
              batch_first=case.get("batch_first", False))
    tm = torch.nn.MultiheadAttention(E, H, **kw)
    m = nn.MultiheadAttention(E, H, **kw)
    assert list(m.state_dict()) == list(tm.state_dict())
    load_from_torch(torch, tm, m, rng)
    unb = case.get("unbatched", False)
    bf = kw["batch_first"] and not unb

    def shape(seq, feat):
        if unb:
            return (seq, feat)
        return (N, seq, feat) if bf else (seq, N, feat)

    q = arr(rng, shape(L, E)).astype(np.float32)
    k = q if case.get("self_attn") else arr(rng, shape(S, kdim or E)).astype(np.float32)
    v = q if case.get("self_attn") else arr(rng, shape(S, vdim or E)).astype(np.float32)
    mk = case.get("mask")
    if mk == "causal":
        cm = np.triu(np.ones((L, S), bool), 1)
        am, tam = lamina.tensor(cm), torch.from_numpy(cm)
    else:
        am, tam = masks_for(torch, mk, L, S, 1 if unb else N, H, rng)
    kpm = tkpm = None
    if case.get("kpm"):
        pm = np.zeros((1 if unb else N, S), bool)
        pm[-1, -3:] = True
        if case["kpm"] == "float":
            pm = np.where(pm, -1e4, 0.0).astype(np.float32)
        if unb:
            pm = pm[0]
        kpm, tkpm = lamina.tensor(pm), torch.from_numpy(pm)
    opts = dict(need_weights=case.get("need_weights", True),
                average_attn_weights=case.get("average", True),
                is_causal=case.get("is_causal", False))
    tq = torch.from_numpy(q).requires_grad_(True)
    tk = tq if case.get("self_attn") else torch.from_numpy(k).requires_grad_(True)
    tv = tq if case.get("self_attn") else torch.from_numpy(v).requires_grad_(True)
    to, tw = tm(tq, tk, tv, key_padding_mask=tkpm, attn_mask=tam, **opts)
    lq = lam(q, F32, requires_grad=True)
    lk = lq if case.get("self_attn") else lam(k, F32, requires_grad=True)
    lv = lq if case.get("self_attn") else lam(v, F32, requires_grad=True)
    lo, lw = m(lq, lk, lv, key_padding_mask=kpm, attn_mask=am, **opts)
    check(lo, to.detach().numpy(), F32, **REL32)
    if tw is None:
        assert lw is None
    else:
        check(lw, tw.detach().numpy(), F32, **REL32)
    dy = arr(rng, tuple(to.shape)).astype(np.float32)
    to.backward(torch.from_numpy(dy))
    lo.backward(lam(dy))
    check(lq.grad, tq.grad.numpy(), F32, **REL32)
    if not case.get("self_attn"):
        check(lk.grad, tk.grad.numpy(), F32, **REL32)
        check(lv.grad, tv.grad.numpy(), F32, **REL32)
    compare_grads(torch, tm, m)


ENC_CASES = [
    dict(),
    dict(norm_first=True),
    dict(batch_first=True, kpm=True),
    dict(norm_first=True, batch_first=True, mask="bool"),
    dict(mask="float", kpm=True, activation="gelu"),
    dict(mask="causal", is_causal=True, batch_first=True),
    dict(bias=False, norm_first=True, kpm=True),
    dict(activation="callable"),
]


def make_layers(torch, case, d, nhead, ff):
    act = case.get("activation", "relu")
    tact, lact = act, act
    if act == "callable":
        tact, lact = torch.nn.functional.silu, (lambda x: x * x.sigmoid())
    kw = dict(dim_feedforward=ff, dropout=0.1, batch_first=case.get("batch_first", False),
              norm_first=case.get("norm_first", False), bias=case.get("bias", True))
    return (torch.nn.TransformerEncoderLayer(d, nhead, activation=tact, **kw),
            nn.TransformerEncoderLayer(d, nhead, activation=lact, **kw))


def encoder_inputs(torch, case, L, N, d, rng):
    bf = case.get("batch_first", False)
    x = arr(rng, (N, L, d) if bf else (L, N, d)).astype(np.float32)
    am = tam = kpm = tkpm = None
    mk = case.get("mask")
    if mk == "bool":
        m = rng.random((L, L)) < 0.3
        np.fill_diagonal(m, False)
        am, tam = lamina.tensor(m), torch.from_numpy(m)
    elif mk == "float":
        m = arr(rng, (L, L)).astype(np.float32)
        am, tam = lamina.tensor(m), torch.from_numpy(m)
    elif mk == "causal":
        m = np.triu(np.full((L, L), -np.inf, np.float32), 1)
        am, tam = lamina.tensor(m), torch.from_numpy(m)
    if case.get("kpm"):
        pm = np.zeros((N, L), bool)
        pm[0, -2:] = True
        kpm, tkpm = lamina.tensor(pm), torch.from_numpy(pm)
    return x, am, tam, kpm, tkpm


@pytest.mark.parametrize("case", ENC_CASES, ids=lambda c: "-".join(f"{k}={v}" for k, v in
                                                                    c.items()) or "default")
def test_encoder_layer_against_torch(rng, case):
    torch = pytest.importorskip("torch")
    d, nhead, ff, L, N = 16, 4, 24, 7, 3
    tl, ll = make_layers(torch, case, d, nhead, ff)
    assert list(ll.state_dict()) == list(tl.state_dict())
    load_from_torch(torch, tl, ll, rng)
    x, am, tam, kpm, tkpm = encoder_inputs(torch, case, L, N, d, rng)
    tx = torch.from_numpy(x).requires_grad_(True)
    lx = lam(x, F32, requires_grad=True)
    ic = case.get("is_causal", False)
    to = tl(tx, src_mask=tam, src_key_padding_mask=tkpm, is_causal=ic)
    lo = ll(lx, src_mask=am, src_key_padding_mask=kpm, is_causal=ic)
    check(lo, to.detach().numpy(), F32, **REL32)
    dy = arr(rng, tuple(to.shape)).astype(np.float32)
    to.backward(torch.from_numpy(dy))
    lo.backward(lam(dy))
    check(lx.grad, tx.grad.numpy(), F32, **REL32)
    compare_grads(torch, tl, ll)


@pytest.mark.parametrize("case", [dict(), dict(norm_first=True, batch_first=True, kpm=True,
                                               mask="causal")])
def test_encoder_against_torch(rng, case):
    torch = pytest.importorskip("torch")
    d, nhead, ff, L, N = 8, 2, 16, 5, 2
    tl, ll = make_layers(torch, case, d, nhead, ff)
    te = torch.nn.TransformerEncoder(tl, 2, norm=torch.nn.LayerNorm(d),
                                     enable_nested_tensor=False)
    le = nn.TransformerEncoder(ll, 2, norm=nn.LayerNorm(d))
    assert list(le.state_dict()) == list(te.state_dict())
    assert le.layers[0] is not ll and le.layers[0] is not le.layers[1]
    assert repr(le) == repr(te)
    load_from_torch(torch, te, le, rng)
    x, am, tam, kpm, tkpm = encoder_inputs(torch, case, L, N, d, rng)
    tx = torch.from_numpy(x).requires_grad_(True)
    lx = lam(x, F32, requires_grad=True)
    to = te(tx, mask=tam, src_key_padding_mask=tkpm)
    lo = le(lx, mask=am, src_key_padding_mask=kpm)
    check(lo, to.detach().numpy(), F32, **REL32)
    to.sum().backward()
    lo.sum().backward()
    check(lx.grad, tx.grad.numpy(), F32, **REL32)
    compare_grads(torch, te, le)


def test_encoder_layer_train_mode_dropout_and_repr():
    layer = nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, dropout=0.5)
    assert layer.activation is F.relu and layer.activation_relu_or_gelu == 1
    assert nn.TransformerEncoderLayer(8, 2, activation=nn.GELU()).activation_relu_or_gelu == 2
    names = [n for n, _ in layer.named_children()]
    assert names == ["self_attn", "linear1", "dropout", "linear2", "norm1", "norm2", "dropout1",
                     "dropout2"]
    x = lamina.randn(4, 3, 8)
    layer.train()
    a, b = layer(x), layer(x)
    assert not np.allclose(to_np(a), to_np(b))  # dropout active
    layer.eval()
    np.testing.assert_array_equal(to_np(layer(x)), to_np(layer(x)))
    enc = nn.TransformerEncoder(layer, 3)
    assert [k.split(".")[1] for k in enc.state_dict() if k.endswith("norm1.weight")] == \
        ["0", "1", "2"]
    c = copy.deepcopy(layer)
    assert c.linear1.weight is not layer.linear1.weight
    np.testing.assert_array_equal(to_np(c.linear1.weight), to_np(layer.linear1.weight))


# --- errors --------------------------------------------------------------------------------------

def test_mha_errors():
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] embed_dim must be divisible"):
        nn.MultiheadAttention(10, 3)
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\]"):
        nn.MultiheadAttention(0, 1)
    m = nn.MultiheadAttention(8, 2)
    q = lamina.randn(3, 2, 8)
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] expected query with "
                                         r"embed_dim=8"):
        m(lamina.randn(3, 2, 6), lamina.randn(3, 2, 6), lamina.randn(3, 2, 6))
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] expected a 2-D attn_mask"):
        m(q, q, q, attn_mask=lamina.zeros(3, 4))
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] expected a 3-D attn_mask"):
        m(q, q, q, attn_mask=lamina.zeros(2, 3, 3))
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] expected key_padding_mask"):
        m(q, q, q, key_padding_mask=lamina.zeros(3, 3).bool())
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] query should be"):
        m(lamina.randn(1, 3, 2, 8), q, q)
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\]"):
        m(q, lamina.randn(3, 8), q)
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] query batch size"):
        m(q, lamina.randn(4, 3, 8), lamina.randn(4, 3, 8))
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] key of shape"):
        m(q, lamina.randn(4, 2, 8), lamina.randn(5, 2, 8))
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] key shape"):
        m(q, lamina.randn(4, 2, 8), lamina.randn(4, 2, 6))
    with pytest.raises(TypeError, match=r"^\[multi_head_attention\] only bool and floating"):
        m(q, q, q, attn_mask=lamina.zeros(3, 3).long())
    m2 = nn.MultiheadAttention(8, 2, kdim=4, vdim=4)
    with pytest.raises(ValueError, match=r"^\[multi_head_attention\] expected key with 4"):
        m2(q, q, lamina.randn(3, 2, 4))
    with pytest.raises(RuntimeError, match=r"activation should be relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
