"""One training loop for every job: epochs of mini-batches with a progress bar, then
evaluation; prints loss, accuracy and throughput per epoch."""
from __future__ import annotations

import time

import numpy as np

from .. import _C, no_grad, nn, optim, tensor
from ..data import DataLoader, TensorDataset


def _progress(iterable, total, desc, enabled):
    if not enabled:
        return iterable
    try:
        from tqdm import tqdm
    except ImportError:  # tqdm is in the examples extra; train without a bar otherwise
        return iterable
    return tqdm(iterable, total=total, desc=desc, leave=False, unit="batch")


def evaluate(model, x, y, batch_size=512):
    """Mean cross-entropy and accuracy of ``model`` on (x, y) lamina tensors."""
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total_loss, correct = 0.0, 0
    with no_grad():
        for i in range(0, x.shape[0], batch_size):
            xb, yb = x[i:i + batch_size], y[i:i + batch_size]
            logits = model(xb)
            total_loss += loss_fn(logits, yb).item()
            correct += int(_C.sum(_C.eq(logits.argmax(dim=1), yb), None, False).item())
    n = x.shape[0]
    return total_loss / n, correct / n


def make_optimizer(name, params, lr, weight_decay):
    if name == "sgd":
        return optim.SGD(params, lr=lr, momentum=0.9, weight_decay=weight_decay)
    if name == "adam":
        return optim.Adam(params, lr=lr, weight_decay=weight_decay)
    if name == "adamw":
        return optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    raise ValueError(f"[train] unknown optimizer {name!r} (sgd, adam, adamw)")


def fit(model, train, test, *, epochs, batch_size, lr, optimizer="adam", weight_decay=0.0,
        device="cpu", seed=0, progress=True, log=print, distributed=False):
    """Train ``model`` on numpy (x, y) arrays; returns the list of per-epoch records.

    ``distributed``: data-parallel over the ranks of the process group (train/parallel.py):
    ``batch_size`` is the global batch; rank 0 evaluates and logs (other ranks log nothing)."""
    model.to(device)
    xtr, ytr = (tensor(a, device=device) for a in train)
    xte, yte = (tensor(a, device=device) for a in test)
    sampler, net, main = None, model, True
    if distributed:
        from ..data import DistributedSampler
        from . import parallel
        sampler = DistributedSampler(TensorDataset(xtr, ytr), shuffle=True, seed=seed)
        loader = DataLoader(TensorDataset(xtr, ytr), parallel.local_batch(batch_size),
                            sampler=sampler)
        net, main = parallel.wrap(model), sampler.rank == 0
        progress = progress and main
    else:
        loader = DataLoader(TensorDataset(xtr, ytr), batch_size=batch_size, shuffle=True,
                            seed=seed)
    opt = make_optimizer(optimizer, net.parameters(), lr, weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs, 1))
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        if sampler is not None:
            sampler.set_epoch(epoch)
        seen, loss_sum, t0 = 0, 0.0, time.perf_counter()
        for xb, yb in _progress(loader, len(loader), f"epoch {epoch}", progress):
            opt.zero_grad()
            loss = loss_fn(net(xb), yb)
            loss.backward()
            opt.step()
            loss_sum += loss.item() * xb.shape[0]
            seen += xb.shape[0]
        sched.step()
        elapsed = time.perf_counter() - t0
        if distributed:
            loss_sum, seen = parallel.sum_over_ranks(loss_sum, seen)
            parallel.sync_buffers(model)
            if not main:
                history.append({"epoch": epoch, "train_loss": loss_sum / max(seen, 1)})
                continue
        test_loss, test_acc = evaluate(model, xte, yte)
        rec = {"epoch": epoch, "train_loss": loss_sum / max(seen, 1), "test_loss": test_loss,
               "test_acc": test_acc, "images_per_s": seen / elapsed if elapsed > 0 else float("inf")}
        history.append(rec)
        log(f"epoch {epoch:3d}  train loss {rec['train_loss']:.4f}  test loss {test_loss:.4f}  "
            f"test acc {100 * test_acc:6.2f}%  {rec['images_per_s']:9.0f} images/s")
    return history


def seed_everything(seed):
    from .. import manual_seed
    manual_seed(seed)
    np.random.seed(seed)
