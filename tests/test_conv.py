"""conv2d through check_op: a direct NumPy float64 reference over random configurations
(strides, paddings incl. 'same', dilations, groups, depthwise, awkward sizes, non-contiguous
operands), float64 gradcheck of input / weight / bias, torch (outputs and gradients); nn.Conv2d
with a torch state_dict and padding modes, and the error messages."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
from lamina import nn
from lamina.nn import functional as F

from lamina.testing import check_op
from reference import arr, lam, to_np, torch


# --- the float64 reference ------------------------------------------------------------------


def _pads(padding, stride, dilation, kernel):
    """(top, bottom, left, right) of torch-style padding."""
    if padding == "valid":
        return (0, 0, 0, 0)
    if padding == "same":
        out = []
        for d, k in zip(dilation, kernel):
            t = d * (k - 1)
            out += [t // 2, t - t // 2]
        return tuple(out)
    ph, pw = (padding, padding) if isinstance(padding, int) else padding
    return (ph, ph, pw, pw)


def ref_conv(x, w, b=None, stride=1, padding=0, dilation=1, groups=1):
    """Direct convolution (cross-correlation) in float64: one einsum per kernel tap."""
    x, w = np.asarray(x, np.float64), np.asarray(w, np.float64)
    sh, sw = (stride, stride) if isinstance(stride, int) else stride
    dh, dw = (dilation, dilation) if isinstance(dilation, int) else dilation
    R, S = w.shape[2:]
    t, bo, le, ri = _pads(padding, (dh, dw), (dh, dw), (R, S))
    xp = np.pad(x, ((0, 0), (0, 0), (t, bo), (le, ri)))
    N, C, H, W = xp.shape
    K = w.shape[0]
    OH = (H - dh * (R - 1) - 1) // sh + 1
    OW = (W - dw * (S - 1) - 1) // sw + 1
    cg, kg = C // groups, K // groups
    y = np.zeros((N, K, OH, OW))
    for r in range(R):
        for s in range(S):
            patch = xp[:, :, r * dh: r * dh + sh * (OH - 1) + 1: sh,
                       s * dw: s * dw + sw * (OW - 1) + 1: sw]
            for g in range(groups):
                y[:, g * kg:(g + 1) * kg] += np.einsum(
                    "nchw,kc->nkhw", patch[:, g * cg:(g + 1) * cg],
                    w[g * kg:(g + 1) * kg, :, r, s])
    if b is not None:
        y += np.asarray(b, np.float64)[None, :, None, None]
    return y


# (N, C, H, W, K, kernel, stride, padding, dilation, groups)
CONFIGS = [
    (2, 3, 7, 7, 5, 3, 1, 1, 1, 1),
    (1, 7, 33, 17, 33, 3, 1, "same", 1, 1),
    (3, 4, 9, 11, 6, (2, 4), 1, "same", (2, 1), 2),   # even kernel: asymmetric 'same'
    (2, 8, 12, 10, 16, 3, 2, 1, 1, 1),
    (1, 5, 6, 75, 9, 3, 2, 1, 1, 1),                 # stride 2, rows of 38: whole vectors + tail
    (2, 6, 13, 13, 6, 3, 1, 1, 1, 6),                # depthwise
    (1, 6, 11, 9, 12, 3, (2, 1), (0, 2), (1, 2), 3),  # 2 channels per group
    (2, 4, 9, 10, 8, (3, 2), (2, 1), 1, (1, 2), 4),  # depthwise, multiplier 2, strided
    (2, 3, 8, 8, 3, 3, 2, "valid", 1, 3),            # depthwise, strided, no padding
    (2, 33, 8, 8, 7, 1, 1, 0, 1, 1),                 # 1x1: the direct GEMM path
    (2, 12, 7, 9, 6, 1, 1, 0, 1, 3),                 # 1x1 grouped, 63 positions
    (1, 40, 17, 17, 36, 1, 1, 0, 1, 2),              # 1x1 grouped, 289 positions
    (2, 16, 9, 9, 8, 1, 2, 0, 1, 1),                 # 1x1 strided
    (1, 3, 32, 30, 8, 7, 2, 3, 1, 1),                # stem-like
    (2, 5, 6, 6, 4, (3, 2), 3, "valid", 1, 1),
    (1, 1, 1, 1, 1, 1, 1, 0, 1, 1),
    (2, 4, 5, 5, 4, 3, 1, 3, 2, 2),                  # padding larger than the kernel reach
    (1, 2, 7, 33, 3, 5, (1, 3), (2, 0), 1, 1),
]


def _ids(c):
    return "N{}C{}H{}W{}K{}k{}s{}p{}d{}g{}".format(*c).replace(" ", "")


def _make(rng, cfg, bias=True):
    N, C, H, W, K, k, s, p, d, g = cfg
    R, S = (k, k) if isinstance(k, int) else k
    x = arr(rng, (N, C, H, W))
    w = arr(rng, (K, C // g, R, S))
    b = arr(rng, (K,)) if bias else None
    return x, w, b, dict(stride=s, padding=p, dilation=d, groups=g)


TORCH_CONFIGS = [  # larger: the blocked paths
    (4, 32, 16, 16, 64, 3, 1, 1, 1, 1),
    (2, 64, 14, 14, 32, 1, 1, 0, 1, 1),
    (2, 16, 20, 20, 32, 3, 2, 1, 1, 1),
    (2, 3, 40, 40, 16, 7, 2, 3, 1, 1),
    (2, 32, 9, 9, 32, 3, 1, "same", 2, 32),
    (3, 12, 11, 13, 18, (4, 2), 1, "same", 1, 3),
]
WINOGRAD_CONFIGS = [  # 3x3 stride 1 with >= 16 channels a group: the Winograd path (CPU)
    (2, 16, 7, 9, 17, 3, 1, 1, 1, 1),          # odd output sizes: partial tiles
    (1, 17, 33, 1, 16, 3, 1, 1, 1, 1),         # one column
    (2, 16, 6, 5, 33, 3, 1, 2, 1, 1),          # padding 2: backward-data's flipped padding 0
    (3, 20, 8, 8, 24, 3, 1, "valid", 1, 1),
    (1, 32, 5, 7, 32, 3, 1, (0, 2), 1, 2),     # groups, asymmetric padding
    (2, 16, 1, 1, 16, 3, 1, "same", 1, 1),
    (1, 64, 20, 18, 16, 3, 1, 1, 1, 1),        # backward-data: the flipped conv is Winograd too
]
DIRECT_CONFIGS = [  # <= 4 input channels a group, >= 8 outputs: the direct kernel (CPU)
    (2, 3, 9, 11, 8, 3, 1, 1, 1, 1),           # the 3x3 first layer
    (1, 3, 23, 37, 10, 7, 2, 3, 1, 1),         # the 7x7 stride-2 stem; a partial channel block
    (2, 4, 13, 40, 16, 3, 2, 0, 2, 1),         # stride and dilation 2, several column tiles
    (1, 6, 7, 70, 16, 3, 1, "same", 1, 2),     # groups
    (2, 1, 5, 5, 8, (1, 3), (1, 2), (0, 1), 1, 1),
    (1, 16, 9, 10, 3, 3, 1, 1, 1, 1),          # backward-data: the flipped conv is direct
    (1, 8, 10, 10, 2, 3, 1, 3, 1, 1),          # ... with padding -1
]
COLUMN_CONFIGS = [  # the forward's columns packed from phase planes (CPU; conv_cols.h)
    (1, 64, 13, 13, 12, 3, 2, 1, 1, 1),        # 576 taps: more than one KC block
    (3, 16, 40, 37, 32, 3, 2, 1, 1, 1),        # 380 positions: groups of panels; 3 images
    #                                            (not one a thread: the chunk of images)
    (2, 6, 17, 19, 7, 3, 3, 2, 2, 1),          # stride 3, dilation 2
    (1, 4, 9, 11, 6, 5, (1, 2), 4, 1, 2),      # padding past the kernel's reach, groups
]
TOL = {lamina.float32: (1e-4, 1e-4), lamina.float64: (1e-11, 1e-11)}


def _tconv(*args, **kw):
    return torch.nn.functional.conv2d(*args, **kw)


def _shapes(cfg, bias=True):
    N, C, H, W, K, k, s, p, d, g = cfg
    R, S = (k, k) if isinstance(k, int) else k
    return [(N, C, H, W), (K, C // g, R, S), (K,) if bias else None], \
        dict(stride=s, padding=p, dilation=d, groups=g)


@pytest.mark.parametrize("cfg", CONFIGS + TORCH_CONFIGS + WINOGRAD_CONFIGS + DIRECT_CONFIGS +
                         COLUMN_CONFIGS, ids=_ids)
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_conv2d(rng, device, cfg):
    inputs, kw = _shapes(cfg)
    check_op(F.conv2d, inputs, ref_conv, _tconv, rng=rng, device=device, kwargs=kw, tol=TOL)


@pytest.mark.parametrize("cfg", [CONFIGS[0], CONFIGS[2], CONFIGS[3], CONFIGS[5], CONFIGS[6],
                                 CONFIGS[11], WINOGRAD_CONFIGS[0], WINOGRAD_CONFIGS[4],
                                 DIRECT_CONFIGS[1], DIRECT_CONFIGS[6]],
                         ids=_ids)
@pytest.mark.filterwarnings("ignore:Using padding='same'")
def test_small_gradcheck_every_element(rng, device, cfg):
    N, C, H, W, K, k, s, p, d, g = cfg
    inputs, kw = _shapes((1, C, min(H, 7), min(W, 7), K, k, s, p, d, g))
    check_op(F.conv2d, inputs, ref_conv, _tconv, rng=rng, device=device, kwargs=kw, tol=TOL,
             fd_numel=10 ** 6)


def test_unbatched_input_and_no_bias(rng, device):
    inputs, kw = _shapes((1, 3, 8, 9, 4, 3, 2, 1, 1, 1), bias=False)
    check_op(F.conv2d, [inputs[0][1:], inputs[1], None],
             lambda x, w, b, **kw: ref_conv(x[None], w, b, **kw)[0], _tconv, rng=rng,
             device=device, kwargs=kw, tol=TOL)


def test_only_needed_grads(rng, device):
    x, w, b, kw = _make(rng, (2, 4, 6, 6, 4, 3, 1, 1, 1, 1))
    xt = lam(x, lamina.float64, device)
    wt = lam(w, lamina.float64, device, requires_grad=True)
    F.conv2d(xt, wt, lam(b, lamina.float64, device), **kw).sum().backward()
    assert xt.grad is None and wt.grad is not None
    xt = lam(x, lamina.float64, device, requires_grad=True)
    wt = lam(w, lamina.float64, device)
    F.conv2d(xt, wt, None, **kw).sum().backward()
    assert xt.grad is not None and wt.grad is None


# --- torch ----------------------------------------------------------------------------------


def _rel(a, b):
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    return np.abs(a - b).max() / max(np.abs(b).max(), 1e-30)


@pytest.mark.parametrize("mode", ["zeros", "reflect", "replicate", "circular"])
def test_module_state_dict_from_torch(rng, mode):
    pytest.importorskip("torch")
    torch.manual_seed(int(rng.integers(1 << 30)))
    tm = torch.nn.Conv2d(6, 9, (3, 2), stride=1, padding=(1, 2), dilation=(1, 2), groups=3,
                         padding_mode=mode)
    lm = nn.Conv2d(6, 9, (3, 2), stride=1, padding=(1, 2), dilation=(1, 2), groups=3,
                   padding_mode=mode)
    assert repr(lm) == repr(tm)
    sd = {k: v.detach().numpy() for k, v in tm.state_dict().items()}
    assert sorted(sd) == sorted(lm.state_dict())
    lm.load_state_dict(sd)
    x = rng.standard_normal((2, 6, 8, 7)).astype(np.float32)
    tx = torch.tensor(x, requires_grad=True)
    lx = lamina.tensor(x, requires_grad=True)
    ty, ly = tm(tx), lm(lx)
    assert _rel(to_np(ly), ty.detach().numpy()) <= 1e-5
    ty.sum().backward()
    ly.sum().backward()
    assert _rel(to_np(lx.grad), tx.grad.numpy()) <= 1e-5
    assert _rel(to_np(lm.weight.grad), tm.weight.grad.numpy()) <= 1e-5


def test_module_defaults_and_init():
    m = nn.Conv2d(16, 32, 3, padding="same", bias=False)
    assert m.weight.shape == (32, 16, 3, 3) and m.bias is None
    assert m.kernel_size == (3, 3) and m.stride == (1, 1) and m.padding == "same"
    assert repr(m) == ("Conv2d(16, 32, kernel_size=(3, 3), stride=(1, 1), padding=same, "
                       "bias=False)")
    m = nn.Conv2d(64, 128, 3)
    bound = 1 / np.sqrt(64 * 9)
    wv, bv = to_np(m.weight), to_np(m.bias)
    assert np.abs(wv).max() <= bound and np.abs(wv).max() > 0.9 * bound
    assert np.abs(bv).max() <= bound and wv.std() > 0.5 * bound / np.sqrt(3)
    y = m(lamina.randn(1, 64, 5, 5))
    assert y.shape == (1, 128, 3, 3)


# --- errors -------------------------------------------------------------------------------


def _t(*shape):
    return lamina.randn(*shape)


@pytest.mark.parametrize("call,match", [
    (lambda: F.conv2d(_t(3, 32), _t(4, 3, 3, 3)),
     r"\[conv2d\] expected 4-D input \(N, C, H, W\), got \(3, 32\)"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3)), r"\[conv2d\] expected a 4-D weight"),
    (lambda: F.conv2d(_t(1, 6, 8, 8), _t(4, 2, 3, 3), groups=4),
     r"\[conv2d\] in_channels \(6\) must be divisible by groups"),
    (lambda: F.conv2d(_t(1, 6, 8, 8), _t(5, 3, 3, 3), groups=2),
     r"\[conv2d\] out_channels \(5\) must be divisible"),
    (lambda: F.conv2d(_t(1, 6, 8, 8), _t(4, 4, 3, 3)), r"\[conv2d\] weight of shape"),
    (lambda: F.conv2d(_t(1, 3, 2, 8), _t(4, 3, 3, 3)), r"\[conv2d\] kernel size .* larger"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=0), r"\[conv2d\] stride must be"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), dilation=(1, 0)),
     r"\[conv2d\] dilation must be"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), padding=-1),
     r"\[conv2d\] padding must be non-negative"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), padding="full"),
     r"\[conv2d\] invalid padding string"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), stride=2, padding="same"),
     r"\[conv2d\] padding='same' is not supported for strided"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), _t(5)), r"\[conv2d\] expected a bias"),
    (lambda: F.conv2d(_t(1, 3, 8, 8), _t(4, 3, 3, 3), groups=0), r"\[conv2d\] groups must"),
])
def test_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_dtype_errors():
    x = _t(1, 3, 8, 8)
    with pytest.raises(TypeError, match=r"\[conv2d\] input dtype float32 and weight dtype "):
        F.conv2d(x, _t(4, 3, 3, 3).double())
    with pytest.raises(TypeError, match=r"\[conv2d\] expected a float32 or float64 input"):
        F.conv2d(lamina.ones(1, 3, 8, 8, dtype=lamina.int64),
                 lamina.ones(4, 3, 3, 3, dtype=lamina.int64))
    with pytest.raises(TypeError, match=r"\[conv2d\] bias dtype"):
        F.conv2d(x, _t(4, 3, 3, 3), _t(4).double())
    with pytest.raises(TypeError, match=r"\[conv2d\] expected input to be a lamina tensor"):
        F.conv2d(np.zeros((1, 3, 8, 8)), _t(4, 3, 3, 3))


def test_module_errors():
    with pytest.raises(ValueError, match=r"\[Conv2d\] in_channels must be divisible"):
        nn.Conv2d(6, 8, 3, groups=4)
    with pytest.raises(ValueError, match=r"\[Conv2d\] padding_mode must be one of"):
        nn.Conv2d(6, 8, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match=r"\[Conv2d\] padding='same' is not supported"):
        nn.Conv2d(6, 8, 3, stride=2, padding="same")
