"""The NCCL backend on GPUs: ``mpiexec -n N python tools/nccl_check.py`` (N = 1 or 2, one GPU per
rank), run by tools/gpu_check.sh. Collectives on cuda tensors must equal numpy's result computed
from every rank's inputs (sizes 1, 7 and 2^20 + 3, float32 / float64 / int64), and one
DistributedDataParallel step on cuda must equal one process on the global batch on the CPU.
Prints ``NCCL OK rank R of N`` on success; any failure aborts every rank (non-zero exit).
``--backend mpi`` runs the same checks on cpu tensors (a dry run of this script without GPUs)."""
from __future__ import annotations

import numpy as np

import lamina
import lamina.distributed as dist
from lamina import nn

Op = dist.ReduceOp


def inputs(rank, n, dtype, salt):
    rng = np.random.default_rng([n, rank, salt])
    if np.dtype(dtype).kind == "f":
        return rng.standard_normal(n).astype(dtype)
    return rng.integers(-1000, 1000, n).astype(dtype)


def expect(op, arrays):
    s = sum(arrays[1:], arrays[0])
    if op is Op.SUM:
        return s
    if op is Op.AVG:
        return s / s.dtype.type(len(arrays))
    return (np.maximum if op is Op.MAX else np.minimum).reduce(arrays)


def check(t, want, what, exact=True):
    got = t.to("cpu").numpy()
    if exact:
        np.testing.assert_array_equal(got, want, what)
    else:  # NCCL's AVG may divide before summing: one rounding apart
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6, err_msg=what)


def collectives(rank, world, dev):
    for salt, dtype in enumerate((np.float32, np.float64, np.int64)):
        for n in (1, 7, (1 << 20) + 3):
            arrays = [inputs(r, n, dtype, salt) for r in range(world)]
            ops = [Op.SUM, Op.MAX, Op.MIN] + ([Op.AVG] if dtype != np.int64 else [])
            for op in ops:
                t = lamina.tensor(arrays[rank], device=dev)
                dist.all_reduce(t, op)
                check(t, expect(op, arrays), f"all_reduce {dtype.__name__} {n} {op}",
                      exact=op is not Op.AVG)
            t = lamina.tensor(arrays[rank], device=dev)
            dist.broadcast(t, src=world - 1)
            check(t, arrays[world - 1], "broadcast")
            out = lamina.zeros(world * n, dtype=t.dtype, device=dev)
            dist.all_gather_into_tensor(out, lamina.tensor(arrays[rank], device=dev))
            check(out, np.concatenate(arrays), "all_gather_into_tensor")
            blocks = [[inputs(r, n, dtype, 10 + b) for b in range(world)] for r in range(world)]
            o = lamina.zeros(n, dtype=t.dtype, device=dev)
            dist.reduce_scatter_tensor(o, lamina.tensor(np.concatenate(blocks[rank]), device=dev))
            check(o, expect(Op.SUM, [blocks[r][rank] for r in range(world)]), "reduce_scatter")
    v = lamina.tensor(np.arange(12, dtype=np.float32).reshape(3, 4), device=dev).t()
    dist.all_reduce(v)  # non-contiguous: staged and written back
    check(v, np.arange(12, dtype=np.float32).reshape(3, 4).T * world, "non-contiguous")
    dist.barrier()


def ddp_step(rank, world, dev):
    b = 4
    lamina.manual_seed(0)
    ref = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    model = nn.Sequential(nn.Linear(6, 16), nn.Tanh(), nn.Linear(16, 3))
    model.load_state_dict(ref.state_dict())
    ddp = nn.parallel.DistributedDataParallel(model.to(dev), bucket_cap_mb=1e-4)
    rng = np.random.default_rng(1)
    x = rng.standard_normal((world * b, 6)).astype(np.float32)
    y = rng.integers(0, 3, world * b)
    for net, xs, ys, d in ((ddp, x[rank * b:(rank + 1) * b], y[rank * b:(rank + 1) * b], dev),
                           (ref, x, y, "cpu")):
        opt = lamina.optim.SGD(net.parameters(), lr=0.1, momentum=0.9)
        opt.zero_grad()
        nn.functional.cross_entropy(net(lamina.tensor(xs, device=d)),
                                    lamina.tensor(ys, device=d)).backward()
        opt.step()
    for p, q in zip(model.parameters(), ref.parameters()):
        np.testing.assert_allclose(p.detach().to("cpu").numpy(), q.detach().numpy(),
                                   rtol=1e-5, atol=1e-6)


def main():
    import sys
    backend = sys.argv[sys.argv.index("--backend") + 1] if "--backend" in sys.argv else "nccl"
    dist.init_process_group(backend)
    rank, world = dist.get_rank(), dist.get_world_size()
    dev = dist.group.default_group("nccl_check").tensor_device
    collectives(rank, world, dev)
    ddp_step(rank, world, dev)
    if dev != "cpu":
        lamina.cuda.synchronize(lamina.device(dev).index)
    print(f"{backend.upper()} OK rank {rank} of {world} on {dev}", flush=True)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
