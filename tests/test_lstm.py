"""nn.LSTM / nn.LSTMCell against a NumPy float64 reference (odd sizes, batch_first, layers,
directions, initial states, projections, non-contiguous inputs), float64 gradchecks of the
layer and cell Functions, torch (when importable) for outputs and every gradient, errors."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
from lamina.autograd.functions.lstm import LSTMCellFn, LSTMLayer
from reference import FLOATS, arr, check, gradcheck, lam, to_np

TOL32 = dict(rtol=2e-5, atol=2e-5)


def _sig(x):
    return 1.0 / (1.0 + np.exp(-x))


# --- NumPy float64 reference -----------------------------------------------------------------


def ref_cell(x, h, c, w_ih, w_hh, b_ih, b_hh, w_hr=None):
    g = x @ w_ih.T + h @ w_hh.T
    if b_ih is not None:
        g = g + b_ih + b_hh
    H = w_hh.shape[0] // 4
    i, f, gg, o = _sig(g[:, :H]), _sig(g[:, H:2 * H]), np.tanh(g[:, 2 * H:3 * H]), _sig(g[:, 3 * H:])
    c = f * c + i * gg
    h = o * np.tanh(c)
    if w_hr is not None:
        h = h @ w_hr.T
    return h, c


def ref_lstm(x, params, num_layers, bidirectional, hx=None, proj=0):
    """x (T, B, I); params {torch name: array}; hx (h0 (L*D, B, Hout), c0 (L*D, B, H))."""
    D = 2 if bidirectional else 1
    T, B = x.shape[:2]
    H = params["weight_hh_l0"].shape[0] // 4
    hout = proj or H
    hns, cns = [], []
    for layer in range(num_layers):
        ys = []
        for d in range(D):
            sfx = "_reverse" if d else ""
            p = lambda n: params.get(f"{n}_l{layer}{sfx}")  # noqa: E731
            k = layer * D + d
            h = hx[0][k] if hx is not None else np.zeros((B, hout))
            c = hx[1][k] if hx is not None else np.zeros((B, H))
            y = np.zeros((T, B, hout))
            for t in (range(T - 1, -1, -1) if d else range(T)):
                h, c = ref_cell(x[t], h, c, p("weight_ih"), p("weight_hh"), p("bias_ih"),
                                p("bias_hh"), p("weight_hr"))
                y[t] = h
            ys.append(y)
            hns.append(h)
            cns.append(c)
        x = np.concatenate(ys, axis=2)
    return x, np.stack(hns), np.stack(cns)


def params_np(m):
    return {k: to_np(v) for k, v in m.state_dict().items()}


def rand_params(m, rng, dtype):
    """Fresh random parameters of exactly the dtype's values; returns them as float64 arrays."""
    sd = {}
    for k, v in m.state_dict().items():
        sd[k] = lam(arr(rng, tuple(v.shape), -0.8, 0.8), dtype)
    m.load_state_dict(sd)
    return params_np(m)


# --- forward against the reference -----------------------------------------------------------

SHAPES = [(1, 1, 1, 1), (7, 3, 7, 33), (7, 1, 33, 7), (1, 3, 33, 1), (5, 16, 20, 100)]


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_lstm_forward_reference(device, rng, dtype, T, B, I, H):
    m = nn.LSTM(I, H, dtype=dtype, device=device)
    p = rand_params(m, rng, dtype)
    x = arr(rng, (T, B, I))
    h0, c0 = arr(rng, (1, B, H)), arr(rng, (1, B, H))
    tol = TOL32 if dtype == lamina.float32 else {}
    y, hn, cn = ref_lstm(x, p, 1, False, (h0, c0))
    out, (lhn, lcn) = m(lam(x, dtype, device), (lam(h0, dtype, device), lam(c0, dtype, device)))
    check(out, y, dtype, **tol)
    check(lhn, hn, dtype, **tol)
    check(lcn, cn, dtype, **tol)
    # no initial state: zeros
    y, hn, cn = ref_lstm(x, p, 1, False)
    out, (lhn, lcn) = m(lam(x, dtype, device))
    check(out, y, dtype, **tol)
    check(lcn, cn, dtype, **tol)


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_layers_directions(device, rng, batch_first, bidirectional, bias):
    T, B, I, H, L = 7, 3, 7, 33, 2
    D = 2 if bidirectional else 1
    m = nn.LSTM(I, H, L, bias=bias, batch_first=batch_first, bidirectional=bidirectional,
                dtype=lamina.float64, device=device)
    p = rand_params(m, rng, lamina.float64)
    x = arr(rng, (T, B, I))
    h0, c0 = arr(rng, (L * D, B, H)), arr(rng, (L * D, B, H))
    y, hn, cn = ref_lstm(x, p, L, bidirectional, (h0, c0))
    xin = np.ascontiguousarray(x.transpose(1, 0, 2)) if batch_first else x
    out, (lhn, lcn) = m(lam(xin, lamina.float64, device),
                        (lam(h0, lamina.float64, device), lam(c0, lamina.float64, device)))
    check(out, y.transpose(1, 0, 2) if batch_first else y)
    check(lhn, hn)
    check(lcn, cn)


def test_lstm_non_contiguous_and_unbatched(device, rng):
    T, B, I, H = 7, 3, 33, 7
    m = nn.LSTM(I, H, dtype=lamina.float64, device=device)
    p = rand_params(m, rng, lamina.float64)
    x = arr(rng, (T, B, I))
    big = np.full((T, B, 2 * I), np.nan)
    big[..., ::2] = x
    xs = lam(big, lamina.float64, device)[..., ::2]
    assert not xs.is_contiguous()
    y, hn, cn = ref_lstm(x, p, 1, False)
    out, (lhn, lcn) = m(xs)
    check(out, y)
    check(lcn, cn)
    # batch_first from a transposed (B, T, I) view of a (T, B, I) buffer
    mb = nn.LSTM(I, H, batch_first=True, dtype=lamina.float64, device=device)
    mb.load_state_dict(m.state_dict())
    out, _ = mb(lam(x, lamina.float64, device).transpose(0, 1))
    check(out, y.transpose(1, 0, 2))
    # unbatched (T, I) input and (L * D, H) states
    h0, c0 = arr(rng, (1, H)), arr(rng, (1, H))
    y, hn, cn = ref_lstm(x[:, :1], p, 1, False, (h0[:, None], c0[:, None]))
    out, (lhn, lcn) = m(lam(x[:, 0], lamina.float64, device),
                        (lam(h0, lamina.float64, device), lam(c0, lamina.float64, device)))
    check(out, y[:, 0])
    check(lhn, hn[:, 0])
    check(lcn, cn[:, 0])


def test_lstm_proj_size(device, rng):
    T, B, I, H, P = 5, 3, 7, 9, 4
    m = nn.LSTM(I, H, 2, bidirectional=True, proj_size=P, dtype=lamina.float64, device=device)
    assert tuple(m.weight_hr_l1_reverse.shape) == (P, H)
    assert tuple(m.weight_hh_l0.shape) == (4 * H, P)
    assert tuple(m.weight_ih_l1.shape) == (4 * H, 2 * P)
    p = rand_params(m, rng, lamina.float64)
    x = arr(rng, (T, B, I))
    h0, c0 = arr(rng, (4, B, P)), arr(rng, (4, B, H))
    y, hn, cn = ref_lstm(x, p, 2, True, (h0, c0), proj=P)
    out, (lhn, lcn) = m(lam(x, lamina.float64, device),
                        (lam(h0, lamina.float64, device), lam(c0, lamina.float64, device)))
    check(out, y)
    check(lhn, hn)
    check(lcn, cn)


def test_lstm_no_grad_matches_grad_path(device, rng):
    m = nn.LSTM(7, 33, device=device)
    x = lam(arr(rng, (7, 3, 7)), device=device)
    with lamina.no_grad():
        a, (ha, ca) = m(x)
    b, (hb, cb) = m(x)
    assert b.requires_grad
    np.testing.assert_array_equal(to_np(a), to_np(b))
    np.testing.assert_array_equal(to_np(ca), to_np(cb))


def test_lstm_dropout_between_layers(device, rng):
    m = nn.LSTM(7, 8, 2, dropout=0.5, dtype=lamina.float64, device=device)
    p = params_np(m)
    x = arr(rng, (5, 3, 7))
    m.eval()
    y, _, _ = ref_lstm(x, p, 2, False)
    out, _ = m(lam(x, lamina.float64, device))
    check(out, y)
    m.train()
    lamina.manual_seed(3)
    a, _ = m(lam(x, lamina.float64, device))
    lamina.manual_seed(3)
    b, _ = m(lam(x, lamina.float64, device))
    np.testing.assert_array_equal(to_np(a), to_np(b))
    assert np.abs(to_np(a) - y).max() > 1e-3


def test_lstm_module_attributes():
    m = nn.LSTM(5, 6, 2, bidirectional=True)
    names = [n for n, _ in m.named_parameters()]
    expect = []
    for k in range(2):
        for sfx in ("", "_reverse"):
            expect += [f"weight_ih_l{k}{sfx}", f"weight_hh_l{k}{sfx}", f"bias_ih_l{k}{sfx}",
                       f"bias_hh_l{k}{sfx}"]
    assert names == expect
    assert tuple(m.weight_ih_l1.shape) == (24, 12)
    bound = 1 / np.sqrt(6)
    for _, v in m.named_parameters():
        a = to_np(v)
        assert np.abs(a).max() <= bound and np.abs(a).max() > 0.5 * bound
    assert repr(m) == "LSTM(5, 6, num_layers=2, bidirectional=True)"
    assert repr(nn.LSTM(3, 4, batch_first=True, bias=False)) == \
        "LSTM(3, 4, bias=False, batch_first=True)"
    c = nn.LSTMCell(3, 4, bias=False)
    assert [n for n, _ in c.named_parameters()] == ["weight_ih", "weight_hh"]
    assert repr(c) == "LSTMCell(3, 4, bias=False)"


# --- LSTMCell ----------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", FLOATS)
@pytest.mark.parametrize("B,I,H", [(1, 1, 1), (3, 7, 33), (1, 33, 7), (5, 20, 100)])
def test_lstm_cell_reference(device, rng, dtype, B, I, H):
    m = nn.LSTMCell(I, H, dtype=dtype, device=device)
    p = rand_params(m, rng, dtype)
    x, h, c = arr(rng, (B, I)), arr(rng, (B, H)), arr(rng, (B, H))
    tol = TOL32 if dtype == lamina.float32 else {}
    eh, ec = ref_cell(x, h, c, p["weight_ih"], p["weight_hh"], p["bias_ih"], p["bias_hh"])
    lh, lc = m(lam(x, dtype, device), (lam(h, dtype, device), lam(c, dtype, device)))
    check(lh, eh, dtype, **tol)
    check(lc, ec, dtype, **tol)
    eh, ec = ref_cell(x, 0 * h, 0 * c, p["weight_ih"], p["weight_hh"], p["bias_ih"],
                      p["bias_hh"])
    lh, lc = m(lam(x, dtype, device))
    check(lh, eh, dtype, **tol)
    check(lc, ec, dtype, **tol)
    # unbatched, non-contiguous
    xt = lam(np.ascontiguousarray(np.stack([x[0], x[0]], 1)), dtype, device)[:, 0]
    lh, lc = m(xt, (lam(h[0], dtype, device), lam(c[0], dtype, device)))
    eh, ec = ref_cell(x[:1], h[:1], c[:1], p["weight_ih"], p["weight_hh"], p["bias_ih"],
                      p["bias_hh"])
    check(lh, eh[0], dtype, **tol)
    check(lc, ec[0], dtype, **tol)


# --- gradients ---------------------------------------------------------------------------------


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("T,B,I,H", [(3, 2, 3, 2), (1, 1, 2, 3)])
def test_lstm_layer_gradcheck(device, rng, reverse, T, B, I, H):
    ins = [arr(rng, (T, B, I)), arr(rng, (B, H)), arr(rng, (B, H)),
           arr(rng, (4 * H, I), -0.8, 0.8), arr(rng, (4 * H, H), -0.8, 0.8),
           arr(rng, (4 * H,), -0.5, 0.5), arr(rng, (4 * H,), -0.5, 0.5)]
    gradcheck(lambda *a: LSTMLayer.apply(*a, reverse), *ins, device=device)


def test_lstm_layer_gradcheck_no_state_no_bias(device, rng):
    T, B, I, H = 4, 2, 3, 2
    w_ih, w_hh = arr(rng, (4 * H, I), -0.8, 0.8), arr(rng, (4 * H, H), -0.8, 0.8)
    gradcheck(lambda x, a, b: LSTMLayer.apply(x, None, None, a, b, None, None, False),
              arr(rng, (T, B, I)), w_ih, w_hh, device=device)


def test_lstm_module_gradcheck(device, rng):
    """Two layers, both directions, batch_first: gradients of input and initial state."""
    m = nn.LSTM(3, 2, 2, batch_first=True, bidirectional=True, dtype=lamina.float64,
                device=device)
    gradcheck(lambda x, h, c: m(x, (h, c)), arr(rng, (2, 3, 3)), arr(rng, (4, 2, 2)),
              arr(rng, (4, 2, 2)), device=device)


@pytest.mark.parametrize("with_state", [True, False])
def test_lstm_cell_gradcheck(device, rng, with_state):
    B, I, H = 3, 4, 3
    w = [arr(rng, (4 * H, I), -0.8, 0.8), arr(rng, (4 * H, H), -0.8, 0.8),
         arr(rng, (4 * H,), -0.5, 0.5), arr(rng, (4 * H,), -0.5, 0.5)]
    if with_state:
        gradcheck(lambda x, h, c, a, b, bi, bh: LSTMCellFn.apply(x, h, c, a, b, bi, bh),
                  arr(rng, (B, I)), arr(rng, (B, H)), arr(rng, (B, H)), *w, device=device)
    else:
        gradcheck(lambda x, a, b: LSTMCellFn.apply(x, None, None, a, b, None, None),
                  arr(rng, (B, I)), w[0], w[1], device=device)


# --- torch ---------------------------------------------------------------------------------


def _rel(a, b):
    return np.abs(a - b).max() / max(1e-12, np.abs(b).max())


@pytest.mark.parametrize("batch_first,layers,bidirectional,init",
                         [(False, 1, False, True), (True, 2, False, False),
                          (False, 2, True, True), (True, 1, True, False)])
def test_lstm_against_torch(device, rng, batch_first, layers, bidirectional, init):
    torch = pytest.importorskip("torch")
    T, B, I, H = 9, 4, 13, 40
    D = 2 if bidirectional else 1
    tm = torch.nn.LSTM(I, H, layers, batch_first=batch_first, bidirectional=bidirectional)
    m = nn.LSTM(I, H, layers, batch_first=batch_first, bidirectional=bidirectional,
                device=device)
    m.load_state_dict({k: lam(v.detach().numpy(), device=device)
                       for k, v in tm.state_dict().items()})
    x = rng.standard_normal((B, T, I) if batch_first else (T, B, I)).astype(np.float32)
    h0 = rng.standard_normal((layers * D, B, H)).astype(np.float32)
    c0 = rng.standard_normal((layers * D, B, H)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    th, tc = torch.tensor(h0, requires_grad=True), torch.tensor(c0, requires_grad=True)
    lx = lam(x, device=device, requires_grad=True)
    lh, lc = lam(h0, device=device, requires_grad=True), lam(c0, device=device, requires_grad=True)
    tout, (thn, tcn) = tm(tx, (th, tc)) if init else tm(tx)
    out, (hn, cn) = m(lx, (lh, lc)) if init else m(lx)
    ws = [rng.standard_normal(tuple(t.shape)).astype(np.float32) for t in (tout, thn, tcn)]
    sum((t * torch.tensor(w)).sum() for t, w in zip((tout, thn, tcn), ws)).backward()
    tot = None
    for t, w in zip((out, hn, cn), ws):
        term = (t * lam(w, device=device)).sum()
        tot = term if tot is None else tot + term
    tot.backward()
    pairs = [(out, tout), (hn, thn), (cn, tcn), (lx.grad, tx.grad)]
    if init:
        pairs += [(lh.grad, th.grad), (lc.grad, tc.grad)]
    lp = dict(m.named_parameters())
    pairs += [(lp[k].grad, p.grad) for k, p in tm.named_parameters()]
    for a, b in pairs:
        assert _rel(to_np(a), b.detach().numpy().astype(np.float64)) <= 1e-4


def test_lstm_cell_against_torch(device, rng):
    torch = pytest.importorskip("torch")
    B, I, H, T = 5, 11, 24, 4
    tm = torch.nn.LSTMCell(I, H)
    m = nn.LSTMCell(I, H, device=device)
    m.load_state_dict({k: lam(v.detach().numpy(), device=device)
                       for k, v in tm.state_dict().items()})
    xs = rng.standard_normal((T, B, I)).astype(np.float32)
    tx = torch.tensor(xs, requires_grad=True)
    lx = lam(xs, device=device, requires_grad=True)
    th = tc = None
    lh = lc = None
    for t in range(T):
        th, tc = tm(tx[t]) if th is None else tm(tx[t], (th, tc))
        lh, lc = m(lx[t]) if lh is None else m(lx[t], (lh, lc))
    w = rng.standard_normal((B, H)).astype(np.float32)
    ((th * torch.tensor(w)).sum() + tc.sum()).backward()
    ((lh * lam(w, device=device)).sum() + lc.sum()).backward()
    assert _rel(to_np(lh), th.detach().numpy()) <= 1e-4
    assert _rel(to_np(lc), tc.detach().numpy()) <= 1e-4
    assert _rel(to_np(lx.grad), tx.grad.numpy()) <= 1e-4
    lp = dict(m.named_parameters())
    for k, p in tm.named_parameters():
        assert _rel(to_np(lp[k].grad), p.grad.numpy()) <= 1e-4


# --- errors ------------------------------------------------------------------------------------


def test_lstm_errors(device):
    m = nn.LSTM(4, 5, 2, device=device)
    with pytest.raises(ValueError, match=r"^\[lstm\] expected input of size .* got \(3, 2, 6\)"):
        m(lamina.zeros(3, 2, 6, device=device))
    with pytest.raises(ValueError, match=r"^\[lstm\] expected input of size"):
        m(lamina.zeros(3, 2, 1, 4, device=device))
    x = lamina.zeros(3, 2, 4, device=device)
    h_bad, c = lamina.zeros(1, 2, 5, device=device), lamina.zeros(2, 2, 5, device=device)
    with pytest.raises(ValueError, match=r"^\[lstm\] expected h_0 of size \(2, 2, 5\), got "
                                         r"\(1, 2, 5\)"):
        m(x, (h_bad, c))
    with pytest.raises(ValueError, match=r"^\[lstm\] expected c_0 of size"):
        m(x, (c, lamina.zeros(2, 3, 5, device=device)))
    with pytest.raises(TypeError, match=r"^\[lstm\] input dtype"):
        m(lamina.zeros(3, 2, 4, dtype=lamina.float64, device=device))
    with pytest.raises(TypeError, match=r"^\[lstm\] expected h_0 of dtype"):
        m(x, (c.double(), c))
    with pytest.raises(ValueError, match=r"^\[LSTM\] hidden_size"):
        nn.LSTM(4, 0)
    with pytest.raises(ValueError, match=r"^\[LSTM\] dropout"):
        nn.LSTM(4, 5, 2, dropout=1.5)
    with pytest.raises(ValueError, match=r"^\[LSTM\] proj_size"):
        nn.LSTM(4, 5, proj_size=5)
    cell = nn.LSTMCell(4, 5, device=device)
    with pytest.raises(ValueError, match=r"^\[lstm_cell\] expected input of size"):
        cell(lamina.zeros(2, 3, device=device))
    with pytest.raises(ValueError, match=r"^\[lstm_cell\] expected h of size \(2, 5\)"):
        cell(lamina.zeros(2, 4, device=device),
             (lamina.zeros(3, 5, device=device), lamina.zeros(2, 5, device=device)))
    with pytest.raises(TypeError, match=r"^\[lstm_cell\] input dtype"):
        cell(lamina.zeros(2, 4, dtype=lamina.float64, device=device))


def test_lstm_op_errors(device):
    z = lambda *s: lamina.zeros(*s, device=device)  # noqa: E731
    with pytest.raises(ValueError, match=r"^\[lstm\] expected weight_ih of size \(8, 3\)"):
        LSTMLayer.apply(z(2, 1, 3), None, None, z(8, 4), z(8, 2), None, None, False)
    with pytest.raises(ValueError, match=r"^\[lstm\] expected weight_hh of size"):
        LSTMLayer.apply(z(2, 1, 3), None, None, z(8, 3), z(8, 3), None, None, False)
    with pytest.raises(ValueError, match=r"^\[lstm\] expected hx of size \(1, 2\)"):
        LSTMLayer.apply(z(2, 1, 3), z(2, 2), None, z(8, 3), z(8, 2), None, None, False)
    with pytest.raises(TypeError, match=r"^\[lstm\] expected weight_hh of dtype"):
        LSTMLayer.apply(z(2, 1, 3), None, None, z(8, 3), z(8, 2).double(), None, None, False)
    with pytest.raises(ValueError, match=r"^\[lstm\] expected a 3-D input"):
        LSTMLayer.apply(z(2, 3), None, None, z(8, 3), z(8, 2), None, None, False)
