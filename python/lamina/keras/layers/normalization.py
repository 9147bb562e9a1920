"""BatchNormalization and LayerNormalization with Keras's arguments and meanings, on lamina's
fused batch_norm and layer_norm kernels."""
from __future__ import annotations

from ... import functional as F
from ...autograd.functions import views as _v
from ...autograd.grad_mode import no_grad
from .._core import Layer


class BatchNormalization(Layer):
    """``BatchNormalization(axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True)``:
    gamma, beta (trainable), moving_mean, moving_variance (not trainable), in that order.

    Training (and ``trainable``): batch statistics normalise; the moving statistics follow
    Keras, moving = moving * momentum + batch * (1 - momentum), with the biased batch
    variance. lamina's kernel updates with torch's rule (the unbiased variance, momentum
    1 - Keras's); the variance update is corrected afterwards on the C-sized vector:
    keras = (1 - m) old + (new - (1 - m) old) (n - 1) / n. Inference: the moving
    statistics normalise. The channel axis is moved to dim 1 with views (for channels_last
    4-D inputs coming from Conv2D this is the conv's own NCHW memory)."""

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axis, int):
            raise NotImplementedError("[BatchNormalization] only a single int axis is supported")
        self.axis, self.momentum, self.epsilon = axis, float(momentum), float(epsilon)
        self.center, self.scale = bool(center), bool(scale)
        self._inits = (beta_initializer, gamma_initializer, moving_mean_initializer,
                       moving_variance_initializer)

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) < 2:
            raise self._error(f"expected an input of rank >= 2, got shape {shape}")
        if not -len(shape) <= self.axis < len(shape):
            raise self._error(f"axis {self.axis} is out of bounds for an input of shape {shape}")
        c = shape[self.axis]
        if self.built and c is not None and c != self.moving_mean.shape[0]:
            raise self._error(f"expected axis {self.axis} of the input to be "
                              f"{self.moving_mean.shape[0]}, got shape {shape}")

    def build(self, input_shape):
        c = input_shape[self.axis]
        if c is None:
            raise self._error(f"axis {self.axis} of the input must be known, got {input_shape}")
        beta, gamma, mm, mv = self._inits
        if self.scale:
            self.add_weight((c,), gamma, "gamma")
        if self.center:
            self.add_weight((c,), beta, "beta")
        self.add_weight((c,), mm, "moving_mean", trainable=False)
        self.add_weight((c,), mv, "moving_variance", trainable=False)

    def _perm(self, ndim):
        a = self.axis % ndim
        if a == 1:
            return None
        return [0, a] + [d for d in range(1, ndim) if d != a]

    def call(self, inputs, training=False):
        perm = self._perm(inputs.ndim)
        x = inputs if perm is None else _v.permute(inputs, *perm)
        gamma = self.gamma if self.scale else None
        beta = self.beta if self.center else None
        if not (training and self.trainable):
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, gamma, beta, False, 0.0,
                             self.epsilon)
        else:
            m = 1.0 - self.momentum
            with no_grad():
                old = self.moving_variance.clone()
            y = F.batch_norm(x, self.moving_mean, self.moving_variance, gamma, beta, True, m,
                             self.epsilon)
            n = x.numel() // int(x.shape[1])
            with no_grad():
                keep = old * (1.0 - m)
                if n > 1:
                    keep = keep + (self.moving_variance - keep) * ((n - 1) / n)
                self.moving_variance.copy_(keep)
        if perm is None:
            return y
        inv = [perm.index(d) for d in range(len(perm))]
        return _v.permute(y, *inv)


class LayerNormalization(Layer):
    """``LayerNormalization(axis=-1, epsilon=1e-3, center=True, scale=True)``: gamma, beta over
    the trailing axes (axis -1, or a list of the last axes), the biased variance, lamina's
    fused layer_norm."""

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True, rms_scaling=False,
                 beta_initializer="zeros", gamma_initializer="ones", **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            raise NotImplementedError("[LayerNormalization] rms_scaling is not supported")
        self.axis = axis
        self.epsilon, self.center, self.scale = float(epsilon), bool(center), bool(scale)
        self._inits = (beta_initializer, gamma_initializer)

    def _axes(self, ndim):
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        axes = sorted(a % ndim for a in axes)
        if axes != list(range(ndim - len(axes), ndim)):
            raise self._error(f"only the trailing axes can be normalised, got axis={self.axis} "
                              f"for a {ndim}-D input")
        return axes

    def _check_input(self, shape):
        if not isinstance(shape, tuple) or len(shape) < 2:
            raise self._error(f"expected an input of rank >= 2, got shape {shape}")
        axes = [self.axis] if isinstance(self.axis, int) else list(self.axis)
        if any(not -len(shape) <= a < len(shape) for a in axes):
            raise self._error(f"axis {self.axis} is out of bounds for an input of shape {shape}")
        self._axes(len(shape))
        if self.built:
            want = tuple(self._norm_shape)
            got = tuple(shape[a] for a in self._axes(len(shape)))
            if got != want:
                raise self._error(f"expected the normalised axes to be {want}, got shape {shape}")

    def build(self, input_shape):
        self._norm_shape = tuple(input_shape[a] for a in self._axes(len(input_shape)))
        beta, gamma = self._inits
        if self.scale:
            self.add_weight(self._norm_shape, gamma, "gamma")
        if self.center:
            self.add_weight(self._norm_shape, beta, "beta")

    def call(self, inputs):
        return F.layer_norm(inputs, self._norm_shape, self.gamma if self.scale else None,
                            self.beta if self.center else None, self.epsilon)
