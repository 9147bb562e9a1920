"""``mx.optimizer``: MXNet 1.x's SGD, with its update rule and its defaults.

    grad = rescale_grad * grad (clipped to +-clip_gradient when set)
    momentum == 0: weight -= lr * (grad + wd * weight)
    momentum > 0:  mom = momentum * mom - lr * (grad + wd * weight); weight += mom

``wd`` applies only to parameters whose names end with ``_weight`` or ``_gamma`` (MXNet's
``set_wd_mult`` default when the names are known). Without clipping, the update runs as one
fused lamina kernel per parameter (``_C.sgd_step``: the momentum state is kept divided by
-lr * rescale_grad, which is the same recurrence); with clipping it is composed."""
from __future__ import annotations

from .. import _C

__all__ = ["Optimizer", "SGD", "create", "register"]

_REGISTRY = {}


def register(cls):
    _REGISTRY[cls.__name__.lower()] = cls
    return cls


class Optimizer:
    def __init__(self, rescale_grad=1.0, param_idx2name=None, wd=0.0, clip_gradient=None,
                 learning_rate=0.01, lr_scheduler=None, sym=None, begin_num_update=0,
                 multi_precision=False, param_dict=None):
        if lr_scheduler is not None:
            raise ValueError("[Optimizer] lr_scheduler is not supported by lamina.mx")
        self.rescale_grad, self.wd, self.lr = float(rescale_grad), float(wd), float(
            learning_rate)
        self.clip_gradient = None if clip_gradient is None else float(clip_gradient)
        self.idx2name = dict(param_idx2name or {})
        self.num_update = begin_num_update
        self.set_wd_mult({})
        self.lr_mult = {}

    @property
    def learning_rate(self):
        return self.lr

    def set_learning_rate(self, lr):
        self.lr = float(lr)

    def set_wd_mult(self, args_wd_mult):
        self.wd_mult = {n: 0.0 for n in self.idx2name.values()
                        if not (n.endswith("_weight") or n.endswith("_gamma"))}
        self.wd_mult.update(args_wd_mult)

    def set_lr_mult(self, args_lr_mult):
        self.lr_mult = dict(args_lr_mult)

    def _get_wd(self, index):
        return self.wd * self.wd_mult.get(self.idx2name.get(index, index), 1.0)

    def _get_lr(self, index):
        return self.lr * self.lr_mult.get(self.idx2name.get(index, index), 1.0)

    def create_state(self, index, weight):
        return None

    def update(self, index, weight, grad, state):
        raise NotImplementedError


@register
class SGD(Optimizer):
    def __init__(self, momentum=0.0, lazy_update=True, **kwargs):
        super().__init__(**kwargs)
        self.momentum = float(momentum)

    def create_state(self, index, weight):
        if self.momentum == 0.0:
            return None
        t = weight._t if hasattr(weight, "_t") else weight
        return _C.full(list(t.shape), 0.0, t.dtype, t.device)

    def update(self, index, weight, grad, state):
        """One step on lamina tensors (or NDArrays) ``weight`` (in place), ``grad``. Only
        ``_C`` kernels run here: nothing is recorded on the tape."""
        w = weight if isinstance(weight, _C.Tensor) else weight._t
        g = grad if isinstance(grad, _C.Tensor) else grad._t
        s = state if state is None or isinstance(state, _C.Tensor) else state._t
        lr, wd, r = self._get_lr(index), self._get_wd(index), self.rescale_grad
        self.num_update += 1
        if self.clip_gradient is None:
            # torch's rule on (grad + wd / r * w) with lr * r is MXNet's rule on r * grad
            _C.sgd_step(w, g, s, lr * r, self.momentum, 0.0, wd / r, False, False, False)
            return
        g = _C.clamp(_C.mul(g, r), -self.clip_gradient, self.clip_gradient)
        step = _C.add(g, _C.mul(w, wd))
        if s is None:
            _C.sub_(w, _C.mul(step, lr))
        else:  # s holds MXNet's mom / (-lr * r) like the fused path
            _C.mul_(s, self.momentum)
            _C.add_(s, _C.mul(step, 1.0 / r))
            _C.sub_(w, _C.mul(s, lr * r))


def create(name, **kwargs):
    if isinstance(name, Optimizer):
        return name
    try:
        return _REGISTRY[name.lower()](**kwargs)
    except (KeyError, AttributeError):
        raise ValueError(f"[optimizer] unknown optimizer {name!r}; lamina.mx has "
                         f"{', '.join(_REGISTRY)}") from None
