"""``mx.optimizer``: MXNet 1.x's SGD and Adam, with their update rules and defaults.

    grad = rescale_grad * grad (clipped to +-clip_gradient when set)
    momentum == 0: weight -= lr * (grad + wd * weight)
    momentum > 0:  mom = momentum * mom - lr * (grad + wd * weight); weight += mom

``wd`` applies only to parameters whose names end with ``_weight`` or ``_gamma`` (MXNet's
``set_wd_mult`` default when the names are known). Without clipping, the update runs as one
fused lamina kernel per parameter (``_C.sgd_step``: the momentum state is kept divided by
-lr * rescale_grad, which is the same recurrence); with clipping it is composed.

Adam: grad = rescale_grad * grad + wd * weight (clipped), m = b1 m + (1 - b1) grad,
v = b2 v + (1 - b2) grad^2, weight -= lr sqrt(1 - b2^t) / (1 - b1^t) * m / (sqrt(v) + eps),
t counted per parameter; lamina's fused Adam kernel with eps / sqrt(1 - b2^t) is that rule."""
from __future__ import annotations

from .. import _C

__all__ = ["Optimizer", "SGD", "Adam", "create", "register"]

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


@register
class Adam(Optimizer):
    def __init__(self, learning_rate=0.001, beta1=0.9, beta2=0.999, epsilon=1e-8,
                 lazy_update=True, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta1, self.beta2, self.epsilon = float(beta1), float(beta2), float(epsilon)
        self._count = {}

    def create_state(self, index, weight):
        t = weight if isinstance(weight, _C.Tensor) else weight._t
        return (_C.full(list(t.shape), 0.0, t.dtype, t.device),
                _C.full(list(t.shape), 0.0, t.dtype, t.device))

    def update(self, index, weight, grad, state):
        w = weight if isinstance(weight, _C.Tensor) else weight._t
        g = grad if isinstance(grad, _C.Tensor) else grad._t
        mean, var = (s if isinstance(s, _C.Tensor) else s._t for s in state)
        self.num_update += 1
        t = self._count[index] = self._count.get(index, 0) + 1
        lr, wd = self._get_lr(index), self._get_wd(index)
        bc1, bc2 = 1.0 - self.beta1 ** t, 1.0 - self.beta2 ** t
        if self.rescale_grad != 1.0:
            g = _C.mul(g, self.rescale_grad)
        if self.clip_gradient is not None:
            g = _C.clamp(_C.add(g, _C.mul(w, wd)), -self.clip_gradient, self.clip_gradient)
            wd = 0.0
        _C.adam_step(w, g, mean, var, None, lr, self.beta1, self.beta2,
                     self.epsilon / bc2 ** 0.5, wd, False, False, bc1, bc2)


def create(name, **kwargs):
    if isinstance(name, Optimizer):
        return name
    try:
        return _REGISTRY[name.lower()](**kwargs)
    except (KeyError, AttributeError):
        raise ValueError(f"[optimizer] unknown optimizer {name!r}; lamina.mx has "
                         f"{', '.join(_REGISTRY)}") from None
