"""The pointwise math ops added for torch's surface (tan, sinh, cosh, erf, log2, log10, exp2,
atan2, fmod, remainder, lerp, isinf, isfinite) against NumPy float64, finite differences and
torch, over awkward sizes, broadcasting and non-contiguous inputs, on every device."""
from __future__ import annotations

import math

import numpy as np
import pytest

import lamina
import reference as R
from lamina.testing import Input, check_op
from reference import SIZES, check, lam, to_np, torch


def _m(name):
    return lambda t: getattr(t, name)()


# name: (lamina fn, float64 reference, torch reference, input range)
UNARY = {
    "tan": (lamina.tan, np.tan, _m("tan"), (-1.3, 1.3)),
    "sinh": (lamina.sinh, np.sinh, _m("sinh"), (-3, 3)),
    "cosh": (lamina.cosh, np.cosh, _m("cosh"), (-3, 3)),
    "erf": (lamina.erf, R.erf, _m("erf"), (-3, 3)),
    "log2": (lamina.log2, np.log2, _m("log2"), (0.05, 5)),
    "log10": (lamina.log10, np.log10, _m("log10"), (0.05, 5)),
    "exp2": (lamina.exp2, np.exp2, _m("exp2"), (-3, 3)),
}
SHAPES = [(n,) for n in SIZES] + [(), (0,), (3, 33), (2, 7, 5)]


@pytest.mark.parametrize("name", UNARY)
def test_unary(name, device, rng):
    fn, ref, tref, (lo, hi) = UNARY[name]
    for shape in SHAPES:
        check_op(fn, [Input(shape, lo, hi)], ref, tref, rng=rng, device=device,
                 name=f"{name} {shape}")


@pytest.mark.parametrize("name", UNARY)
def test_unary_method_inplace_and_ints(name, device, rng):
    fn, ref, _, (lo, hi) = UNARY[name]
    x = rng.uniform(lo, hi, size=(4, 5))
    t = lam(x, lamina.float64, device)
    np.testing.assert_array_equal(to_np(getattr(t, name)()), to_np(fn(t)))
    getattr(t, name + "_")()
    check(t, ref(x), lamina.float64)
    i = lamina.tensor([1, 2, 3], device=device)  # integers compute in float32, like torch
    check(fn(i), ref(np.array([1.0, 2.0, 3.0])), lamina.float32)


# name: (fn, reference, range of a, range of b)
BINARY = {
    "atan2": (lamina.atan2, np.arctan2, (-3, 3), (-3, 3)),
    "fmod": (lamina.fmod, np.fmod, (-9, 9), (-3, 3)),
    "remainder": (lamina.remainder, np.mod, (-9, 9), (-3, 3)),
}
PAIRS = [((n,), (n,)) for n in SIZES] + [((3, 1), (1, 4)), ((), (5,)), ((2, 1, 33), (7, 1)),
                                         ((127, 1), (2,))]


@pytest.mark.parametrize("name", BINARY)
def test_binary(name, device, rng):
    """fmod / remainder jump where a / b is an integer: random draws land there with
    probability ~0, so finite differences see the smooth pieces."""
    fn, ref, ra, rb = BINARY[name]

    def tref(a, b):
        return getattr(torch, name)(a, b)

    def tscalar(a):
        return getattr(torch, name)(a, torch.tensor(1.75, dtype=a.dtype))
    for sa, sb in PAIRS:
        check_op(fn, [Input(sa, *ra), Input(sb, *rb)], ref, tref, rng=rng, device=device,
                 fd_numel=24, name=f"{name} {sa} {sb}")
        check_op(lambda a: fn(a, 1.75), [Input(sa, *ra)], lambda a: ref(a, 1.75), tscalar,
                 rng=rng, device=device, name=f"{name} scalar {sa}")


def test_fmod_and_remainder_sign_rules(device):
    a = lam([-7.0, -7.0, 7.0, 7.0, 5.5, -5.5], lamina.float64, device)
    b = lam([2.0, -2.0, 2.0, -2.0, 2.0, 2.0], lamina.float64, device)
    check(lamina.fmod(a, b), [-1.0, -1.0, 1.0, 1.0, 1.5, -1.5])  # the dividend's sign
    check(lamina.remainder(a, b), [1.0, -1.0, 1.0, -1.0, 1.5, 0.5])  # the divisor's sign
    i = lamina.tensor([-7, 7, -8], device=device)
    check(i.fmod(3), np.array([-1, 1, -2]), lamina.int64)
    check(i.remainder(3), np.array([2, 1, 1]), lamina.int64)
    check(lamina.remainder(-7.5, lam([2.0], device=device)), [0.5], lamina.float32)
    check(lam([1.0, -1.0], device=device).atan2(lam([-1.0, -1.0], device=device)),
          [3 * math.pi / 4, -3 * math.pi / 4], lamina.float32)


def test_fmod_scalar_divisor_grad(rng):
    x = lam(rng.uniform(0.2, 0.8, size=5) + 3, lamina.float64, requires_grad=True)
    lamina.fmod(x, 2.0).sum().backward()
    check(x.grad, np.ones(5))


def test_lerp(device, rng):
    for shape in [(7,), (3, 33), (257,)]:
        check_op(lambda a, b, w: a.lerp(b, w), [shape, shape, shape],
                 lambda a, b, w: a + w * (b - a), lambda a, b, w: a.lerp(b, w), rng=rng,
                 device=device, name=f"lerp {shape}")
        check_op(lambda a, b: lamina.lerp(a, b, 0.25), [shape, shape],
                 lambda a, b: a + 0.25 * (b - a), lambda a, b: torch.lerp(a, b, 0.25), rng=rng,
                 device=device, name=f"lerp scalar {shape}")


def test_isinf_isfinite(device):
    x = np.array([1.0, np.inf, -np.inf, np.nan, -0.0, 3e38])
    for dt in (lamina.float32, lamina.float64):
        t = lam(x, dt, device)
        check(t.isinf(), np.isinf(x), lamina.bool)
        check(lamina.isfinite(t), np.isfinite(x), lamina.bool)
        check(lamina.isposinf(t), np.isposinf(x), lamina.bool)
        check(lamina.isneginf(t), np.isneginf(x), lamina.bool)
    i = lamina.tensor([[1, 2], [3, 4]], device=device)
    check(i.isinf(), np.zeros((2, 2), bool), lamina.bool)
    check(i.isfinite(), np.ones((2, 2), bool), lamina.bool)
    x = lam(np.array([1.0, np.inf])[::-1].copy(), device=device)[::1]
    check(lamina.isinf(x), [True, False], lamina.bool)


def test_bad_inputs_name_the_op():
    b = lamina.tensor([True, False])
    for name in ("tan", "erf", "log2"):
        with pytest.raises(TypeError, match=rf"^\[{name}\]"):
            getattr(lamina, name)(b)
    with pytest.raises(TypeError, match=r"^\[atan2\]"):
        lamina.atan2(1.0, 2.0)
    with pytest.raises(ValueError, match=r"^\[fmod\]"):
        lamina.fmod(lamina.ones(3), lamina.ones(2))
    with pytest.raises(TypeError, match=r"^\[lerp\]"):
        lamina.lerp(lamina.ones(3), 1.0, 0.5)
    with pytest.raises(RuntimeError, match=r"^\[remainder\]"):
        lamina.remainder(lamina.tensor([3]), 0)
