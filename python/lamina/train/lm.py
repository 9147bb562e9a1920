"""The language-model loop: random windows of text, next-character cross-entropy, validation
loss and bits per character each epoch, and a sampled continuation at the end."""
from __future__ import annotations

import math
import time

import numpy as np

from .. import no_grad, nn, optim, tensor
from . import datasets
from .loop import _progress, make_optimizer


def lm_loss(model, x, y, loss_fn):
    logits = model(x)
    v = logits.shape[-1]
    return loss_fn(logits.reshape(-1, v), y.reshape(-1))


def evaluate_lm(model, windows, device, batch_size=16):
    """Mean next-character cross-entropy (nats) over the fixed validation windows."""
    xs, ys = windows
    model.eval()
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    total = 0.0
    with no_grad():
        for i in range(0, len(xs), batch_size):
            x = tensor(xs[i:i + batch_size], device=device)
            y = tensor(ys[i:i + batch_size], device=device)
            total += lm_loss(model, x, y, loss_fn).item()
    return total / ys.size


def sample(model, vocab, prompt, length, seq_len, device="cpu", temperature=0.8, seed=0):
    """Continue ``prompt`` by ``length`` characters drawn from the model's softmax (context: the
    last ``seq_len`` characters)."""
    lookup = {c: i for i, c in enumerate(vocab)}
    ids = [lookup[c] for c in prompt if c in lookup] or [0]
    rng = np.random.default_rng(seed)
    model.eval()
    with no_grad():
        for _ in range(length):
            ctx = np.asarray(ids[-seq_len:], dtype=np.int64)[None, :]
            logits = model(tensor(ctx, device=device))[0, -1].to("cpu").numpy().astype(np.float64)
            p = np.exp((logits - logits.max()) / temperature)
            ids.append(int(rng.choice(len(p), p=p / p.sum())))
    return "".join(vocab[i] for i in ids)


def fit_lm(model, train_ids, val_ids, *, epochs, steps, seq_len, batch_size, lr,
           optimizer="adam", weight_decay=0.0, device="cpu", seed=0, progress=True,
           eval_windows=64, log=print, distributed=False):
    """Train on random windows of ``train_ids``; one record per epoch of ``steps`` steps.

    ``distributed``: data-parallel (train/parallel.py): each rank draws its own windows, its
    share of the global ``batch_size``; rank 0 evaluates and logs."""
    model.to(device)
    net, main, local_bs, rank = model, True, batch_size, 0
    if distributed:
        from .. import distributed as dist
        from . import parallel
        rank = dist.get_rank()
        net, main, local_bs = parallel.wrap(model), rank == 0, parallel.local_batch(batch_size)
        progress = progress and main
    rng = np.random.default_rng(seed if rank == 0 else [seed, rank])
    val = datasets.lm_eval_windows(val_ids, seq_len, eval_windows)
    opt = make_optimizer(optimizer, net.parameters(), lr, weight_decay)
    sched = optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(epochs * steps, 1))
    loss_fn = nn.CrossEntropyLoss()
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        loss_sum, t0 = 0.0, time.perf_counter()
        for _ in _progress(range(steps), steps, f"epoch {epoch}", progress):
            xb, yb = datasets.lm_windows(train_ids, seq_len, local_bs, rng)
            opt.zero_grad()
            loss = lm_loss(net, tensor(xb, device=device), tensor(yb, device=device), loss_fn)
            loss.backward()
            opt.step()
            sched.step()
            loss_sum += loss.item()
        elapsed = time.perf_counter() - t0
        if distributed:
            loss_sum = parallel.sum_over_ranks(loss_sum)[0] / dist.get_world_size()
            if not main:
                history.append({"epoch": epoch, "train_loss": loss_sum / max(steps, 1)})
                continue
        val_loss = evaluate_lm(model, val, device)
        rec = {"epoch": epoch, "train_loss": loss_sum / max(steps, 1), "val_loss": val_loss,
               "val_bpc": val_loss / math.log(2),
               "chars_per_s": steps * batch_size * seq_len / elapsed if elapsed > 0 else float("inf")}
        history.append(rec)
        log(f"epoch {epoch:3d}  train loss {rec['train_loss']:.4f}  val loss {val_loss:.4f}  "
            f"val bpc {rec['val_bpc']:.3f}  {rec['chars_per_s']:9.0f} chars/s")
    return history
