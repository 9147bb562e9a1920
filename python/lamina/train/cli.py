"""``lamina train TASK --model NAME``: the training jobs of the command line."""
from __future__ import annotations

import time

HELP = "train a model on bundled real data (e.g. lamina train digits --model mlp)"

TASKS = {"digits": {"models": ("mlp",), "epochs": 30, "batch_size": 64, "lr": 2e-3}}


def add_arguments(parser):
    parser.add_argument("task", choices=sorted(TASKS), help="what to train on")
    parser.add_argument("--model", default=None, help="model name (digits: mlp)")
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--lr", type=float, default=None)
    parser.add_argument("--optimizer", default="adam", choices=("sgd", "adam", "adamw"))
    parser.add_argument("--weight-decay", type=float, default=0.0)
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N]")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--save", default=None, metavar="PATH",
                        help="write the trained state_dict (safetensors) to PATH")
    parser.add_argument("--no-progress", action="store_true", help="no progress bars")


def run(args) -> int:
    import lamina

    from . import datasets, loop, models

    spec = TASKS[args.task]
    model_name = args.model or spec["models"][0]
    if model_name not in spec["models"]:
        raise SystemExit(f"lamina train {args.task}: unknown model {model_name!r} "
                         f"(choose from {', '.join(spec['models'])})")
    if args.device.startswith("cuda") and not lamina.cuda.is_available():
        raise SystemExit(f"lamina train: --device {args.device} needs CUDA, but "
                         f"{lamina.cuda.unavailable_reason()}")
    loop.seed_everything(args.seed)
    train, test = getattr(datasets, args.task)(seed=args.seed)
    model = models.MODELS[model_name]()
    epochs = args.epochs if args.epochs is not None else spec["epochs"]
    print(f"lamina train {args.task} --model {model_name}: {len(train[1])} train / "
          f"{len(test[1])} test images, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{epochs} epochs on {args.device}")
    t0 = time.perf_counter()
    history = loop.fit(model, train, test, epochs=epochs,
                       batch_size=args.batch_size or spec["batch_size"], lr=args.lr or spec["lr"],
                       optimizer=args.optimizer, weight_decay=args.weight_decay,
                       device=args.device, seed=args.seed, progress=not args.no_progress)
    final = history[-1] if history else {"test_acc": float("nan")}
    print(f"done in {time.perf_counter() - t0:.1f} s: test accuracy {100 * final['test_acc']:.2f}%")
    if args.save:
        lamina.save(model.state_dict(), args.save)
        print(f"saved the state_dict to {args.save}")
    return 0
