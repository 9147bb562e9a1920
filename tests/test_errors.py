"""Bad calls, op family by op family: each raises a Python exception of the right type whose
message starts with "[op]", never a crash and never a silent answer."""
from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import lamina
import lamina.testing

F32, F64, I64, B = lamina.float32, lamina.float64, lamina.int64, lamina.bool
O = lamina.ones


def _t(*shape, dtype=F32):
    return lamina.ones(*shape, dtype=dtype)


# (op named in the message, exception type, call)
CASES = [
    # creation
    ("zeros", ValueError, lambda: lamina.zeros(-1)),
    ("ones", ValueError, lambda: lamina.ones(2, -3)),
    ("empty", ValueError, lambda: lamina.empty(-5)),
    ("full", ValueError, lambda: lamina.full((2, -1), 1.0)),
    ("rand", ValueError, lambda: lamina.rand(-2)),
    ("randn", ValueError, lambda: lamina.randn(3, -1)),
    ("zeros", ValueError, lambda: lamina.zeros(2**62)),  # byte count past int64
    ("zeros", ValueError, lambda: lamina.zeros(2**64)),
    ("empty", ValueError, lambda: lamina.empty(2**40, 2**40)),
    ("rand", ValueError, lambda: lamina.rand(2**62)),
    ("expand", ValueError, lambda: lamina.ones(1, 1).expand(2**40, 2**40)),
    ("reshape", ValueError, lambda: lamina.zeros(0).reshape(2**62, 4)),
    ("zeros", TypeError, lambda: lamina.zeros(2.5)),
    ("zeros", TypeError, lambda: lamina.zeros("3")),
    ("arange", ValueError, lambda: lamina.arange(0, 10, 0)),
    ("arange", ValueError, lambda: lamina.arange(0, 10, -1)),
    ("arange", ValueError, lambda: lamina.arange(0, float("inf"))),
    ("arange", ValueError, lambda: lamina.arange(0, float("nan"), 1.0)),
    ("arange", TypeError, lambda: lamina.arange(5, dtype=B)),
    ("linspace", ValueError, lambda: lamina.linspace(0, 1, -1)),
    ("linspace", TypeError, lambda: lamina.linspace(0, 1, 3, dtype=B)),
    ("eye", ValueError, lambda: lamina.eye(-1)),
    ("randint", ValueError, lambda: lamina.randint(5, 5, (3,))),
    ("randint", ValueError, lambda: lamina.randint(5, 2, (3,))),
    ("randint", ValueError, lambda: lamina.randint(0, 5, (-3,))),
    ("randint", TypeError, lambda: lamina.randint(5)),
    ("randint", TypeError, lambda: lamina.randint(0, 5, (3,), dtype=B)),
    ("rand", TypeError, lambda: lamina.rand(3, dtype=I64)),
    ("randn", TypeError, lambda: lamina.randn(3, dtype=B)),
    ("bernoulli", TypeError, lambda: lamina.bernoulli(lamina.ones(3, dtype=I64))),
    ("bernoulli", TypeError, lambda: lamina.bernoulli(0.5)),
    ("manual_seed", TypeError, lambda: lamina.manual_seed(1.5)),
    ("tensor", ValueError, lambda: lamina.tensor([[1.0, 2.0], [3.0]])),
    ("tensor", TypeError, lambda: lamina.tensor([object()])),
    ("tensor", ValueError, lambda: lamina.tensor(2**63)),  # would wrap to -2**63
    ("tensor", ValueError, lambda: lamina.tensor(np.array([2**64 - 1], dtype=np.uint64))),
    ("dtype", TypeError, lambda: lamina.zeros(2, dtype="complex64")),
    ("dtype", TypeError, lambda: lamina.zeros(2, dtype=object)),
    ("device", ValueError, lambda: lamina.zeros(2, device="tpu")),
    ("device", ValueError, lambda: lamina.device("cuda:-2")),
    ("device", TypeError, lambda: lamina.zeros(2, device=1.5)),
    # views
    ("reshape", ValueError, lambda: _t(3, 4).reshape(5, 2)),
    ("reshape", ValueError, lambda: _t(3, 4).reshape(-1, -1)),
    ("reshape", ValueError, lambda: _t(3, 4).reshape(-1, 5)),
    ("reshape", ValueError, lambda: _t(3, 4).reshape(-2, 6)),
    ("reshape", ValueError, lambda: _t(0, 4).reshape(-1, 0)),
    ("reshape", TypeError, lambda: _t(3, 4).reshape(2.0, 6)),
    ("view", ValueError, lambda: _t(3, 4).t().view(12)),
    ("view", ValueError, lambda: _t(3, 4).view(7)),
    ("expand", ValueError, lambda: _t(3).expand(2, 4)),
    ("expand", ValueError, lambda: _t(2, 3).expand(3)),
    ("expand", ValueError, lambda: _t(1).expand(-2)),
    ("expand", ValueError, lambda: _t(1, 3).expand(-1, 3, 3)),
    ("permute", ValueError, lambda: _t(2, 3).permute(0)),
    ("permute", ValueError, lambda: _t(2, 3).permute(0, 0)),
    ("permute", IndexError, lambda: _t(2, 3).permute(0, 2)),
    ("transpose", IndexError, lambda: _t(2, 3).transpose(0, 2)),
    ("t", ValueError, lambda: _t(2, 3, 4).t()),
    ("squeeze", IndexError, lambda: _t(2, 1).squeeze(2)),
    ("unsqueeze", IndexError, lambda: _t(2, 3).unsqueeze(3)),
    ("unsqueeze", IndexError, lambda: _t(2, 3).unsqueeze(-4)),
    ("select", IndexError, lambda: _t(2, 3).select(1, 3)),
    ("select", IndexError, lambda: _t(2, 3).select(2, 0)),
    ("select", IndexError, lambda: _t(2, 3)[-3]),
    ("getitem", IndexError, lambda: lamina.ones(())[0]),
    ("select", IndexError, lambda: lamina.ones(()).select(0, 0)),
    ("slice", IndexError, lambda: _t(2, 3).narrow(2, 0, 1)),
    ("flatten", ValueError, lambda: _t(2, 3, 4).flatten(2, 1)),
    ("unbind", IndexError, lambda: _t(2, 3).unbind(2)),
    ("repeat", ValueError, lambda: _t(2, 3).repeat(2)),
    ("getitem", ValueError, lambda: _t(4)[::0]),
    ("getitem", ValueError, lambda: _t(4)[::-1]),
    ("getitem", IndexError, lambda: _t(2, 3)[0, 0, 0]),
    ("getitem", TypeError, lambda: _t(4)[1.5]),
    ("getitem", TypeError, lambda: _t(4)[lamina.tensor([0.0])]),
    ("getitem", TypeError, lambda: _t(4)["a"]),
    ("getitem", IndexError, lambda: _t(4)[lamina.tensor([4])]),
    ("getitem", IndexError, lambda: _t(4)[[0, -5]]),
    ("setitem", ValueError, lambda: _t(3, 4).__setitem__(slice(None), _t(5))),
    ("setitem", ValueError, lambda: _t(3, 4).__setitem__(_t(4, dtype=B), 1.0)),
    ("setitem", IndexError, lambda: _t(3, 4).__setitem__(lamina.tensor([3]), 1.0)),
    ("setitem", ValueError, lambda: _t(3, 4).__setitem__(lamina.tensor([1, 2]), _t(3, 4))),
    ("len", TypeError, lambda: len(lamina.ones(()))),
    ("iter", TypeError, lambda: iter(lamina.ones(()))),
    ("item", ValueError, lambda: _t(2).item()),
    ("bool", RuntimeError, lambda: bool(_t(2))),
    ("index", TypeError, lambda: [1, 2][_t(1)]),
    # elementwise
    ("add", ValueError, lambda: _t(3) + _t(4)),
    ("sub", ValueError, lambda: _t(2, 3) - _t(3, 2)),
    ("mul", ValueError, lambda: _t(2, 3) * _t(4, 1, 2)),
    ("div", ValueError, lambda: _t(5) / _t(2)),
    ("maximum", ValueError, lambda: lamina.maximum(_t(3), _t(2))),
    ("eq", ValueError, lambda: lamina.eq(_t(3), _t(2))),
    ("add", TypeError, lambda: _t(3) + "a"),
    ("mul", TypeError, lambda: _t(3) * None),
    ("add", TypeError, lambda: _t(3) + [1.0, 2.0, 3.0]),
    ("add_", ValueError, lambda: _t(3).add_(_t(2, 3))),
    ("add_", TypeError, lambda: _t(3, dtype=I64).add_(1.5)),
    ("add_", TypeError, lambda: _t(3, dtype=B).add_(1)),
    ("mul_", TypeError, lambda: _t(3, dtype=I64).mul_(_t(3))),
    ("div_", TypeError, lambda: _t(3, dtype=I64).div_(2)),
    ("exp_", TypeError, lambda: _t(3, dtype=I64).exp_()),
    ("sqrt_", TypeError, lambda: _t(3, dtype=B).sqrt_()),
    ("neg", TypeError, lambda: -_t(3, dtype=B)),
    ("exp", TypeError, lambda: _t(3, dtype=B).exp()),
    ("pow", ValueError, lambda: lamina.tensor([2, 3]) ** -1),
    ("pow", ValueError, lambda: lamina.tensor([2, 3]) ** lamina.tensor([1, -2])),
    ("floordiv", RuntimeError, lambda: lamina.tensor([4, 2]) // lamina.tensor([1, 0])),
    ("remainder", RuntimeError, lambda: lamina.tensor([4, 2]) % 0),
    ("floordiv", ValueError, lambda: _t(3) // _t(2)),
    ("remainder", ValueError, lambda: _t(3) % _t(2)),
    ("clamp", ValueError, lambda: _t(3).clamp()),
    ("clamp_", TypeError, lambda: _t(3, dtype=I64).clamp_(0.5, 2)),
    ("gelu", ValueError, lambda: _t(3).gelu(approximate="sigmoid")),
    ("div", ValueError, lambda: _t(3).div(2, rounding_mode="round")),
    ("add_", RuntimeError, lambda: (lambda x: x.add_(x[0]))(_t(4, 3))),
    ("copy_", RuntimeError, lambda: (lambda x: x[1:].copy_(x[:-1]))(_t(4))),
    ("exp_", RuntimeError, lambda: _t(1).expand(3).exp_()),
    ("where", TypeError, lambda: lamina.where(_t(3), _t(3), _t(3))),
    ("where", ValueError, lambda: lamina.where(_t(3, dtype=B), _t(3), _t(4))),
    ("where", ValueError, lambda: lamina.where(_t(5, dtype=B), _t(3), _t(3))),
    # reductions
    ("sum", IndexError, lambda: _t(2, 3).sum(2)),
    ("sum", IndexError, lambda: _t(2, 3).sum(-3)),
    ("sum", ValueError, lambda: _t(2, 3).sum((0, 0))),
    ("sum", ValueError, lambda: _t(2, 3).sum((1, -1))),
    ("mean", IndexError, lambda: _t(2, 3).mean(5)),
    ("var", IndexError, lambda: _t(2, 3).var(2)),
    ("logsumexp", IndexError, lambda: _t(2, 3).logsumexp(2)),
    ("max", ValueError, lambda: lamina.zeros(0).max()),
    ("max", ValueError, lambda: lamina.zeros(0, 3).max(0)),
    ("max", ValueError, lambda: lamina.zeros(0, 3).amax(0)),
    ("min", ValueError, lambda: lamina.zeros(0).min()),
    ("argmax", ValueError, lambda: lamina.zeros(0).argmax()),
    ("argmin", ValueError, lambda: lamina.zeros(2, 0).argmin(1)),
    ("max", IndexError, lambda: _t(2, 3).max(2)),
    ("argmax", IndexError, lambda: _t(2, 3).argmax(2)),
    ("max", TypeError, lambda: _t(3, dtype=B).max()),
    # matmul
    ("matmul", ValueError, lambda: _t(3, 4) @ _t(5, 6)),
    ("matmul", ValueError, lambda: _t(2, 3, 4) @ _t(3, 4, 2)),
    ("matmul", ValueError, lambda: lamina.ones(()) @ _t(3)),
    ("matmul", TypeError, lambda: _t(2, 2) @ _t(2, 2, dtype=F64)),
    ("matmul", TypeError, lambda: _t(2, 2, dtype=B) @ _t(2, 2, dtype=B)),
    ("matmul", TypeError, lambda: _t(2, 2) @ 3.0),
    ("mm", ValueError, lambda: lamina.mm(_t(2), _t(2, 2))),
    ("bmm", ValueError, lambda: lamina.bmm(_t(2, 2), _t(2, 2))),
    # indexing
    ("cat", ValueError, lambda: lamina.cat([_t(2, 3), _t(3, 2)])),
    ("cat", ValueError, lambda: lamina.cat([])),
    ("cat", IndexError, lambda: lamina.cat([_t(2)], 1)),
    ("stack", ValueError, lambda: lamina.stack([_t(2), _t(3)])),
    ("gather", IndexError, lambda: _t(2, 3).gather(1, lamina.tensor([[3]]))),
    ("gather", TypeError, lambda: _t(2, 3).gather(1, lamina.tensor([[1.0]]))),
    ("gather", ValueError, lambda: _t(2, 3).gather(1, lamina.tensor([1]))),
    ("gather", ValueError, lambda: lamina.ones(()).gather(0, lamina.tensor(0))),
    ("scatter_add", IndexError, lambda: _t(3).scatter_add(0, lamina.tensor([-4]), _t(1))),
    ("scatter_add", ValueError, lambda: _t(3).scatter_add(0, lamina.tensor([[0]]), _t(1, 1))),
    ("index_select", IndexError, lambda: _t(3).index_select(0, lamina.tensor([3]))),
    ("index_select", TypeError, lambda: _t(3).index_select(0, lamina.tensor([True]))),
    ("index_add", ValueError, lambda: _t(3, 2).index_add(0, lamina.tensor([0]), _t(2, 2))),
    ("split", ValueError, lambda: _t(4).split([1, 1])),
    ("chunk", ValueError, lambda: _t(4).chunk(-1)),
    # autograd and conversion
    ("requires_grad", TypeError, lambda: _t(3, dtype=I64).requires_grad_()),
    ("backward", RuntimeError, lambda: _t(3).backward()),
    ("backward", RuntimeError, lambda: (_t(3).requires_grad_() * 2).backward()),
    ("backward", ValueError, lambda: (_t(3).requires_grad_() * 2).backward(_t(2))),
    ("add_", RuntimeError, lambda: _t(3).requires_grad_().add_(1)),
    ("numpy", RuntimeError, lambda: _t(3).requires_grad_().numpy()),
    ("to", TypeError, lambda: _t(3).to(F32, foo=1)),
    ("from_numpy", TypeError, lambda: lamina.from_numpy([1.0])),
    ("from_dlpack", TypeError, lambda: lamina.from_dlpack("x")),
    ("set_num_threads", ValueError, lambda: lamina.set_num_threads(-1)),
    ("gradcheck", ValueError, lambda: lamina.testing.gradcheck(lambda x: x, [_t(2, dtype=F64)])),
]


@pytest.mark.parametrize("op,err,call", CASES, ids=[f"{i}-{c[0]}" for i, c in enumerate(CASES)])
def test_bad_call_raises_named_error(op, err, call):
    with pytest.raises(err) as info:
        call()
    msg = str(info.value)
    assert msg.startswith(f"[{op}]"), f"expected a message starting with [{op}], got {msg!r}"


# Creation on a device this build or machine lacks raises RuntimeError naming CUDA.
CUDA_CASES = [
    lambda: lamina.zeros(3, device="cuda"),
    lambda: lamina.ones(2, 2, device="cuda:0"),
    lambda: lamina.tensor([1.0, 2.0], device="cuda"),
    lambda: lamina.arange(5, device="cuda"),
    lambda: lamina.rand(4, device="cuda"),
    lambda: lamina.empty(0, device="cuda"),
    lambda: lamina.eye(3, device=lamina.device("cuda", 0)),
    lambda: lamina.ones(3).to("cuda"),
    lambda: lamina.ones(3).cuda(),
]


@pytest.mark.skipif(lamina.cuda.is_available(), reason="this machine has a usable GPU")
@pytest.mark.parametrize("call", CUDA_CASES)
def test_cuda_without_a_gpu_raises(call):
    with pytest.raises(RuntimeError, match="CUDA") as info:
        call()
    assert str(info.value).startswith("[")


def test_cross_device_ops_raise_on_a_gpu_machine():
    if not lamina.cuda.is_available():
        pytest.skip("needs a GPU: cpu/cuda mixing cannot be built without one")
    a, b = lamina.ones(3), lamina.ones(3, device="cuda")
    for fn, op in [(lambda: a + b, "add"), (lambda: a @ b, "matmul"),
                   (lambda: lamina.cat([a, b]), "cat"), (lambda: lamina.where(a > 0, a, b), "where")]:
        with pytest.raises(RuntimeError, match=rf"^\[{op}\]"):
            fn()


def test_empty_tensor_cases_do_not_fail():
    e = lamina.zeros(0, 3)
    assert (e + 1).shape == (0, 3) and e.exp().shape == (0, 3) and (e @ lamina.ones(3, 2)).shape == (0, 2)
    assert lamina.cat([e, e]).shape == (0, 3) and e.t().contiguous().shape == (3, 0)
    assert e.reshape(3, 0).shape == (3, 0) and e[1:].shape == (0, 3) and e.sum().item() == 0.0
    assert lamina.ones(0, dtype=I64).index_select(0, lamina.tensor([], dtype=I64)).shape == (0,)
    assert lamina.ones(3).index_select(0, lamina.tensor([], dtype=I64)).shape == (0,)
    assert lamina.ones(2, 0).gather(1, lamina.zeros(2, 0, dtype=I64)).shape == (2, 0)


def test_nothing_crashes_the_interpreter():
    """The whole table again in a child interpreter: a crash shows as a signal, not a test error."""
    code = (
        "import sys; sys.path.insert(0, %r)\n"
        "import test_errors as T\n"
        "bad = 0\n"
        "for op, err, call in T.CASES:\n"
        "    try:\n"
        "        call()\n"
        "        bad += 1\n"
        "    except Exception:\n"
        "        pass\n"
        "print(bad)\n" % __import__("os").path.dirname(__file__))
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, f"child died with {res.returncode}: {res.stderr[-2000:]}"
    assert res.stdout.strip() == "0"
