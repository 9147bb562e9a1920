"""``lamina train TASK --model NAME``: the training jobs of the command line.

    lamina train digits --model mlp|cnn          scikit-learn's 8x8 digits, test accuracy
    lamina train chars --model lstm|transformer  character LM on Python's own docs, val loss + bpc
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


def _setting(args, spec, model_name, key):
    value = getattr(args, key, None)
    if value is not None:
        return value
    return spec.get("per_model", {}).get(model_name, {}).get(key, spec.get(key))


def run(args) -> int:
    import lamina

    from . import loop

    spec = TASKS[args.task]
    model_name = args.model or spec["models"][0]
    if model_name not in spec["models"]:
        raise SystemExit(f"lamina train {args.task}: unknown model {model_name!r} "
                         f"(choose from {', '.join(spec['models'])})")
    if args.device.startswith("cuda") and not lamina.cuda.is_available():
        raise SystemExit(f"lamina train: --device {args.device} needs CUDA, but "
                         f"{lamina.cuda.unavailable_reason()}")
    loop.seed_everything(args.seed)
    get = lambda key: _setting(args, spec, model_name, key)  # noqa: E731
    t0 = time.perf_counter()
    model = _run_chars(args, get, model_name) if args.task == "chars" else \
        _run_digits(args, get, model_name)
    print(f"done in {time.perf_counter() - t0:.1f} s")
    if args.save:
        lamina.save(model.state_dict(), args.save)
        print(f"saved the state_dict to {args.save}")
    return 0


def _run_digits(args, get, model_name):
    from . import datasets, loop, models

    train, test = datasets.digits(seed=args.seed)
    model = models.MODELS[model_name]()
    epochs = get("epochs")
    print(f"lamina train digits --model {model_name}: {len(train[1])} train / "
          f"{len(test[1])} test images, {sum(p.numel() for p in model.parameters())} parameters, "
          f"{epochs} epochs on {args.device}")
    history = loop.fit(model, train, test, epochs=epochs, batch_size=get("batch_size"),
                       lr=get("lr"), optimizer=args.optimizer, weight_decay=args.weight_decay,
                       device=args.device, seed=args.seed, progress=not args.no_progress)
    final = history[-1] if history else {"test_acc": float("nan")}
    print(f"final test accuracy {100 * final['test_acc']:.2f}%")
    return model


def _run_chars(args, get, model_name):
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
                        progress=not args.no_progress)
    if history:
        print(f"final validation loss {history[-1]['val_loss']:.4f} "
              f"({history[-1]['val_bpc']:.3f} bits per character)")
    if args.sample > 0:
        text = lm.sample(model, vocab, "The ", args.sample, seq_len, device=args.device,
                         seed=args.seed)
        print("sample:\n" + text)
    return model
