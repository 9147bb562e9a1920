"""``lamina train TASK --model NAME``: the training jobs of the command line.

    lamina train digits --model mlp|cnn          scikit-learn's 8x8 digits, test accuracy
    lamina train chars --model lstm|transformer  character LM on Python's own docs, val loss + bpc

Data-parallel: ``mpiexec -n 2 lamina train digits --model cnn`` (any MPI launcher; or
``--distributed``) trains on every rank with DistributedDataParallel: ``--batch-size`` stays the
global batch, split over the ranks; rank 0 prints and saves. cpu tensors go through MPI; with
``--device cuda`` each rank takes the GPU of its local rank and gradients go through NCCL. An
error on any rank ends the whole job (lamina.distributed.launch).
"""
from __future__ import annotations

import time

HELP = "train a model on bundled real data (e.g. lamina train digits --model cnn)"

# Defaults per task and model: the models are small enough to train in well under a minute on
# two cores, and large enough to show real learning.
TASKS = {
    "digits": {"models": ("mlp", "cnn"), "epochs": 30, "batch_size": 64, "lr": 2e-3,
               "per_model": {"cnn": {"epochs": 15}}},
    "chars": {"models": ("lstm", "transformer"), "epochs": 4, "batch_size": 32, "lr": 3e-3,
              "steps": 150, "seq_len": 64,
              "per_model": {"transformer": {"lr": 1e-3}}},
}


def add_arguments(parser):
    parser.add_argument("task", choices=sorted(TASKS), help="what to train on")
    parser.add_argument("--model", default=None,
                        help="model name (digits: mlp, cnn; chars: lstm, transformer)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--steps", type=int, default=None, help="chars: training steps per epoch")
    parser.add_argument("--seq-len", type=int, default=None, help="chars: characters per window")
    parser.add_argument("--sample", type=int, default=200, metavar="N",
                        help="chars: characters to sample at the end (0: none)")
    parser.add_argument("--optimizer", default="adam", choices=("sgd", "adam", "adamw"))
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, metavar="PATH",
                        help="write the trained state_dict (safetensors) to PATH")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")
    parser.add_argument("--distributed", action="store_true",
                        help="data-parallel over the ranks of an MPI job (on by default when "
                             "mpiexec started more than one rank)")


def _setting(args, spec, model_name, key):
    value = getattr(args, key, None)
    if value is not None:
        return value
    return spec.get("per_model", {}).get(model_name, {}).get(key, spec.get(key))


def run(args) -> int:
    from .. import distributed as dist

    if args.distributed or dist.env_world_size() > 1:
        return dist.run_guarded(_run_distributed, args)
    return _run(args)


def _run_distributed(args) -> int:
    import os

    import lamina
    from .. import cuda, distributed as dist

    if "OMP_NUM_THREADS" not in os.environ:  # the ranks of a machine share its cores
        cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        lamina.set_num_threads(max(1, (cpus or 1) // dist.env_local_size()))

    cuda_ = args.device.startswith("cuda")
    if cuda_ and args.device != "cuda":
        raise SystemExit("lamina train --distributed: pass --device cuda (each rank takes the "
                         "GPU of its local rank), not a device index")
    if cuda_ and cuda.is_available():
        args.device = f"cuda:{dist.env_local_rank() % cuda.device_count()}"
    dist.init_process_group("nccl" if cuda_ and cuda.is_available() else "mpi")
    rank, world = dist.get_rank(), dist.get_world_size()
    if rank == 0:
        print(f"data-parallel on {world} ranks ({dist.get_backend()}), global batch split "
              "evenly; rank 0 reports")
    code = _run(args, rank=rank, distributed=True)
    dist.barrier()
    return code


def _run(args, rank=0, distributed=False) -> int:
    import builtins

    import lamina

    from . import loop

    print = builtins.print if rank == 0 else (lambda *a, **k: None)  # noqa: A001
    spec = TASKS[args.task]
    model_name = args.model or spec["models"][0]
    if model_name not in spec["models"]:
        raise SystemExit(f"lamina train {args.task}: unknown model {model_name!r} "
                         f"(choose from {', '.join(spec['models'])})")
    if args.device.startswith("cuda") and not lamina.cuda.is_available():
        raise SystemExit(f"lamina train: --device {args.device} needs CUDA, but "
                         f"{lamina.cuda.unavailable_reason()}")
    loop.seed_everything(args.seed + rank)  # dropout differs per rank; weights come from rank 0
    get = lambda key: _setting(args, spec, model_name, key)  # noqa: E731
    t0 = time.perf_counter()
    run_task = _run_chars if args.task == "chars" else _run_digits
    model = run_task(args, get, model_name, print, distributed)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    if args.save and rank == 0:
        lamina.save(model.state_dict(), args.save)
        print(f"saved the state_dict to {args.save}")
    return 0


def _run_digits(args, get, model_name, print, distributed):
    from . import datasets, loop, models

    train, test = datasets.digits(seed=args.seed)
    model = models.MODELS[model_name]()
    epochs = get("epochs")
    print(f"lamina train digits --model {model_name}: {len(train[1])} train / "
          f"{len(test[1])} test images, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{epochs} epochs on {args.device}")
    history = loop.fit(model, train, test, epochs=epochs, batch_size=get("batch_size"),
                       lr=get("lr"), optimizer=args.optimizer, weight_decay=args.weight_decay,
                       device=args.device, seed=args.seed, progress=not args.no_progress,
                       log=print, distributed=distributed)
    final = history[-1] if history else {}
    print(f"final test accuracy {100 * final.get('test_acc', float('nan')):.2f}%")
    return model


def _run_chars(args, get, model_name, print, distributed):
    from . import datasets, lm, models

    train_ids, val_ids, vocab = datasets.chars()
    seq_len = get("seq_len")
    model = models.MODELS[model_name](len(vocab), seq_len=seq_len)
    epochs, steps = get("epochs"), get("steps")
    print(f"lamina train chars --model {model_name}: {len(train_ids)} train / {len(val_ids)} "
          f"validation characters, vocabulary {len(vocab)}, "
          f"{sum(p.numel() for p in model.parameters())} parameters, {epochs} epochs of {steps} "
          f"steps on {args.device}")
    history = lm.fit_lm(model, train_ids, val_ids, epochs=epochs, steps=steps, seq_len=seq_len,
                        batch_size=get("batch_size"), lr=get("lr"), optimizer=args.optimizer,
                        weight_decay=args.weight_decay, device=args.device, seed=args.seed,
                        progress=not args.no_progress, log=print, distributed=distributed)
    if history and "val_loss" in history[-1]:
        print(f"final validation loss {history[-1]['val_loss']:.4f} "
              f"({history[-1]['val_bpc']:.3f} bits per character)")
    rank0 = not distributed or bool(history and "val_loss" in history[-1])
    if args.sample > 0 and rank0:
        text = lm.sample(model, vocab, "The ", args.sample, seq_len, device=args.device,
                         seed=args.seed)
        print("sample:\n" + text)
    return model
