"""The rank side of tests/test_distributed.py: ``mpiexec -n 2 python dist_worker.py CASE``.

Every rank runs CASE and asserts; an assertion error on any rank aborts the job (exit code
non-zero, traceback on stderr), success prints ``OK CASE rank R`` on every rank."""
from __future__ import annotations

import sys

import numpy as np

import lamina
import lamina.distributed as dist
from lamina import nn
from lamina.nn.parallel import DistributedDataParallel as DDP

Op = dist.ReduceOp
DTYPES = {"float32": np.float32, "float64": np.float64, "int64": np.int64}


def _inputs(rank, n, dtype, salt):
    rng = np.random.default_rng([n, rank, salt])
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(n).astype(dtype)
    return rng.integers(-1000, 1000, n).astype(dtype)


def _expect(op, arrays):
    if op is Op.SUM:
        return sum(arrays[1:], arrays[0])
    if op is Op.AVG:
        s = sum(arrays[1:], arrays[0])
        return s / s.dtype.type(len(arrays))
    return (np.maximum if op is Op.MAX else np.minimum).reduce(arrays)


def _raises(exc, prefix, fn):
    try:
        fn()
    except exc as e:
        assert str(e).startswith(prefix), str(e)
        return
    raise AssertionError(f"expected {exc.__name__} starting with {prefix}")


def case_collectives(rank, world):
    for salt, (name, dtype) in enumerate(DTYPES.items()):
        for n in (1, 7, (1 << 20) + 3):
            arrays = [_inputs(r, n, dtype, salt) for r in range(world)]
            ops = [Op.SUM, Op.MAX, Op.MIN] + ([Op.AVG] if name != "int64" else [])
            for op in ops:
                t = lamina.tensor(arrays[rank].copy())
                assert t.dtype.name == name
                dist.all_reduce(t, op)
                np.testing.assert_array_equal(t.numpy(), _expect(op, arrays), f"{name} {n} {op}")
                t = lamina.tensor(arrays[rank].copy())
                dist.all_reduce(t, op, async_op=True).wait()
                np.testing.assert_array_equal(t.numpy(), _expect(op, arrays))
            t = lamina.tensor(arrays[rank].copy())
            dist.broadcast(t, src=world - 1)
            np.testing.assert_array_equal(t.numpy(), arrays[world - 1])
            out = lamina.tensor(np.zeros(world * n, dtype))
            dist.all_gather_into_tensor(out, lamina.tensor(arrays[rank]))
            np.testing.assert_array_equal(out.numpy(), np.concatenate(arrays))
            outs = [lamina.tensor(np.zeros(n, dtype)) for _ in range(world)]
            dist.all_gather(outs, lamina.tensor(arrays[rank]))
            for r in range(world):
                np.testing.assert_array_equal(outs[r].numpy(), arrays[r])
            # reduce-scatter: rank r's input is world blocks; block b is the arrays of salt b
            blocks = [[_inputs(r, n, dtype, 10 + b) for b in range(world)] for r in range(world)]
            for op in (Op.SUM, Op.MAX):
                o = lamina.tensor(np.zeros(n, dtype))
                dist.reduce_scatter_tensor(o, lamina.tensor(np.concatenate(blocks[rank])), op)
                np.testing.assert_array_equal(o.numpy(), _expect(op, [blocks[r][rank]
                                                                      for r in range(world)]))
                o = lamina.tensor(np.zeros(n, dtype))
                dist.reduce_scatter(o, [lamina.tensor(b) for b in blocks[rank]], op)
                np.testing.assert_array_equal(o.numpy(), _expect(op, [blocks[r][rank]
                                                                      for r in range(world)]))
    # non-contiguous tensors go through a staging copy written back in place
    a = [np.arange(12, dtype=np.float32).reshape(3, 4) * (r + 1) for r in range(world)]
    base = lamina.tensor(a[rank].copy())
    view = base.t()
    assert not view.is_contiguous()
    dist.all_reduce(view, Op.SUM)
    np.testing.assert_array_equal(base.numpy(), sum(a))
    base = lamina.tensor(np.zeros((4, 6), np.float64) + rank)
    dist.broadcast(base[:, ::2], src=1)  # a strided column slice
    want = np.zeros((4, 6)) + rank
    want[:, ::2] = 1
    np.testing.assert_array_equal(base.numpy(), want)
    # 0-d and empty tensors
    s = lamina.tensor(float(rank + 1))
    dist.all_reduce(s)
    assert s.item() == sum(range(1, world + 1))
    dist.all_reduce(lamina.zeros(0))
    # errors name the function
    _raises(TypeError, "[all_reduce]", lambda: dist.all_reduce(lamina.ones(3, dtype=lamina.int64),
                                                               Op.AVG))
    _raises(TypeError, "[all_reduce]", lambda: dist.all_reduce(np.ones(3)))
    _raises(TypeError, "[all_reduce]", lambda: dist.all_reduce(lamina.ones(3) > 0))
    _raises(TypeError, "[all_reduce]", lambda: dist.all_reduce(lamina.ones(3), "sum"))
    _raises(ValueError, "[broadcast]", lambda: dist.broadcast(lamina.ones(3), src=world))
    _raises(ValueError, "[all_gather]", lambda: dist.all_gather([lamina.ones(3)], lamina.ones(3)))
    _raises(ValueError, "[all_gather_into_tensor]",
            lambda: dist.all_gather_into_tensor(lamina.ones(5), lamina.ones(3)))
    _raises(ValueError, "[all_reduce]", lambda: dist.all_reduce(lamina.ones(3), group="world"))
    dist.barrier()
    dist.barrier(async_op=True).wait()


class Net(nn.Module):
    """conv -> relu -> linear, plus optional branches for the unused-parameter cases."""

    def __init__(self, extra=False):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.fc = nn.Linear(4 * 6 * 6, 5)
        if extra:
            self.side = nn.Linear(4 * 6 * 6, 5)   # used on some ranks only
            self.never = nn.Linear(4 * 6 * 6, 5)  # used nowhere

    def forward(self, x, use_side=False):
        h = self.conv(x).relu().flatten(1)
        out = self.fc(h)
        return out + self.side(h) if use_side else out


def _batches(world, b, steps, seed=0):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((world * b, 1, 6, 6)).astype(np.float32),
             rng.integers(0, 5, world * b)) for _ in range(steps)]


def _loss(model, x, y, **kw):
    return nn.functional.cross_entropy(model(lamina.tensor(x), **kw), lamina.tensor(y))


def _max_diff(ps, qs):
    return max(float(np.abs(p.detach().numpy() - q.detach().numpy()).max())
               for p, q in zip(ps, qs))


def _same_on_all_ranks(params, world):
    for p in params:
        outs = [lamina.zeros(*p.shape) for _ in range(world)]
        dist.all_gather(outs, p.detach())
        for o in outs[1:]:
            np.testing.assert_array_equal(o.numpy(), outs[0].numpy())


def _reference(seed=0, **kw):
    lamina.manual_seed(seed)
    return Net(**kw)


def case_ddp(rank, world):
    b, steps = 4, 6
    for cap in (25, 1e-5):  # one bucket; one bucket per parameter (10 bytes each)
        ref = _reference()
        lamina.manual_seed(100 + rank)  # other weights on other ranks: the wrap broadcasts rank 0's
        model = Net()
        if rank == 0:
            model.load_state_dict(ref.state_dict())
        ddp = DDP(model, bucket_cap_mb=cap)
        assert all(k.startswith("module.") for k in ddp.state_dict())
        assert _max_diff(model.parameters(), ref.parameters()) == 0.0
        opt = lamina.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
        ropt = lamina.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
        for x, y in _batches(world, b, steps):
            opt.zero_grad()
            _loss(ddp, x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b]).backward()
            opt.step()
            ropt.zero_grad()
            _loss(ref, x, y).backward()  # one process, the concatenated global batch
            ropt.step()
        d = _max_diff(model.parameters(), ref.parameters())
        assert d < 1e-6, f"bucket_cap_mb={cap}: DDP differs from one process by {d}"
        _same_on_all_ranks(model.parameters(), world)
        nb = len(ddp._buckets)
        assert nb == (1 if cap == 25 else 4), nb
        # every bucket's all-reduce was started by a gradient hook, during backward
        assert ddp._launch_log == [("backward", i) for i in range(nb)], ddp._launch_log


def case_no_sync(rank, world):
    b, micro = 3, 3
    ref = _reference()
    model = _reference()
    ddp = DDP(model, bucket_cap_mb=0.0004)
    opt = lamina.optim.SGD(ddp.parameters(), lr=0.05, momentum=0.9)
    ropt = lamina.optim.SGD(ref.parameters(), lr=0.05, momentum=0.9)
    for step in range(2):
        batches = _batches(world, b, micro, seed=10 + step)
        opt.zero_grad()
        with ddp.no_sync():
            for x, y in batches[:-1]:
                _loss(ddp, x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b]).backward()
        # not averaged yet: the ranks' accumulated gradients differ
        g = ddp.module.fc.weight.grad
        outs = [lamina.zeros(*g.shape) for _ in range(world)]
        dist.all_gather(outs, g)
        assert np.abs(outs[0].numpy() - outs[1].numpy()).max() > 1e-4
        x, y = batches[-1]
        _loss(ddp, x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b]).backward()
        ropt.zero_grad()
        for x, y in batches:
            _loss(ref, x, y).backward()
        d = _max_diff([p.grad for p in model.parameters()], [p.grad for p in ref.parameters()])
        assert d < 1e-6, f"accumulated gradients differ by {d}"
        opt.step()
        ropt.step()
    assert _max_diff(model.parameters(), ref.parameters()) < 1e-6


def case_unused(rank, world):
    x, y = _batches(world, 2, 1)[0]
    xs, ys = x[rank * 2:rank * 2 + 2], y[rank * 2:rank * 2 + 2]
    # 1. an unused parameter is an error naming it (on every rank: same model, same graph)
    ddp = DDP(_reference(extra=True))
    try:
        _loss(ddp, xs, ys).backward()
    except RuntimeError as e:
        msg = str(e)
        assert msg.startswith("[DistributedDataParallel]") and "side.weight" in msg and \
            "never.bias" in msg and "find_unused_parameters=True" in msg and "fc.weight" \
            not in msg, msg
    else:
        raise AssertionError("no error for unused parameters")
    # a model is averaged by one live wrapper at a time
    _raises(RuntimeError, "[DistributedDataParallel] parameter conv.weight is already wrapped",
            lambda: DDP(ddp.module))
    inner = ddp.module
    del ddp
    DDP(inner)  # the old wrapper is gone: its hooks are dropped
    # 2. find_unused_parameters=True: `side` used on rank 1 only, `never` nowhere
    ref = _reference(extra=True)
    ddp = DDP(_reference(extra=True), find_unused_parameters=True, bucket_cap_mb=0.0004)
    _loss(ddp, xs, ys, use_side=(rank == 1)).backward()
    losses = [_loss(ref, x[r * 2:r * 2 + 2], y[r * 2:r * 2 + 2], use_side=(r == 1))
              for r in range(world)]
    (sum(losses[1:], losses[0]) / world).backward()
    m = ddp.module
    assert m.never.weight.grad is None and m.never.bias.grad is None
    for name in ("conv.weight", "fc.bias", "side.weight", "side.bias"):
        p = dict(m.named_parameters())[name]
        q = dict(ref.named_parameters())[name]
        d = float(np.abs(p.grad.numpy() - q.grad.numpy()).max())
        assert d < 1e-6, f"{name}: {d}"


def case_fail(rank, world):
    dist.barrier()
    if rank == 1:
        raise ValueError("deliberate failure on rank 1")
    dist.all_reduce(lamina.ones(3))  # rank 1 never joins: without the abort this would hang


def nccl_fake(with_avg):
    """The NCCL backend's code on one rank over host memory (tests/fake_nccl.py): pointers,
    chunk offsets, the AVG fallback, staging, DDP. Run with a small LAMINA_DIST_CHUNK."""
    import fake_nccl
    fake_nccl.install(with_avg)
    lamina.cuda.is_available = lambda: True
    lamina.cuda.device_count = lambda: 1
    lamina._C.cuda_synchronize = lambda index: None
    dist.init_process_group("nccl")
    g = dist.group.default_group("nccl_fake")
    assert (g.name, g.device, g.tensor_device, g.size) == ("nccl", 0, "cuda:0", 1)
    assert (g._ops[Op.AVG] is None) != with_avg
    g.device_type, g.tensor_device = "cpu", "cpu"  # host tensors stand in for device ones
    g.check_device = lambda op, t: None
    chunk = g.chunk
    for salt, (name, dtype) in enumerate(DTYPES.items()):
        for n in (1, 7, 3 * chunk + 2):
            a = _inputs(0, n, dtype, salt)
            for op in [Op.SUM, Op.MAX] + ([Op.AVG] if name != "int64" else []):
                fake_nccl.calls.clear()
                t = lamina.tensor(a.copy())
                dist.all_reduce(t, op)
                np.testing.assert_array_equal(t.numpy(), a)
                assert [c for _, c in fake_nccl.calls] == \
                    [min(chunk, n - s) for s in range(0, n, chunk)], fake_nccl.calls
            t = lamina.tensor(np.zeros(n, dtype))
            dist.broadcast(t, src=0)
            np.testing.assert_array_equal(t.numpy(), 0)
            out = lamina.tensor(np.zeros(n, dtype))
            dist.all_gather_into_tensor(out, lamina.tensor(a))
            np.testing.assert_array_equal(out.numpy(), a)
            out = lamina.tensor(np.zeros(n, dtype))
            dist.reduce_scatter_tensor(out, lamina.tensor(a))
            np.testing.assert_array_equal(out.numpy(), a)
    base = lamina.tensor(np.arange(12, dtype=np.float32).reshape(3, 4))
    dist.all_reduce(base.t(), Op.AVG)  # staged, reduced, written back
    np.testing.assert_array_equal(base.numpy(), np.arange(12).reshape(3, 4))
    ref, model = _reference(), _reference()
    ddp = DDP(model, bucket_cap_mb=1e-5)
    x, y = _batches(1, 4, 1)[0]
    for net in (ddp, ref):
        opt = lamina.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        _loss(net, x, y).backward()
        opt.step()
    assert _max_diff(model.parameters(), ref.parameters()) == 0.0
    assert len(ddp._launch_log) == 4
    dist.barrier()
    comm = g.comm
    dist.destroy_process_group()
    assert not comm.alive
    print(f"OK nccl_fake with_avg={with_avg}", flush=True)


CASES = {name[5:]: fn for name, fn in globals().items() if name.startswith("case_")}

if __name__ == "__main__":
    if sys.argv[1] == "nccl_fake":
        for with_avg in (True, False):
            nccl_fake(with_avg)
        sys.exit(0)
    dist.init_process_group("mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    assert world == 2, world
    lamina.set_num_threads(1)
    for case in sys.argv[1:]:
        CASES[case](rank, world)
        print(f"OK {case} rank {rank}", flush=True)
    dist.destroy_process_group()
