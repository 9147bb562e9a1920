"""``mx.mod.Module``: MXNet 1.x's symbolic training loop over lamina tensors.

One device (the first context given). ``bind`` infers every shape from the data (and label)
shapes, ``init_params`` fills the parameters (MXNet's default ``Uniform(0.01)``, or given
``arg_params`` / ``aux_params``), ``init_optimizer`` makes the optimizer with
``rescale_grad = 1 / batch_size`` and the parameter names (so ``wd`` skips biases), and
``fit`` runs MXNet's loop: per batch forward, backward (the loss heads' own gradients, e.g.
SoftmaxOutput's), update, metric; per epoch the train metric, callbacks and the eval data's
score. ``predict`` drops the padded rows of the last batch, ``score`` does not (as MXNet)."""
from __future__ import annotations

import logging
import time

import numpy as np

from .. import _C
from ..autograd.engine import run_backward
from ..autograd.grad_mode import _state as _grad_state
from . import callback as _cb
from . import context as _ctx
from . import initializer as _init
from . import metric as _metric
from . import optimizer as _opt
from .io import DataDesc
from .ndarray import NDArray, _tensor
from .symbol import compile_graph, eval_graph

__all__ = ["Module"]


def _descs(shapes):
    return [s if isinstance(s, DataDesc) else DataDesc(*s) for s in (shapes or [])]


class Module:
    def __init__(self, symbol, data_names=("data",), label_names=("softmax_label",),
                 logger=logging, context=None, work_load_list=None, fixed_param_names=None,
                 state_names=None, group2ctxs=None, compression_params=None):
        if isinstance(context, (list, tuple)):
            context = context[0]
        self._context = context or _ctx.cpu()
        self._device = _ctx.resolve(self._context)
        self._symbol, self.logger = symbol, logger
        args = symbol.list_arguments()
        self._data_names = list(data_names or [])
        self._label_names = [n for n in (label_names or []) if n in args]
        for n in self._data_names:
            if n not in args:
                raise ValueError(f"[Module] data name {n!r} is not an argument of the symbol "
                                 f"({', '.join(args)})")
        inputs = set(self._data_names) | set(label_names or [])
        self._param_names = [n for n in args if n not in inputs]
        self._aux_names = symbol.list_auxiliary_states()
        self._fixed = set(fixed_param_names or [])
        self.binded = self.for_training = self.params_initialized = False
        self.optimizer_initialized = False
        self._arg, self._aux, self._out = {}, {}, None
        self._program = compile_graph(symbol)

    # --- names and shapes -------------------------------------------------------------------
    symbol = property(lambda self: self._symbol)
    data_names = property(lambda self: list(self._data_names))
    label_names = property(lambda self: list(self._label_names))
    output_names = property(lambda self: self._symbol.list_outputs())
    data_shapes = property(lambda self: self._data_shapes)
    label_shapes = property(lambda self: self._label_shapes)
    output_shapes = property(lambda self: list(zip(self.output_names, self._out_shapes)))

    def bind(self, data_shapes, label_shapes=None, for_training=True, inputs_need_grad=False,
             force_rebind=False, shared_module=None, grad_req="write"):
        if self.binded and not force_rebind:
            self.logger.warning("Already bound, ignoring bind()")
            return
        self._data_shapes, self._label_shapes = _descs(data_shapes), _descs(label_shapes)
        known = {d.name: d.shape for d in self._data_shapes + self._label_shapes}
        arg_shapes, out_shapes, aux_shapes = self._symbol.infer_shape(**known)
        if arg_shapes is None:
            raise ValueError(f"[Module] cannot infer the shapes from {known}")
        shapes = dict(zip(self._symbol.list_arguments(), arg_shapes))
        self._shapes = {**shapes, **dict(zip(self._aux_names, aux_shapes))}
        self._out_shapes = out_shapes
        self.for_training = bool(for_training)
        self.binded = True
        for n in self._param_names + self._aux_names:
            if n not in self._arg and n not in self._aux:
                t = _C.full(list(self._shapes[n]), 0.0, _C.DType.float32, self._device)
                (self._aux if n in self._aux_names else self._arg)[n] = t
        for n, t in self._arg.items():
            if self.for_training and n not in self._fixed:
                t.requires_grad_(True)

    # --- parameters -------------------------------------------------------------------------
    def init_params(self, initializer=_init.Uniform(0.01), arg_params=None, aux_params=None,
                    allow_missing=False, force_init=False, allow_extra=False):
        if self.params_initialized and not force_init:
            return
        if not self.binded:
            raise RuntimeError("[Module] call bind before init_params")
        for store, given in ((self._arg, arg_params), (self._aux, aux_params)):
            for name, t in store.items():
                if given is not None and name in given:
                    self._assign(t, given[name], name)
                elif given is not None and not allow_missing:
                    raise RuntimeError(f"[Module] {name} is not presented")
                elif initializer is not None:
                    nd = NDArray(t.detach())
                    _init.create(initializer)(_init.InitDesc(name), nd)
            if given is not None and not allow_extra:
                extra = set(given) - set(store) - set(self._data_names) - set(
                    self._label_names)
                if extra:
                    raise ValueError(f"[Module] unexpected parameters {sorted(extra)}")
        self.params_initialized = True

    def _assign(self, t, value, name):
        v = value._t if isinstance(value, NDArray) else _tensor(np.asarray(value), t.device,
                                                                np.float32)
        if tuple(v.shape) != tuple(t.shape):
            raise ValueError(f"[Module] {name} has shape {tuple(v.shape)}, expected "
                             f"{tuple(t.shape)}")
        _C.copy_(t.detach(), v.detach().to(t.device))

    def get_params(self):
        def copy(d):
            return {k: NDArray(_C.clone(v.detach()).cpu()) for k, v in d.items()}
        return copy(self._arg), copy(self._aux)

    def set_params(self, arg_params, aux_params, allow_missing=False, force_init=True,
                   allow_extra=False):
        self.init_params(None, arg_params, aux_params, allow_missing, force_init, allow_extra)

    # --- optimizer --------------------------------------------------------------------------
    def init_optimizer(self, kvstore="local", optimizer="sgd",
                       optimizer_params=(("learning_rate", 0.01),), force_init=False):
        if self.optimizer_initialized and not force_init:
            return
        params = dict(optimizer_params)
        batch = self._data_shapes[0].shape[0]
        idx2name = dict(enumerate(self._param_names))
        if isinstance(optimizer, str):
            params.setdefault("rescale_grad", 1.0 / batch)
            optimizer = _opt.create(optimizer, param_idx2name=idx2name, **params)
        self._optimizer = optimizer
        self._states = [optimizer.create_state(i, self._arg[n])
                        for i, n in enumerate(self._param_names)]
        self.optimizer_initialized = True

    # --- one batch --------------------------------------------------------------------------
    def _feed(self, batch):
        values = dict(self._arg)
        values.update(self._aux)
        for name, arr in zip(self._data_names, batch.data):
            values[name] = arr._t.to(self._device) if arr._t.device != self._device else arr._t
        labels = batch.label or []
        for name, arr in zip(self._label_names, labels):
            values[name] = arr._t.to(self._device) if arr._t.device != self._device else arr._t
        n = int(values[self._data_names[0]].shape[0])
        for name in self._label_names:  # inference without labels: SoftmaxOutput ignores them
            if name not in values:
                shape = [n] + list(self._shapes[name][1:])
                values[name] = _C.full(shape, 0.0, _C.DType.float32, self._device)
        return values

    def forward(self, data_batch, is_train=None):
        is_train = self.for_training if is_train is None else bool(is_train)
        values = self._feed(data_batch)
        prev = _grad_state.enabled
        _grad_state.enabled = is_train and self.for_training
        try:
            self._out = eval_graph(self._symbol, values, is_train, self._program)
        finally:
            _grad_state.enabled = prev

    def backward(self, out_grads=None):
        out = self._out
        if out is None or not out.requires_grad:
            raise RuntimeError("[Module] backward needs a forward with is_train=True")
        g = (out_grads[0]._t if isinstance(out_grads, (list, tuple)) else out_grads._t) \
            if out_grads is not None else _C.full(list(out.shape), 1.0, out.dtype, out.device)
        for t in self._arg.values():
            t.grad = None
        run_backward([out], [g])

    def forward_backward(self, data_batch):
        self.forward(data_batch, is_train=True)
        self.backward()

    def update(self):
        for i, n in enumerate(self._param_names):
            t = self._arg[n]
            if t.grad is not None and n not in self._fixed:
                self._optimizer.update(i, t, t.grad, self._states[i])

    def get_outputs(self, merge_multi_context=True):
        return [NDArray(self._out.detach())]

    def get_input_grads(self, merge_multi_context=True):
        raise NotImplementedError("[Module] inputs_need_grad is not supported")

    def update_metric(self, eval_metric, labels, pre_sliced=False):
        eval_metric.update(labels, self.get_outputs())

    # --- loops ------------------------------------------------------------------------------
    def fit(self, train_data, eval_data=None, eval_metric="acc", epoch_end_callback=None,
            batch_end_callback=None, kvstore="local", optimizer="sgd",
            optimizer_params=(("learning_rate", 0.01),), eval_end_callback=None,
            eval_batch_end_callback=None, initializer=_init.Uniform(0.01), arg_params=None,
            aux_params=None, allow_missing=False, force_rebind=False, force_init=False,
            begin_epoch=0, num_epoch=None, validation_metric=None, monitor=None,
            sparse_row_id_fn=None):
        if num_epoch is None:
            raise ValueError("[Module] please specify number of epochs")
        self.bind(train_data.provide_data, train_data.provide_label, for_training=True,
                  force_rebind=force_rebind)
        self.init_params(initializer, arg_params, aux_params, allow_missing, force_init)
        self.init_optimizer(kvstore, optimizer, optimizer_params)
        validation_metric = validation_metric or eval_metric
        eval_metric = _metric.create(eval_metric)
        for epoch in range(begin_epoch, num_epoch):
            tic = time.time()
            eval_metric.reset()
            for nbatch, batch in enumerate(train_data):
                self.forward_backward(batch)
                self.update()
                self.update_metric(eval_metric, batch.label)
                for cb in _listify(batch_end_callback):
                    cb(_cb.BatchEndParam(epoch, nbatch, eval_metric, locals()))
            for name, val in eval_metric.get_name_value():
                self.logger.info("Epoch[%d] Train-%s=%f", epoch, name, val)
            self.logger.info("Epoch[%d] Time cost=%.3f", epoch, time.time() - tic)
            arg, aux = self.get_params()
            for cb in _listify(epoch_end_callback):
                cb(epoch, self._symbol, arg, aux)
            if eval_data is not None:
                res = self.score(eval_data, validation_metric,
                                 batch_end_callback=eval_batch_end_callback,
                                 score_end_callback=eval_end_callback, epoch=epoch)
                for name, val in res:
                    self.logger.info("Epoch[%d] Validation-%s=%f", epoch, name, val)
            train_data.reset()

    def _batches(self, data, num_batch, reset):
        if reset:
            data.reset()
        for nbatch, batch in enumerate(data):
            if num_batch is not None and nbatch == num_batch:
                break
            yield nbatch, batch

    def score(self, eval_data, eval_metric, num_batch=None, batch_end_callback=None,
              score_end_callback=None, reset=True, epoch=0, sparse_row_id_fn=None):
        eval_metric = _metric.create(eval_metric)
        eval_metric.reset()
        for nbatch, batch in self._batches(eval_data, num_batch, reset):
            self.forward(batch, is_train=False)
            self.update_metric(eval_metric, batch.label)
            for cb in _listify(batch_end_callback):
                cb(_cb.BatchEndParam(epoch, nbatch, eval_metric, locals()))
        for cb in _listify(score_end_callback):
            cb(_cb.BatchEndParam(epoch, nbatch, eval_metric, locals()))
        return eval_metric.get_name_value()

    def predict(self, eval_data, num_batch=None, merge_batches=True, reset=True,
                always_output_list=False, sparse_row_id_fn=None):
        outs = []
        for _, batch in self._batches(eval_data, num_batch, reset):
            self.forward(batch, is_train=False)
            out = self._out
            keep = int(out.shape[0]) - (batch.pad or 0)
            outs.append(out.detach().narrow(0, 0, keep).cpu().numpy())
        if not outs:
            return []
        from .ndarray import array
        if merge_batches:
            res = array(np.concatenate(outs), ctx=self._context)
            return [res] if always_output_list else res
        return [[array(o, ctx=self._context)] for o in outs]


def _listify(x):
    if x is None:
        return []
    return x if isinstance(x, (list, tuple)) else [x]
