"""The single-process parts of data-parallel training: DistributedSampler (torch's
partitioning), DataLoader(sampler=), the gradient hooks of the tape, and the errors of
lamina.distributed before a process group exists. No MPI needed."""
from __future__ import annotations

import numpy as np
import pytest

import lamina
import lamina.distributed as dist
from lamina.autograd.engine import queue_callback
from lamina.data import DataLoader, DistributedSampler, TensorDataset


def shares(n, world, **kw):
    return [list(DistributedSampler(range(n), world, r, **kw)) for r in range(world)]


@pytest.mark.parametrize("n", [1, 7, 10, 33, 64])
@pytest.mark.parametrize("world", [1, 2, 3, 4])
def test_sampler_partitions_with_padding(n, world):
    parts = shares(n, world, shuffle=False)
    per = -(-n // world)
    assert all(len(p) == per for p in parts)
    assert [len(DistributedSampler(range(n), world, r)) for r in range(world)] == [per] * world
    flat = [p[k] for k in range(per) for p in parts]  # interleave the shares back
    # rank r takes every world-th index from r; the tail is padded from the start (cyclic)
    assert flat == (list(range(n)) * (world + 1))[:per * world]
    assert set(flat) == set(range(n))


@pytest.mark.parametrize("n,world", [(10, 3), (7, 2), (33, 4), (1, 2), (8, 4)])
def test_sampler_drop_last_is_disjoint(n, world):
    parts = shares(n, world, shuffle=True, seed=3, drop_last=True)
    per = n // world
    assert all(len(p) == per for p in parts)
    flat = [i for p in parts for i in p]
    assert len(set(flat)) == len(flat) == per * world


def test_sampler_matches_torch_examples():
    assert shares(10, 3, shuffle=False) == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    assert shares(10, 3, shuffle=False, drop_last=True) == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    assert shares(2, 4, shuffle=False) == [[0], [1], [0], [1]]


def test_sampler_shuffles_per_epoch_reproducibly():
    s = DistributedSampler(range(50), 2, 0, seed=7)
    e0 = list(s)
    assert list(s) == e0  # same epoch, same order
    s.set_epoch(1)
    e1 = list(s)
    assert e1 != e0
    other = DistributedSampler(range(50), 2, 1, seed=7)
    other.set_epoch(1)
    assert sorted(e1 + list(other)) == list(range(50))  # the ranks agree on the permutation


def test_sampler_errors():
    with pytest.raises(ValueError, match=r"^\[DistributedSampler\] rank 2 is out of range"):
        DistributedSampler(range(5), 2, 2)
    with pytest.raises(ValueError, match=r"^\[DistributedSampler\] num_replicas"):
        DistributedSampler(range(5), 0, 0)
    with pytest.raises(RuntimeError, match=r"^\[DistributedSampler\].*init_process_group"):
        DistributedSampler(range(5))


def test_dataloader_with_sampler(rng):
    x = rng.standard_normal((11, 3)).astype(np.float32)
    y = np.arange(11)
    ds = TensorDataset(x, y)
    got = []
    for r in range(2):
        dl = DataLoader(ds, batch_size=4, sampler=DistributedSampler(ds, 2, r, seed=1))
        assert len(dl) == 2
        for xb, yb in dl:
            np.testing.assert_array_equal(xb.numpy(), x[yb.numpy()])
            got += yb.tolist()
    assert sorted(set(got)) == list(range(11)) and len(got) == 12  # one padded sample
    with pytest.raises(ValueError, match=r"^\[DataLoader\] sampler and shuffle"):
        DataLoader(ds, sampler=[0, 1], shuffle=True)
    with pytest.raises(IndexError, match=r"^\[DataLoader\] the sampler gave index 11"):
        list(DataLoader(ds, sampler=[0, 11]))
    assert [b.tolist() for b in DataLoader(lamina.arange(5), batch_size=2, sampler=[4, 0, 2])] \
        == [[4, 0], [2]]


def test_post_accumulate_grad_hook_fires_once_with_the_full_gradient():
    a = lamina.randn(3, requires_grad=True)
    b = lamina.randn(3, requires_grad=True)
    c = lamina.randn(3, requires_grad=True)  # not reached by the graph
    log = []
    ha = a.register_post_accumulate_grad_hook(lambda t: log.append(("a", t.grad.tolist())))
    b.register_post_accumulate_grad_hook(lambda t: log.append(("b", None)))
    c.register_post_accumulate_grad_hook(lambda t: log.append(("c", None)))
    b.register_post_accumulate_grad_hook(lambda t: queue_callback(lambda: log.append("end")))
    (a * 2 + a * 3 + b * b).sum().backward()  # a is reached by two edges
    assert sorted(log[:2], key=str) == [("a", [5.0] * 3), ("b", None)] and log[2:] == ["end"]
    log.clear()
    ha.remove()
    (a * b).sum().backward()
    assert log == [("b", None), "end"]
    log.clear()
    b.sum().backward()  # the root's own leaf
    assert log == [("b", None), "end"]


def test_hook_and_callback_errors():
    t = lamina.randn(2, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"^\[register_post_accumulate_grad_hook\] only leaf"):
        (t * 2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match=r"^\[register_post_accumulate_grad_hook\].*grad"):
        lamina.randn(2).register_post_accumulate_grad_hook(print)
    with pytest.raises(RuntimeError, match=r"^\[queue_callback\]"):
        queue_callback(print)


def test_collectives_need_a_process_group():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match=r"^\[all_reduce\].*init_process_group"):
        dist.all_reduce(lamina.ones(3))
    with pytest.raises(RuntimeError, match=r"^\[get_rank\]"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match=r"^\[DistributedDataParallel\].*init_process_group"):
        lamina.nn.parallel.DistributedDataParallel(lamina.nn.Linear(2, 2))
    with pytest.raises(ValueError, match=r"^\[init_process_group\] backend"):
        dist.init_process_group("gloo")
    with pytest.raises(RuntimeError, match=r"^\[destroy_process_group\]"):
        dist.destroy_process_group()


def test_nccl_without_cupy_is_a_clear_error():
    try:
        import cupy  # noqa: F401
        pytest.skip("CuPy is installed: the GPU check covers the nccl backend")
    except ImportError:
        pass
    with pytest.raises(ImportError, match=r"^\[init_process_group\] backend 'nccl' needs CuPy"):
        dist.init_process_group("nccl")
    assert not dist.is_initialized()


def test_world_size_from_the_launcher_environment(monkeypatch):
    for var in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_SIZE", "MV2_COMM_WORLD_SIZE"):
        monkeypatch.delenv(var, raising=False)
    assert dist.env_world_size() == 1
    monkeypatch.setenv("PMI_SIZE", "4")
    assert dist.env_world_size() == 4
    monkeypatch.setenv("OMPI_COMM_WORLD_SIZE", "3")
    assert dist.env_world_size() == 3


def test_mpi_backend_hands_over_the_tensor_memory_itself():
    from lamina.distributed._mpi import MPIBackend
    for t in (lamina.randn(3, 5), lamina.arange(7), lamina.randn(4, 6, dtype=lamina.float64)[1:3],
              lamina.tensor(2.5)):
        a = MPIBackend._array(t)
        assert a.__array_interface__["data"][0] == t.data_ptr()  # no copy
        assert a.ndim == 1 and a.size == t.numel() and a.flags.writeable
