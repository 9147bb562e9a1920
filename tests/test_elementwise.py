"""Elementwise ops against NumPy float64 and torch through check_op (awkward sizes,
broadcasting, non-contiguous inputs, gradients), plus type promotion, in-place variants,
mixed layouts, integer arithmetic and NaN propagation."""
from __future__ import annotations

import operator

import numpy as np
import pytest

import lamina
import reference as R
from lamina.testing import Input, check_op
from reference import SIZES, arr, check, lam, layouts, rounded, to_np, torch


def _method(name):
    return lambda t: getattr(t, name)()


def _torch_gelu(t):
    return torch.nn.functional.gelu(t)


# name: (lamina fn, float64 reference, torch reference, input range)
UNARY = {
    "neg": (lambda t: -t, np.negative, lambda t: -t, (-3, 3)),
    "exp": (lamina.exp, np.exp, _method("exp"), (-3, 3)),
    "log": (lamina.log, np.log, _method("log"), (0.05, 5)),
    "sqrt": (lamina.sqrt, np.sqrt, _method("sqrt"), (0.05, 5)),
    "rsqrt": (lamina.rsqrt, R.rsqrt, _method("rsqrt"), (0.05, 5)),
    "abs": (lamina.abs, np.abs, _method("abs"), (-3, 3)),
    "relu": (lamina.relu, R.relu, _method("relu"), (-3, 3)),
    "sigmoid": (lamina.sigmoid, R.sigmoid, _method("sigmoid"), (-6, 6)),
    "tanh": (lamina.tanh, np.tanh, _method("tanh"), (-3, 3)),
    "gelu": (lamina.gelu, R.gelu, _torch_gelu, (-4, 4)),
    "sign": (lamina.sign, np.sign, _method("sign"), (-3, 3)),
    "floor": (lamina.floor, np.floor, _method("floor"), (-5, 5)),
    "ceil": (lamina.ceil, np.ceil, _method("ceil"), (-5, 5)),
    "round": (lamina.round, np.round, _method("round"), (-5, 5)),  # half to even, like torch
    "sin": (lamina.sin, np.sin, _method("sin"), (-4, 4)),
    "cos": (lamina.cos, np.cos, _method("cos"), (-4, 4)),
    "log1p": (lamina.log1p, np.log1p, _method("log1p"), (-0.9, 3)),
    "expm1": (lamina.expm1, np.expm1, _method("expm1"), (-3, 3)),
    "reciprocal": (lamina.reciprocal, np.reciprocal, _method("reciprocal"), (-3, 3)),
    "square": (lamina.square, np.square, _method("square"), (-3, 3)),
    "clamp": (lambda t: t.clamp(-0.5, 0.7), lambda x: np.clip(x, -0.5, 0.7),
              lambda t: t.clamp(-0.5, 0.7), (-2, 2)),
    "clamp_min": (lambda t: lamina.clamp(t, min=0.25), lambda x: np.maximum(x, 0.25),
                  lambda t: t.clamp(min=0.25), (-2, 2)),
    "clamp_max": (lambda t: t.clamp(max=-0.25), lambda x: np.minimum(x, -0.25),
                  lambda t: t.clamp(max=-0.25), (-2, 2)),
}
PIECEWISE = {"sign", "floor", "ceil", "round"}  # zero gradient almost everywhere
UNARY_SHAPES = [(n,) for n in SIZES] + [(), (0,), (3, 0), (3, 4), (3, 33), (2, 7, 5), (257, 3)]


def _floordiv(a, b):
    return np.floor_divide(a, b)


# name: (lamina and torch fn, float64 reference, range of a, range of b, result is bool)
BINARY = {
    "add": (operator.add, np.add, (-3, 3), (-3, 3), False),
    "sub": (operator.sub, np.subtract, (-3, 3), (-3, 3), False),
    "mul": (operator.mul, np.multiply, (-3, 3), (-3, 3), False),
    "div": (operator.truediv, np.divide, (-3, 3), (-3, 3), False),
    "pow": (operator.pow, np.power, (0.1, 3), (-2, 2), False),
    "maximum": (lambda a, b: a.maximum(b), np.maximum, (-3, 3), (-3, 3), False),
    "minimum": (lambda a, b: a.minimum(b), np.minimum, (-3, 3), (-3, 3), False),
    "floordiv": (operator.floordiv, _floordiv, (-9, 9), (-3, 3), False),
    "mod": (operator.mod, np.mod, (-9, 9), (-3, 3), False),
    "eq": (operator.eq, np.equal, (-3, 3), (-3, 3), True),
    "ne": (operator.ne, np.not_equal, (-3, 3), (-3, 3), True),
    "lt": (operator.lt, np.less, (-3, 3), (-3, 3), True),
    "le": (operator.le, np.less_equal, (-3, 3), (-3, 3), True),
    "gt": (operator.gt, np.greater, (-3, 3), (-3, 3), True),
    "ge": (operator.ge, np.greater_equal, (-3, 3), (-3, 3), True),
}
DIFFERENTIABLE = ["add", "sub", "mul", "div", "pow", "maximum", "minimum"]
# float32 gradients of pow: b a^(b-1) reaches 2000 (a = 0.1, b = -2) and broadcast sums of such
# terms cancel; over 1000 draws float32 stays within 1e-4 |g| + 2e-6 of float64
GRAD_TOL = {"pow": {lamina.float32: (1e-4, 1e-5)}}
TIES = ("eq", "ne", "le", "ge", "maximum", "minimum")  # forward also checked on tied inputs
BROADCASTS = [((), (5,)), ((7,), ()), ((3, 1), (1, 4)), ((2, 1, 5), (3, 1)), ((1,), (33,)),
              ((4, 1, 33), (4, 7, 1)), ((), ()), ((0, 3), (1, 3)), ((127, 1), (2,)),
              ((3, 4), (3, 4)), ((2, 3, 4), (4,)), ((3, 1), (1, 5)), ((), (2, 3)),
              ((2, 1, 3), (2, 4, 1))]


# --- unary ----------------------------------------------------------------------------------

def _contiguous_result(fn):
    """fn, checking that its result is contiguous whatever the input's layout."""
    def run(t):
        out = fn(t)
        assert out.is_contiguous()
        return out
    return run


@pytest.mark.parametrize("name", UNARY)
def test_unary(name, device, rng):
    fn, ref, tref, (lo, hi) = UNARY[name]
    for shape in UNARY_SHAPES:
        check_op(_contiguous_result(fn), [Input(shape, lo, hi)], ref, tref, rng=rng,
                 device=device, name=f"{name} {shape}")


@pytest.mark.parametrize("name", sorted(set(UNARY) - {"neg", "square"}))
def test_unary_method_matches_function(name, rng):
    fn = UNARY[name][0]
    method = {"clamp": lambda t: t.clamp(-0.5, 0.7), "clamp_min": lambda t: t.clamp(min=0.25),
              "clamp_max": lambda t: t.clamp(max=-0.25)}.get(name, lambda t: getattr(t, name)())
    x = lam(arr(rng, (4, 5), *UNARY[name][3]))
    np.testing.assert_array_equal(to_np(method(x)), to_np(fn(x)))


@pytest.mark.parametrize("name", sorted(PIECEWISE))
def test_piecewise_grad_is_zero(name, device, rng):
    x = lam(arr(rng, (3, 4), -3, 3), lamina.float64, device, requires_grad=True)
    UNARY[name][0](x).sum().backward()
    np.testing.assert_array_equal(to_np(x.grad), np.zeros((3, 4)))


def test_unary_on_ints_and_bools(device):
    i = lamina.tensor([-2, 0, 3], device=device)
    check(-i, np.array([2, 0, -3]), lamina.int64)
    check(i.abs(), np.array([2, 0, 3]), lamina.int64)
    check(i.relu(), np.array([0, 0, 3]), lamina.int64)
    check(i.sign(), np.array([-1, 0, 1]), lamina.int64)
    check(i.clamp(-1, 1), np.array([-1, 0, 1]), lamina.int64)
    check(i.exp(), np.exp([-2.0, 0.0, 3.0]), lamina.float32)  # float ops promote ints
    check(i.sqrt(), np.array([np.nan, 0.0, np.sqrt(3.0)]), lamina.float32)
    check(i.clamp(0.5, 2.5), np.array([0.5, 0.5, 2.5]), lamina.float32)
    b = lamina.tensor([True, False], device=device)
    check(~b, np.array([False, True]), lamina.bool)
    check(b.logical_not(), np.array([False, True]), lamina.bool)


def test_gelu_exact_erf():
    x = np.array([-3.0, -1.0, -0.5, 0.5, 1.0, 2.0])
    check(lamina.gelu(lam(x, lamina.float64)), R.gelu(x), lamina.float64)
    assert abs(lamina.tensor([1.0]).gelu().item() - 0.8413447) < 1e-6


def test_round_half_to_even():
    x = np.array([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])
    check(lam(x).round(), np.array([-2.0, -2.0, -0.0, 0.0, 2.0, 2.0, 4.0]), lamina.float32)


# --- binary ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name", BINARY)
def test_binary(name, device, rng):
    fn, ref, ra, rb, _ = BINARY[name]
    for sa, sb in [((n,), (n,)) for n in SIZES] + BROADCASTS:
        check_op(fn, [Input(sa, *ra), Input(sb, *rb)], ref, fn, rng=rng, device=device,
                 grad=name in DIFFERENTIABLE, grad_tol=GRAD_TOL.get(name), fd_numel=24,
                 name=f"{name} {sa} {sb}")
        if name in TIES and sa == sb:
            a, b = arr(rng, sa, *ra), arr(rng, sb, *rb)
            b = np.where(rng.random(a.shape) < 0.3, a, b)  # ties: forward only
            check_op(fn, [a, b], ref, fn, rng=rng, device=device, grad=False,
                     name=f"{name} ties {sa}")


def _binary_ref(name, a, b, dtype):
    _, ref, _, _, is_bool = BINARY[name]
    out = ref(rounded(a, dtype), rounded(b, dtype))
    return out, (lamina.bool if is_bool else dtype)


@pytest.mark.parametrize("name", BINARY)
def test_binary_mixed_layouts(name, device, rng):
    """One operand contiguous and the other not (check_op makes both non-contiguous)."""
    fn, _, ra, rb, _ = BINARY[name]
    a, b = arr(rng, (9, 33), *ra), arr(rng, (9, 33), *rb)
    want, want_dt = _binary_ref(name, a, b, lamina.float32)
    for ka, ta in layouts(a, device=device):
        for kb, tb in layouts(b, device=device):
            if (ka == "contiguous") != (kb == "contiguous"):
                check(fn(ta, tb), want, want_dt, msg=f"{name} {ka}/{kb}")
    # a broadcast (stride-0) operand that is also a transposed view
    col = arr(rng, (1, 9), 1, 2)
    tcol = lam(col, device=device).t()
    check(fn(lam(a, device=device), tcol), _binary_ref(name, a, col.T, lamina.float32)[0], want_dt)


@pytest.mark.parametrize("name", ["add", "sub", "mul", "div", "pow", "floordiv", "mod", "lt", "eq"])
def test_binary_python_scalars(name, device, rng):
    fn, ref, ra, rb, _ = BINARY[name]
    s = 1.75 if name != "pow" else 1.5
    grad = name in DIFFERENTIABLE
    check_op(fn, [Input((33,), *ra), s], ref, fn, rng=rng, device=device, grad=grad)
    # reflected: s <op> tensor
    check_op(fn, [s, Input((33,), 0.5, 3)], ref, fn, rng=rng, device=device, grad=grad)


def test_scalar_operand_grads(device, rng):
    for fn in [lambda a: a + 2, lambda a: 2 - a, lambda a: a * -3, lambda a: 3 / a,
               lambda a: a / 3, lambda a: a ** 3, lambda a: a ** -1.5, lambda a: 2.5 ** a,
               lambda a: a - a * a]:
        check_op(fn, [Input((2, 5), 0.2, 3)], fn, fn, rng=rng, device=device)
    check_op(lamina.square, [Input((2, 5), 0.2, 3)], np.square, _method("square"), rng=rng,
             device=device)
    maximum = BINARY["maximum"][0]  # a 0-d tensor operand
    check_op(maximum, [Input((2, 5), 0.2, 3), Input(np.array(1.0), grad=False)], np.maximum,
             maximum, rng=rng, device=device)


def test_integer_arithmetic(device, rng):
    a, b = R.ints(rng, (7, 5), -50, 50), R.ints(rng, (7, 5), -7, 8)
    ta, tb = lam(a, lamina.int64, device), lam(b, lamina.int64, device)
    check(ta + tb, a + b, lamina.int64)
    check(ta - tb, a - b, lamina.int64)
    check(ta * tb, a * b, lamina.int64)
    check(ta // tb, a // b, lamina.int64)
    check(ta % tb, a % b, lamina.int64)
    check(ta // 3, a // 3, lamina.int64)
    check(ta % -3, a % -3, lamina.int64)
    check(ta ** 2, a ** 2, lamina.int64)
    check(2 ** lam(np.arange(10), lamina.int64, device), 2 ** np.arange(10), lamina.int64)
    check(ta / tb, a / b, lamina.float32)  # true division of ints is float32
    check(ta.maximum(tb), np.maximum(a, b), lamina.int64)
    check(ta > tb, a > b, lamina.bool)
    check(100 - ta, 100 - a, lamina.int64)
    check(7 // tb, 7 // b, lamina.int64)
    check(7 % tb, 7 % b, lamina.int64)


def test_floordiv_and_mod_are_exact(device):
    big = np.array([2**24 + 1, -(2**24 + 1), 2**53 - 1, -(2**40) - 3, 7, -7])
    d = np.array([3, 3, 10, -7, -2, 2])
    tb, td = lam(big, I64, device), lam(d, I64, device)
    check(tb // td, big // d, I64)  # no float round trip: exact beyond 2**24
    check(tb % td, big % d, I64)
    check(tb // 5, big // 5, I64)
    trunc = [(abs(int(x)) // abs(int(y))) * (1 if (x < 0) == (y < 0) else -1) for x, y in zip(big, d)]
    check(tb.div(td, rounding_mode="trunc"), np.array(trunc), I64)
    check(tb.div(td, rounding_mode="floor"), big // d, I64)
    # floats follow Python: computed from the exact remainder
    a = np.array([7.0, -7.0, 5.3, -5.3, 0.5, -0.5, 5.0, -5.0, 1e10 + 0.5])
    b = np.array([0.1, 0.1, 2.0, -2.0, 3.0, 3.0, np.inf, np.inf, 3.0])
    ta, tbb = lam(a, F64, device), lam(b, F64, device)
    check(ta // tbb, np.floor_divide(a, b), F64, rtol=0, atol=0)
    check(ta % tbb, np.mod(a, b), F64, rtol=0, atol=0)
    assert (lamina.tensor(7.0, dtype=F64, device=device) // 0.1).item() == 7.0 // 0.1 == 69.0
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.array([1.0, -1.0, 0.0])
        check(lam(z, F64, device) // 0.0, z // 0.0, F64)
    for fn, op in [(lambda: tb // 0, "floordiv"), (lambda: tb % lamina.zeros_like(tb), "remainder"),
                   (lambda: 5 // lamina.tensor([1, 0], device=device), "floordiv")]:
        with pytest.raises(RuntimeError, match=rf"^\[{op}\] integer division by zero"):
            fn()


def test_add_sub_alpha(device, rng):
    for op, ref in [(lambda a, b: a.add(b, alpha=2.5), lambda a, b: a + 2.5 * b),
                    (lambda a, b: a.sub(b, alpha=-3), lambda a, b: a + 3 * b),
                    (lambda a, b: a.sub(b, alpha=0.5), lambda a, b: a - 0.5 * b)]:
        check_op(op, [(4, 5), (5,)], ref, op, rng=rng, device=device)
    for op, ref in [(lambda a: a.add(1.5, alpha=2), lambda a: a + 3.0),
                    (lambda a: a.sub(2, alpha=0.25), lambda a: a - 0.5)]:
        check_op(op, [(4, 5)], ref, op, rng=rng, device=device)
    check_op(lambda a, b: lamina.sub(a, b, alpha=-3), [(4, 5), (5,)], lambda a, b: a + 3 * b,
             rng=rng, device=device)


def test_div_rounding_modes(device):
    a = lamina.tensor([-7, -3, 3, 7], device=device)
    check(a.div(2, rounding_mode="floor"), np.array([-4, -2, 1, 3]), lamina.int64)
    check(a.div(2, rounding_mode="trunc"), np.array([-3, -1, 1, 3]), lamina.int64)
    f = lamina.tensor([-7.0, -3.0, 3.0, 7.0], device=device)
    check(f.div(2, rounding_mode="floor"), np.array([-4.0, -2.0, 1.0, 3.0]), lamina.float32)
    check(f.div(2, rounding_mode="trunc"), np.array([-3.0, -1.0, 1.0, 3.0]), lamina.float32)


def test_logical_ops(device, rng):
    a, b = rng.random((5, 7)) < 0.5, rng.random((5, 7)) < 0.5
    ta, tb = lam(a, lamina.bool, device), lam(b, lamina.bool, device)
    check(ta & tb, a & b, lamina.bool)
    check(ta | tb, a | b, lamina.bool)
    check(~ta, ~a, lamina.bool)
    check(lamina.logical_and(ta, tb), a & b, lamina.bool)
    check(lamina.logical_or(ta, tb), a | b, lamina.bool)
    check(lamina.logical_not(ta), ~a, lamina.bool)
    x = arr(rng, (5, 7))
    x[0, :3] = 0.0
    check(lamina.logical_and(lam(x, device=device), tb), (x != 0) & b, lamina.bool)


# --- type promotion -------------------------------------------------------------------------

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool


@pytest.mark.parametrize("a_dt,b,want", [
    (I64, F32, F32), (F32, F64, F64), (I64, F64, F64), (B, I64, I64), (B, F32, F32),
    (B, B, B), (I64, I64, I64),
    (F32, 2, F32), (F32, 2.5, F32), (F64, 2.5, F64), (I64, 2, I64), (I64, 2.5, F32),
    (B, 2, I64), (B, 2.5, F32), (B, True, B),
    (F32, ("0d", F64), F32), (I64, ("0d", F32), F32), (I64, ("0d", F64), F32),
    (F32, ("0d", I64), F32), (B, ("0d", I64), I64), (("0d", F32), ("0d", F64), F64),
])
def test_promotion(a_dt, b, want, device):
    def make(spec):
        if isinstance(spec, tuple):  # a 0-d tensor: only raises the category, like torch
            return lamina.ones((), dtype=spec[1], device=device)
        if isinstance(spec, lamina.dtype):
            return lamina.ones(3, dtype=spec, device=device)
        return spec
    a, bb = make(a_dt), make(b)
    assert (a + bb).dtype == want
    assert (a * bb).dtype == want
    if not isinstance(bb, lamina.Tensor):
        assert (bb + a).dtype == want


def test_promotion_division_and_comparisons(device):
    i = lamina.tensor([1, 2], device=device)
    f = lamina.tensor([1.0, 2.0], device=device)
    d = f.double()
    assert (i / i).dtype == F32 and (i / 2).dtype == F32 and (2 / i).dtype == F32
    assert (d / i).dtype == F64
    for x, y in [(i, f), (f, d), (i, 1.5), (f, 1), (i, i)]:
        assert (x < y).dtype == B and (x == y).dtype == B and (x >= y).dtype == B
    check(i + f, np.array([2.0, 4.0]), F32)
    check(f + d, np.array([2.0, 4.0]), F64)
    check(i / i, np.array([1.0, 1.0]), F32)


# --- where ----------------------------------------------------------------------------------

def _twhere(c, a, b):
    return torch.where(c, a, b)


def test_where(device, rng):
    c = rng.random((4, 1, 6)) < 0.5
    check_op(lamina.where, [c, (3, 6), (4, 3, 1)], np.where, _twhere, rng=rng, device=device)
    check_op(lamina.where, [rng.random((3, 4)) < 0.5, (3, 4), (1, 4)], np.where, _twhere,
             rng=rng, device=device)
    check_op(lamina.where, [rng.random((6, 5)) < 0.5, (6, 5), (6, 5)], np.where, _twhere,
             rng=rng, device=device)
    for k in (0.5, -1.0, 0.0):  # a Python scalar on either side
        check_op(lambda c, a: lamina.where(c, a, k), [c, (3, 6)], lambda c, a: np.where(c, a, k),
                 lambda c, a: torch.where(c, a, k), rng=rng, device=device)
        check_op(lambda c, b: lamina.where(c, k, b), [c, (4, 3, 1)],
                 lambda c, b: np.where(c, k, b), lambda c, b: torch.where(c, k, b), rng=rng,
                 device=device)
    # integer operands
    a, b = arr(rng, (3, 6)), arr(rng, (4, 3, 1))
    tc = lam(c, B, device)
    check(lamina.where(tc, 1, 0), np.where(c, 1, 0), I64)
    check(lamina.where(tc, lam(a, I64, device), lam(b, device=device)),
          np.where(c, a.astype(np.int64), rounded(b, F32)), F32)


def test_nan_propagation(device):
    nan = float("nan")
    x = lamina.tensor([nan, 1.0, -1.0, nan], device=device)
    y = lamina.tensor([0.0, nan, 2.0, nan], device=device)
    want_max = np.array([nan, nan, 2.0, nan])
    check(lamina.maximum(x, y), want_max, F32)
    check(lamina.maximum(y, x), want_max, F32)
    check(lamina.minimum(x, y), np.array([nan, nan, -1.0, nan]), F32)
    check(x.clamp(-0.5, 0.5), np.array([nan, 0.5, -0.5, nan]), F32)
    check(x.clamp(min=0.0), np.array([nan, 1.0, 0.0, nan]), F32)
    check(x.relu(), np.array([nan, 1.0, 0.0, nan]), F32)
    check(x.sign(), np.array([nan, 1.0, -1.0, nan]), F32)
    check(x.maximum(lamina.tensor(0.0, device=device)), np.array([nan, 1.0, 0.0, nan]), F32)
    check(lamina.isnan(x), np.array([True, False, False, True]), B)
    c = x.clone()
    c.clamp_(0, 0.5)
    check(c, np.array([nan, 0.5, 0.0, nan]), F32)


# --- in place -------------------------------------------------------------------------------

def _base_and_view(rng, device, dtype=F32):
    """A (6, 8) tensor, its numpy twin, and a non-contiguous (4, 3) view (rows 1..4, every
    other column from 1, transposed)."""
    base = arr(rng, (6, 8), 0.5, 2)
    t = lam(base, dtype, device)
    v = t[1:5, 1::2][:, :3].t().t()  # (4, 3), strides (8, 2)
    nv = (slice(1, 5), slice(1, 7, 2))
    assert not v.is_contiguous() and v._storage_id == t._storage_id
    return t, rounded(base, dtype), v, nv


@pytest.mark.parametrize("op", ["add_alpha", "sub_alpha", "mul_", "div_", "pow_", "addcmul_",
                                "addcdiv_", "clamp_", "neg_", "exp_", "sqrt_", "relu_", "abs_",
                                "fill_", "zero_", "copy_", "add_scalar", "mul_bcast", "iadd", "imul"])
def test_inplace_into_noncontiguous_view(op, device, rng):
    t, base, v, nv = _base_and_view(rng, device)
    o = arr(rng, (4, 3), 0.5, 2)
    o2 = arr(rng, (4, 3), 0.5, 2)
    to, to2 = lam(o, device=device), lam(o2, device=device)
    o, o2 = rounded(o, F32), rounded(o2, F32)
    cur = base[nv]
    ops = {
        "add_alpha": (lambda: v.add_(to, alpha=2.5), cur + 2.5 * o),
        "sub_alpha": (lambda: v.sub_(to, alpha=-0.5), cur + 0.5 * o),
        "mul_": (lambda: v.mul_(to), cur * o),
        "div_": (lambda: v.div_(to), cur / o),
        "pow_": (lambda: v.pow_(2), cur ** 2),
        "addcmul_": (lambda: v.addcmul_(to, to2, value=0.5), cur + 0.5 * o * o2),
        "addcdiv_": (lambda: v.addcdiv_(to, to2, value=-2), cur - 2 * o / o2),
        "clamp_": (lambda: v.clamp_(0.8, 1.5), np.clip(cur, 0.8, 1.5)),
        "neg_": (lambda: v.neg_(), -cur),
        "exp_": (lambda: v.exp_(), np.exp(cur)),
        "sqrt_": (lambda: v.sqrt_(), np.sqrt(cur)),
        "relu_": (lambda: v.neg_().relu_(), np.zeros_like(cur)),
        "abs_": (lambda: v.neg_().abs_(), cur),
        "fill_": (lambda: v.fill_(3.25), np.full_like(cur, 3.25)),
        "zero_": (lambda: v.zero_(), np.zeros_like(cur)),
        "copy_": (lambda: v.copy_(to.t().contiguous().t()), o),
        "add_scalar": (lambda: v.add_(1.5), cur + 1.5),
        "mul_bcast": (lambda: v.mul_(lamina.tensor([1.0, 2.0, 3.0], device=device)), cur * [1, 2, 3]),
    }
    if op in ("iadd", "imul"):
        w = v
        if op == "iadd":
            w += to
            want = cur + o
        else:
            w *= to
            want = cur * o
        assert w is v  # no grad involved: a true in-place update
    else:
        fn, want = ops[op]
        assert fn() is v
    expect = base.copy()
    expect[nv] = want
    check(t, expect, F32, msg=op)  # the view's elements changed, nothing else did
    check(v, want, F32)


def test_inplace_dtype_rules(device):
    i = lamina.tensor([1, 2, 3], device=device)
    with pytest.raises(TypeError, match=r"^\[add_\]"):
        i.add_(1.5)  # float result can't be written into int64
    with pytest.raises(TypeError, match=r"^\[div_\]"):
        i.div_(2)
    with pytest.raises(TypeError, match=r"^\[mul_\]"):
        i.mul_(lamina.tensor([1.0, 2.0, 3.0], device=device))
    with pytest.raises(TypeError, match=r"^\[exp_\]"):
        i.exp_()
    with pytest.raises(ValueError, match=r"^\[add_\]"):
        lamina.ones(3, device=device).add_(lamina.ones(2, 3, device=device))
    i.mul_(2)
    check(i, np.array([2, 4, 6]), I64)
    f = lamina.ones(3, device=device)
    f.add_(lamina.tensor([1, 2, 3], device=device))  # int into float is fine
    check(f, np.array([2.0, 3.0, 4.0]), F32)
    d = lamina.ones(2, dtype=F64, device=device)
    d.add_(lamina.tensor([1e-12, 0.0], dtype=F64, device=device))
    assert d.dtype == F64 and d[0].item() == 1.0 + 1e-12


def test_inplace_self_aliasing(device, rng):
    x = arr(rng, (5, 5))
    t = lam(x, device=device)
    t.add_(t)
    check(t, 2 * rounded(x, F32), F32)
    t = lam(x, device=device)
    t.mul_(t.t().contiguous())
    check(t, rounded(x, F32) * rounded(x, F32).T, F32)


# --- gradients ------------------------------------------------------------------------------

def test_grad_of_mixed_dtypes(device, rng):
    """A float32 leaf used with a float64 tensor gets a float32 gradient of the right value."""
    a = lam(arr(rng, (4,)), F32, device, requires_grad=True)
    b = lam(arr(rng, (4,)), F64, device)
    (a * b).sum().backward()
    assert a.grad.dtype == F32
    check(a.grad, rounded(to_np(b), F32), F32)


def test_inplace_ops_refuse_tensors_that_require_grad(device):
    x = lamina.ones(3, device=device, requires_grad=True)
    for fn in [lambda: x.add_(1), lambda: x.mul_(2), lambda: x.clamp_(0, 1), lambda: x.exp_(),
               lambda: x.fill_(0), lambda: x.copy_(lamina.zeros(3, device=device))]:
        with pytest.raises(RuntimeError, match=r"^\[\w+\] in-place"):
            fn()
    with lamina.no_grad():
        x.add_(1)
    check(x.detach(), np.full(3, 2.0), F32)


def test_inplace_overlap_is_refused(device):
    x = lamina.ones(4, 3, device=device)
    with pytest.raises(RuntimeError, match=r"^\[add_\].*overlap"):
        x.add_(x[0])  # later rows would read the already updated first row
    a = lamina.arange(6.0, device=device)
    with pytest.raises(RuntimeError, match=r"^\[copy_\].*overlap"):
        a[1:].copy_(a[:-1])
    m = lamina.arange(9.0, device=device).reshape(3, 3)
    with pytest.raises(RuntimeError, match=r"^\[mul_\].*overlap"):
        m.mul_(m.t())
    e = lamina.ones(1, device=device).expand(3)
    for fn, op in [(lambda: e.add_(1), "add_"), (lambda: e.exp_(), "exp_"),
                   (lambda: e.copy_(lamina.tensor([1.0, 2.0, 3.0], device=device)), "copy_")]:
        with pytest.raises(RuntimeError, match=rf"^\[{op}\].*single memory location"):
            fn()
    check(a, np.arange(6.0), F32)  # refused calls wrote nothing
    check(x, np.ones((4, 3)), F32)
    # allowed: exact aliases, interleaved views, and filling an expanded tensor with one value
    a.add_(a)
    check(a, 2 * np.arange(6.0), F32)
    a[::2].copy_(a[1::2])
    check(a, np.array([2.0, 2.0, 6.0, 6.0, 10.0, 10.0]), F32)
    e.fill_(5.0)
    check(e, np.full(3, 5.0), F32)


@pytest.mark.parametrize("shape", [(300, 257), (3, 129, 257)])
def test_large_noncontiguous_runs_in_parallel(shape, device, rng):
    """Big enough for the thread pool to split the work mid-row of a strided layout."""
    a, b = arr(rng, shape), arr(rng, shape)
    ta = lam(np.ascontiguousarray(np.swapaxes(a, 0, -1)), F64, device).transpose(0, -1)
    tb = lam(b, F64, device)[..., :]
    assert not ta.is_contiguous()
    check(ta * tb + 1.5, a * b + 1.5, F64)
    check(ta.exp(), np.exp(a), F64)
    check(lamina.where(ta > tb, ta, tb), np.maximum(a, b), F64)
    check(ta.float(), a.astype(np.float32), F32)
    c = lam(np.ascontiguousarray(np.swapaxes(a, 0, -1)), F64, device)
    c.transpose(0, -1).mul_(tb)
    check(c.transpose(0, -1), a * b, F64)
