"""Data-parallel training in a script of your own: every rank runs this file.

    mpiexec -n 2 python examples/data_parallel.py

Each rank builds the same MLP (DistributedDataParallel broadcasts rank 0's weights), trains on
its shard of scikit-learn's digits (DistributedSampler), and gradients are averaged during
backward; rank 0 prints. Needs ``pip install ".[examples,distributed]"``."""
import numpy as np

import lamina
import lamina.distributed as dist
from lamina import nn, optim
from lamina.data import DataLoader, DistributedSampler, TensorDataset
from lamina.nn.parallel import DistributedDataParallel as DDP
from lamina.train import datasets

dist.init_process_group("mpi")
rank, world = dist.get_rank(), dist.get_world_size()
(x, y), (xt, yt) = datasets.digits(seed=0)
train = TensorDataset(x.reshape(len(x), -1), y)

lamina.manual_seed(rank)  # different on each rank on purpose: the wrap makes them equal
model = DDP(nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10)))
sampler = DistributedSampler(train, shuffle=True, seed=0)
loader = DataLoader(train, batch_size=32, sampler=sampler)  # 32 per rank
opt = optim.SGD(model.parameters(), lr=0.05, momentum=0.9)

for epoch in range(10):
    sampler.set_epoch(epoch)
    for xb, yb in loader:
        opt.zero_grad()
        nn.functional.cross_entropy(model(xb), yb).backward()  # averaged across ranks here
        opt.step()
    with lamina.no_grad():
        pred = model.module(lamina.tensor(xt.reshape(len(xt), -1))).argmax(dim=1).numpy()
    if rank == 0:
        print(f"epoch {epoch}: test accuracy {100 * np.mean(pred == yt):.1f}% on {world} ranks")
dist.destroy_process_group()
