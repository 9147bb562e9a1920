"""Keras's training API on a Model: compile, fit (with History, callbacks, validation and a
progress line), evaluate, predict, the *_on_batch steps, and save_weights / load_weights
(.npz by default, safetensors for a .safetensors path).

A train step is lamina's: forward with training=True, the compiled loss (summed over the
outputs, times loss_weights), backward on the tape, then the Keras optimizer's update of the
trainable weights. The loss reported per epoch is the batch losses' mean weighted by batch
size, as Keras's loss tracker; metrics are running means over the epoch's samples."""
from __future__ import annotations

import sys
import time

import numpy as np

from .. import _C
from .. import creation as _creation
from ..autograd.grad_mode import no_grad
from . import callbacks as _callbacks
from . import losses as _losses
from . import metrics as _metrics
from . import optimizers as _optimizers
from . import saving as _saving
from ._core import flatten, to_tensor

Tensor = _C.Tensor


def _n(x):
    return int(flatten(x)[0].shape[0])


def _take(x, idx, start, stop, device):
    """Rows [start, stop) of every array in x (through the permutation idx when given)."""
    def one(a):
        if a is None:
            return None
        if isinstance(a, Tensor):
            if idx is None:
                t = a.narrow(0, start, stop - start)
            else:
                t = a.index_select(0, _creation.tensor(idx[start:stop], device=a.device))
        else:
            a = np.asarray(a)
            t = to_tensor(a[start:stop] if idx is None else a[idx[start:stop]])
        return t if device is None or t.device == device else t.to(device)
    if isinstance(x, (list, tuple)):
        return [one(a) for a in x]
    if isinstance(x, dict):
        return {k: one(a) for k, a in x.items()}
    return one(x)


def _split(x, at):
    def head(a):
        return a[:at] if not isinstance(a, Tensor) else a.narrow(0, 0, at)

    def tail(a):
        n = int(a.shape[0])
        return a[at:] if not isinstance(a, Tensor) else a.narrow(0, at, n - at)
    if isinstance(x, (list, tuple)):
        return [head(a) for a in x], [tail(a) for a in x]
    if isinstance(x, dict):
        return {k: head(a) for k, a in x.items()}, {k: tail(a) for k, a in x.items()}
    return head(x), tail(x)


class _Progress:
    """Keras's progress line: ``4/4 ━━━━━━━━━━━━━━━━━━━━ 0s 3ms/step - loss: 0.6931``."""

    def __init__(self, steps, verbose):
        self.steps, self.verbose, self.start = steps, verbose, time.perf_counter()
        self.tty = sys.stdout.isatty()

    def update(self, step, logs, final=False):
        if self.verbose == 0 or (self.verbose == 2 and not final):
            return
        if not final and not self.tty:
            return
        elapsed = time.perf_counter() - self.start
        per = elapsed / max(step, 1)
        items = " - ".join(f"{k}: {v:.4f}" for k, v in logs.items())
        if self.verbose == 2:
            line = f"{step}/{self.steps} - {elapsed:.0f}s - {per * 1e3:.0f}ms/step - {items}"
        else:
            done = int(20 * step / max(self.steps, 1))
            bar = "━" * done + " " * (20 - done)
            line = f"{step}/{self.steps} {bar} {elapsed:.0f}s {per * 1e3:.0f}ms/step - {items}"
        sys.stdout.write(("\r" if self.tty else "") + line + ("\n" if final else ""))
        sys.stdout.flush()


class Trainer:
    def __init__(self):
        self.optimizer = None
        self.compiled = False
        self.stop_training = False
        self.history = None

    # --- compile ---------------------------------------------------------------------------

    def compile(self, optimizer="rmsprop", loss=None, loss_weights=None, metrics=None,
                weighted_metrics=None, run_eagerly=False, steps_per_execution=1,
                jit_compile="auto", auto_scale_loss=True):
        """Optimizer, loss(es) and metrics by name or object. Several outputs: ``loss`` one
        for all, a list, or a dict by output name; ``metrics`` applies to the first output
        (a list of lists per output is accepted)."""
        self.optimizer = _optimizers.get(optimizer)
        outputs = getattr(self, "outputs", None) or [None]
        names = [getattr(t, "name", None) for t in outputs]
        if isinstance(loss, dict):
            loss = [loss.get(n) for n in names]
        if isinstance(loss, (list, tuple)):
            self._losses = [None if lo is None else _losses.get(lo) for lo in loss]
        else:
            self._losses = [None if loss is None else _losses.get(loss)] * len(outputs)
        if isinstance(loss_weights, dict):
            loss_weights = [loss_weights.get(n, 1.0) for n in names]
        self._loss_weights = list(loss_weights) if loss_weights else [1.0] * len(self._losses)
        metrics = metrics or []
        if metrics and isinstance(metrics[0], (list, tuple)):
            per = [list(m) for m in metrics]
        else:
            per = [list(metrics)] + [[] for _ in self._losses[1:]]
        self._metrics = [[_metrics.get(m, lo) for m in ms] for ms, lo in zip(per, self._losses)]
        self._loss_tracker = _metrics.Mean("loss")
        # several outputs: Keras also logs each output's (unweighted) loss as '<output>_loss'
        # and names its metrics '<output>_<metric>'
        self._out_trackers = [None] * len(self._losses)
        if len(self._losses) > 1:
            names = [n or f"output_{i}" for i, n in enumerate(names)]
            self._out_trackers = [None if lo is None else _metrics.Mean(f"{n}_loss")
                                  for n, lo in zip(names, self._losses)]
            for n, ms in zip(names, self._metrics):
                for m in ms:
                    m.name = f"{n}_{m.name}"
        self.compiled = True

    def _need_compiled(self, what):
        if not self.compiled:
            raise RuntimeError(f"[Model] '{self.name}' must be compiled before {what}()")

    def _compute_loss(self, y, y_pred, sample_weight=None):
        ys, preds = (flatten(y) if isinstance(y, (list, tuple, dict)) else [y]), \
            (flatten(y_pred) if isinstance(y_pred, (list, tuple, dict)) else [y_pred])
        total = None
        self._last_losses = []
        for lo, w, t, p in zip(self._losses, self._loss_weights, ys, preds):
            if lo is None:
                continue
            v = lo(t, p) if sample_weight is None else lo(t, p, sample_weight)
            self._last_losses.append(v)
            v = v if w == 1.0 else v * w
            total = v if total is None else total + v
        if total is None:
            raise ValueError(f"[Model] '{self.name}' was compiled without a loss")
        return total, ys, preds

    def _update_metrics(self, ys, preds, n):
        for tracker, v in zip([t for t in self._out_trackers if t is not None],
                              self._last_losses if len(self._losses) > 1 else []):
            tracker.update_state(v.detach(), n)
        with no_grad():
            for ms, t, p in zip(self._metrics, ys, preds):
                for m in ms:
                    m.update_state(t, p.detach())

    def _logs(self, prefix=""):
        logs = {prefix + "loss": self._loss_tracker.result()}
        for t in self._out_trackers:
            if t is not None:
                logs[prefix + t.name] = t.result()
        for ms in self._metrics:
            for m in ms:
                logs[prefix + m.name] = m.result()
        return logs

    def _reset(self):
        self._loss_tracker.reset_state()
        for t in self._out_trackers:
            if t is not None:
                t.reset_state()
        for ms in self._metrics:
            for m in ms:
                m.reset_state()

    def _model_device(self, x=None):
        """Where batches go: the device of lamina tensors given as data (the model follows
        them), else the device of the model's weights (``model.to('cuda')``)."""
        first = next((a for a in flatten(x) if isinstance(a, Tensor)), None) \
            if x is not None else None
        if first is not None:
            return first.device
        ws = self.weights
        return ws[0].device if ws else None

    # --- steps -----------------------------------------------------------------------------

    def _train_step(self, x, y, sample_weight=None):
        params = self.trainable_weights
        for p in params:
            p.grad = None
        y_pred = self(x, training=True)
        loss, ys, preds = self._compute_loss(y, y_pred, sample_weight)
        loss.backward()
        self.optimizer.apply(self.trainable_weights)
        self._loss_tracker.update_state(loss.detach(), _n(x))
        self._update_metrics(ys, preds, _n(x))
        return loss

    def _test_step(self, x, y):
        with no_grad():
            y_pred = self(x, training=False)
            loss, ys, preds = self._compute_loss(y, y_pred)
        self._loss_tracker.update_state(loss, _n(x))
        self._update_metrics(ys, preds, _n(x))

    def train_on_batch(self, x, y=None, sample_weight=None, class_weight=None,
                       return_dict=False):
        self._need_compiled("train_on_batch")
        dev = self._model_device(x)
        self._reset()
        self._train_step(_take(x, None, 0, _n(x), dev), _take(y, None, 0, _n(x), dev))
        return self._result(return_dict)

    def test_on_batch(self, x, y=None, sample_weight=None, return_dict=False):
        self._need_compiled("test_on_batch")
        dev = self._model_device(x)
        self._reset()
        self._test_step(_take(x, None, 0, _n(x), dev), _take(y, None, 0, _n(x), dev))
        return self._result(return_dict)

    def predict_on_batch(self, x):
        with no_grad():
            out = self(_take(x, None, 0, _n(x), self._model_device(x)), training=False)
        return _to_numpy(out)

    def _result(self, return_dict):
        logs = self._logs()
        if return_dict:
            return logs
        vals = list(logs.values())
        return vals[0] if len(vals) == 1 else vals

    # --- fit / evaluate / predict ----------------------------------------------------------

    def fit(self, x=None, y=None, batch_size=None, epochs=1, verbose="auto", callbacks=None,
            validation_split=0.0, validation_data=None, shuffle=True, class_weight=None,
            sample_weight=None, initial_epoch=0, steps_per_epoch=None, validation_steps=None,
            validation_batch_size=None, validation_freq=1):
        """Keras's fit on arrays (numpy or lamina; lists or dicts for several inputs or
        outputs). validation_split takes the last fraction of the samples before shuffling,
        as Keras. Returns the History."""
        self._need_compiled("fit")
        if steps_per_epoch:
            raise NotImplementedError("[Model.fit] steps_per_epoch is not supported")
        sample_weight = _weights(y, sample_weight, class_weight)
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        if validation_data is None and validation_split:
            at = int(_n(x) * (1.0 - validation_split))
            (x, vx), (y, vy) = _split(x, at), _split(y, at)
            if sample_weight is not None:
                sample_weight = sample_weight[:at]
            validation_data = (vx, vy)
        n = _n(x)
        steps = -(-n // batch_size)
        history = _callbacks.History()
        cbs = [history] + list(callbacks or [])
        params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        for cb in cbs:
            cb.set_model(self)
            cb.set_params(params)
        self.stop_training = False
        for cb in cbs:
            cb.on_train_begin()
        rng = np.random.default_rng(int(_creation.randint(0, 2**31 - 1, (1,)).item()))
        for epoch in range(initial_epoch, epochs):
            for cb in cbs:
                cb.on_epoch_begin(epoch)
            if verbose:
                print(f"Epoch {epoch + 1}/{epochs}")
            self._reset()
            dev = self._model_device(x)
            idx = rng.permutation(n) if shuffle else None
            bar = _Progress(steps, verbose)
            for step in range(steps):
                s, e = step * batch_size, min(n, (step + 1) * batch_size)
                for cb in cbs:
                    cb.on_train_batch_begin(step)
                sw = None if sample_weight is None else _take(sample_weight, idx, s, e, dev)
                self._train_step(_take(x, idx, s, e, dev), _take(y, idx, s, e, dev), sw)
                dev = dev or self._model_device()
                logs = self._logs()
                for cb in cbs:
                    cb.on_train_batch_end(step, logs)
                bar.update(step + 1, logs)
            logs = self._logs()
            if validation_data is not None and (epoch + 1) % validation_freq == 0:
                vx, vy = validation_data[0], validation_data[1]
                val = self.evaluate(vx, vy, batch_size=validation_batch_size or batch_size,
                                    verbose=0, return_dict=True)
                logs.update({"val_" + k: v for k, v in val.items()})
            bar.update(steps, logs, final=True)
            for cb in cbs:
                cb.on_epoch_end(epoch, logs)
            if self.stop_training:
                break
        for cb in cbs:
            cb.on_train_end()
        self.history = history
        return history

    def evaluate(self, x=None, y=None, batch_size=None, verbose="auto", sample_weight=None,
                 steps=None, callbacks=None, return_dict=False):
        self._need_compiled("evaluate")
        verbose = 1 if verbose == "auto" else int(verbose)
        batch_size = batch_size or 32
        n = _n(x)
        nsteps = -(-n // batch_size)
        self._reset()
        dev = self._model_device(x)
        bar = _Progress(nsteps, verbose)
        for step in range(nsteps):
            s, e = step * batch_size, min(n, (step + 1) * batch_size)
            self._test_step(_take(x, None, s, e, dev), _take(y, None, s, e, dev))
            bar.update(step + 1, self._logs())
        bar.update(nsteps, self._logs(), final=True)
        return self._result(return_dict)

    def predict(self, x, batch_size=None, verbose="auto", steps=None, callbacks=None):
        """The outputs as numpy arrays (a list for several outputs), in batches."""
        batch_size = batch_size or 32
        n = _n(x)
        dev = self._model_device(x)
        outs = []
        with no_grad():
            for s in range(0, n, batch_size):
                out = self(_take(x, None, s, min(n, s + batch_size), dev), training=False)
                outs.append(_to_numpy(out))
                dev = dev or self._model_device()
        if isinstance(outs[0], list):
            return [np.concatenate([o[i] for o in outs]) for i in range(len(outs[0]))]
        return np.concatenate(outs)

    # --- weights files ---------------------------------------------------------------------

    def save_weights(self, filepath, overwrite=True):
        """get_weights() to ``filepath``: safetensors for a .safetensors path, else .npz."""
        _saving.save_weights(self, filepath, overwrite)

    def load_weights(self, filepath):
        _saving.load_weights(self, filepath)


def _weights(y, sample_weight, class_weight):
    """Per-sample weights (float32 numpy) from sample_weight and / or class_weight (a dict
    class -> weight, looked up by the integer label, or the argmax of a one-hot label)."""
    if sample_weight is None and class_weight is None:
        return None
    w = None if sample_weight is None else np.asarray(sample_weight, np.float32).copy()
    if class_weight is not None:
        if isinstance(y, (list, tuple, dict)):
            raise NotImplementedError("[Model.fit] class_weight with several outputs")
        labels = np.asarray(y.cpu().numpy() if isinstance(y, Tensor) else y)
        if labels.ndim > 1 and labels.shape[-1] > 1:
            labels = labels.argmax(-1)
        labels = labels.reshape(len(labels), -1)[:, 0].astype(np.int64)
        cw = np.array([class_weight.get(int(c), 1.0) for c in labels], np.float32)
        w = cw if w is None else w * cw
    return w


def _to_numpy(out):
    if isinstance(out, (list, tuple)):
        return [_to_numpy(o) for o in out]
    return np.array(out.detach().cpu().numpy(), copy=True)
