"""nn.LSTM / nn.LSTMCell and their Functions through check_op, as functions of the input, the
initial state and every parameter: a NumPy float64 reference (odd sizes, batch_first, layers,
directions, initial states, projections, non-contiguous inputs), float64 gradchecks, torch
(when importable) for outputs and every gradient; the module's attributes, dropout, errors."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.nn as nn
from lamina.autograd.functions.lstm import LSTMCellFn, LSTMLayer
from lamina.testing import Input, check_op
from reference import arr, check, lam, to_np, torch

TOL = {lamina.float32: (2e-5, 2e-5)}
# float32 gradients through the recurrence: errors near 2e-6 of the largest element (all CPU
# paths), so small elements need an atol of that order
GRAD_TOL = {lamina.float32: (2e-5, 1e-4)}


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


# --- the module as a function of its parameters -------------------------------------------


def call_with(m, params, *args):
    """m(*args) with its parameters replaced by the tensors ``params`` (name: tensor): the
    module as a function of them, as torch.func.functional_call."""
    saved = dict(m._parameters)
    m._parameters.update(params)
    try:
        return m(*args)
    finally:
        m._parameters.clear()
        m._parameters.update(saved)


def check_module(rng, device, m, tm, x_shape, state_shapes, ref, **kw):
    """check_op of module m (torch's twin tm) as a function of its input, initial state (when
    state_shapes) and every parameter (uniform in [-0.8, 0.8))."""
    names = [n for n, _ in m.named_parameters()]
    params = [Input(tuple(p.shape), -0.8, 0.8) for _, p in m.named_parameters()]
    k = 1 + len(state_shapes)

    def split(args):
        state = tuple(args[1:k]) if state_shapes else None
        return args[0], state, dict(zip(names, args[k:]))

    def op(*args):
        x, state, ps = split(args)
        return call_with(m, ps, x, *([state] if state else []))

    def tref(*args):
        x, state, ps = split(args)
        return torch.func.functional_call(tm, ps, (x,) + ((state,) if state else ()))

    def nref(*args):
        x, state, ps = split(args)
        return ref(x, state, ps)

    check_op(op, [x_shape] + list(state_shapes) + params, nref, tm and tref, rng=rng,
             device=device, tol=TOL, grad_tol=GRAD_TOL, **kw)


def _lstm_ref(num_layers, bidirectional, batch_first=False, proj=0):
    def ref(x, state, ps):
        if x.ndim == 2:  # unbatched
            st = None if state is None else tuple(s[:, None] for s in state)
            y, hn, cn = ref_lstm(x[:, None], ps, num_layers, bidirectional, st, proj)
            return y[:, 0], (hn[:, 0], cn[:, 0])
        xt = x.transpose(1, 0, 2) if batch_first else x
        y, hn, cn = ref_lstm(xt, ps, num_layers, bidirectional, state, proj)
        return (y.transpose(1, 0, 2) if batch_first else y), (hn, cn)
    return ref


def _torch_lstm(*args, **kw):
    return torch.nn.LSTM(*args, **kw) if torch is not None else None


# --- forward and backward --------------------------------------------------------------------

SHAPES = [(1, 1, 1, 1), (7, 3, 7, 33), (7, 1, 33, 7), (1, 3, 33, 1), (5, 16, 20, 100),
          (3, 2, 3, 2)]


@pytest.mark.parametrize("T,B,I,H", SHAPES)
def test_lstm(device, rng, T, B, I, H):
    m = nn.LSTM(I, H, device=device)
    tm = _torch_lstm(I, H)
    for state in ([(1, B, H), (1, B, H)], []):  # no initial state: zeros
        check_module(rng, device, m, tm, (T, B, I), state, _lstm_ref(1, False))


@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("bias", [True, False])
def test_lstm_layers_directions(device, rng, batch_first, bidirectional, bias):
    T, B, I, H, L = 7, 3, 7, 33, 2
    D = 2 if bidirectional else 1
    kw = dict(bias=bias, batch_first=batch_first, bidirectional=bidirectional)
    m, tm = nn.LSTM(I, H, L, device=device, **kw), _torch_lstm(I, H, L, **kw)
    x = (B, T, I) if batch_first else (T, B, I)
    check_module(rng, device, m, tm, x, [(L * D, B, H), (L * D, B, H)],
                 _lstm_ref(L, bidirectional, batch_first))


def test_lstm_small_every_element(device, rng):
    """Two layers, both directions, batch_first, small enough for finite differences of every
    element of the input, the initial state and the parameters."""
    m, tm = nn.LSTM(3, 2, 2, batch_first=True, bidirectional=True, device=device), \
        _torch_lstm(3, 2, 2, batch_first=True, bidirectional=True)
    check_module(rng, device, m, tm, (2, 3, 3), [(4, 2, 2), (4, 2, 2)],
                 _lstm_ref(2, True, True), fd_numel=10 ** 6)


def test_lstm_unbatched(device, rng):
    T, I, H = 7, 33, 7
    m, tm = nn.LSTM(I, H, device=device), _torch_lstm(I, H)
    check_module(rng, device, m, tm, (T, I), [(1, H), (1, H)], _lstm_ref(1, False))
    check_module(rng, device, m, tm, (T, I), [], _lstm_ref(1, False))


def test_lstm_batch_first_transposed_view(device, rng):
    """batch_first from a transposed (B, T, I) view of a (T, B, I) buffer."""
    T, B, I, H = 7, 3, 33, 7
    m = nn.LSTM(I, H, batch_first=True, dtype=lamina.float64, device=device)
    p = rand_params(m, rng, lamina.float64)
    x = arr(rng, (T, B, I))
    y, _, _ = ref_lstm(x, p, 1, False)
    out, _ = m(lam(x, lamina.float64, device).transpose(0, 1))
    check(out, y.transpose(1, 0, 2))


@pytest.mark.filterwarnings("ignore:LSTM with projections is not supported with oneDNN")
def test_lstm_proj_size(device, rng):
    T, B, I, H, P = 5, 3, 7, 9, 4
    m = nn.LSTM(I, H, 2, bidirectional=True, proj_size=P, device=device)
    assert tuple(m.weight_hr_l1_reverse.shape) == (P, H)
    assert tuple(m.weight_hh_l0.shape) == (4 * H, P)
    assert tuple(m.weight_ih_l1.shape) == (4 * H, 2 * P)
    tm = _torch_lstm(I, H, 2, bidirectional=True, proj_size=P)
    check_module(rng, device, m, tm, (T, B, I), [(4, B, P), (4, B, H)],
                 _lstm_ref(2, True, proj=P))


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


# --- LSTMCell and the Functions ----------------------------------------------------------------


def _cell_ref(x, state, ps):
    h, c = state if state else (np.zeros(x.shape[:-1] + (ps["weight_hh"].shape[1],)),) * 2
    x1, h1, c1 = (a[None] if x.ndim == 1 else a for a in (x, h, c))
    h2, c2 = ref_cell(x1, h1, c1, ps["weight_ih"], ps["weight_hh"], ps.get("bias_ih"),
                      ps.get("bias_hh"))
    return (h2[0], c2[0]) if x.ndim == 1 else (h2, c2)


@pytest.mark.parametrize("B,I,H", [(1, 1, 1), (3, 7, 33), (1, 33, 7), (5, 20, 100), (3, 4, 3)])
def test_lstm_cell(device, rng, B, I, H):
    m, tm = nn.LSTMCell(I, H, device=device), torch and torch.nn.LSTMCell(I, H)
    check_module(rng, device, m, tm, (B, I), [(B, H), (B, H)], _cell_ref)
    check_module(rng, device, m, tm, (B, I), [], _cell_ref)
    check_module(rng, device, m, tm, (I,), [(H,), (H,)], _cell_ref)  # unbatched


def test_lstm_cell_steps(device, rng):
    """LSTMCell applied over T steps (the graph of a hand-written recurrence)."""
    B, I, H, T = 5, 11, 24, 4
    m, tm = nn.LSTMCell(I, H, device=device), torch and torch.nn.LSTMCell(I, H)

    def ref(xs, state, ps):
        h = c = np.zeros((B, H))
        for x in xs:
            h, c = _cell_ref(x, (h, c), ps)
        return h, c

    def steps(cell):
        def run(xs, *args):
            state = None
            for t in range(T):
                state = cell(xs[t], *args) if state is None else cell(xs[t], state, *args)
            return state
        return run

    names = [n for n, _ in m.named_parameters()]
    check_op(lambda xs, *ps: steps(lambda x, *s: call_with(m, dict(zip(names, ps)), x, *s))(xs),
             [(T, B, I)] + [Input(tuple(p.shape), -0.8, 0.8) for p in m.parameters()],
             lambda xs, *ps: ref(xs, None, dict(zip(names, ps))),
             tm and (lambda xs, *ps: steps(lambda x, *s: torch.func.functional_call(
                 tm, dict(zip(names, ps)), (x,) + s))(xs)), rng=rng, device=device, tol=TOL,
             grad_tol=GRAD_TOL)


def _layer_ref(reverse):
    def ref(x, h, c, wi, wh, bi, bh):
        B, H = x.shape[1], wh.shape[1]
        ps = {"weight_ih_l0": wi, "weight_hh_l0": wh, "bias_ih_l0": bi, "bias_hh_l0": bh}
        h = np.zeros((B, H)) if h is None else h
        c = np.zeros((B, H)) if c is None else c
        xs = x[::-1] if reverse else x
        y, hn, cn = ref_lstm(xs, {k: v for k, v in ps.items() if v is not None}, 1, False,
                             (h[None], c[None]))
        return (y[::-1] if reverse else y), hn[0], cn[0]
    return ref


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("T,B,I,H", [(3, 2, 3, 2), (1, 1, 2, 3), (7, 3, 7, 33)])
def test_lstm_layer_function(device, rng, reverse, T, B, I, H):
    """LSTMLayer.apply, one direction of one layer: the time loop and BPTT in C++."""
    w = [Input((4 * H, I), -0.8, 0.8), Input((4 * H, H), -0.8, 0.8), Input((4 * H,), -0.5, 0.5),
         Input((4 * H,), -0.5, 0.5)]
    every = 10 ** 6 if T * B * I <= 20 else 20  # the small ones element by element
    check_op(lambda *a: LSTMLayer.apply(*a, reverse), [(T, B, I), (B, H), (B, H)] + w,
             _layer_ref(reverse), rng=rng, device=device, tol=TOL, grad_tol=GRAD_TOL,
             fd_numel=every)
    check_op(lambda x, a, b: LSTMLayer.apply(x, None, None, a, b, None, None, reverse),
             [(T, B, I)] + w[:2], lambda x, a, b: _layer_ref(reverse)(x, None, None, a, b, None,
                                                                      None),
             rng=rng, device=device, tol=TOL, grad_tol=GRAD_TOL, fd_numel=every)


@pytest.mark.parametrize("with_state", [True, False])
def test_lstm_cell_function(device, rng, with_state):
    B, I, H = 3, 4, 3
    w = [Input((4 * H, I), -0.8, 0.8), Input((4 * H, H), -0.8, 0.8), Input((4 * H,), -0.5, 0.5),
         Input((4 * H,), -0.5, 0.5)]

    def ref(x, h, c, wi, wh, bi, bh):
        ps = dict(weight_ih=wi, weight_hh=wh, bias_ih=bi, bias_hh=bh)
        return _cell_ref(x, None if h is None else (h, c), {k: v for k, v in ps.items()
                                                           if v is not None})

    if with_state:
        check_op(LSTMCellFn.apply, [(B, I), (B, H), (B, H)] + w, ref, rng=rng, device=device,
                 tol=TOL, grad_tol=GRAD_TOL, fd_numel=10 ** 6)
    else:
        check_op(lambda x, a, b: LSTMCellFn.apply(x, None, None, a, b, None, None),
                 [(B, I)] + w[:2], lambda x, a, b: ref(x, None, None, a, b, None, None),
                 rng=rng, device=device, tol=TOL, grad_tol=GRAD_TOL, fd_numel=10 ** 6)


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
