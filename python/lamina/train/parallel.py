"""Data-parallel helpers of the training jobs (``mpiexec -n N lamina train ...``).

Every rank builds the same model (DistributedDataParallel broadcasts rank 0's weights), trains
on its shard of each global batch (``--batch-size`` is the global batch, split evenly, so the
hyperparameters mean the same at any world size), and only rank 0 evaluates, prints and saves."""
from __future__ import annotations

from .. import distributed as dist


def local_batch(batch_size, op="train"):
    """This rank's share of a global batch of ``batch_size`` samples."""
    world = dist.get_world_size()
    if batch_size % world:
        raise ValueError(f"[{op}] the global batch size {batch_size} does not split evenly "
                         f"over {world} ranks; pass a --batch-size divisible by {world}")
    return batch_size // world


def wrap(model):
    from ..nn.parallel import DistributedDataParallel
    return DistributedDataParallel(model)


def sum_over_ranks(*values):
    """The sums over every rank of a few Python floats (one all-reduce)."""
    from ..creation import tensor
    from ..dtypes import float64
    device = dist.group.default_group("sum_over_ranks").tensor_device
    t = tensor([float(v) for v in values], dtype=float64, device=device)
    dist.all_reduce(t)
    return t.cpu().tolist()


def sync_buffers(model):
    """Rank 0's buffers (BatchNorm running statistics) on every rank, before evaluating."""
    from ..autograd.grad_mode import no_grad
    with no_grad():
        for b in model.buffers():
            dist.broadcast(b, src=0)
