"""The Keras layer machinery: ``Layer`` (weights, lazy build, symbolic and eager calls),
``KerasTensor`` and ``Input`` (the functional API's placeholders), and the ``training`` flag
passed down to nested layers.

A ``Layer`` is a ``lamina.nn.Module``: trainable weights are ``Parameter``s, non-trainable ones
(BatchNormalization's moving statistics) buffers, so ``to(device)``, ``parameters()`` and
``state_dict()`` work as for every lamina module. Weights are created by ``build`` on the first
call, from the input's shape and on the input's device, as Keras builds them."""
from __future__ import annotations

import contextvars
import inspect
import re

import numpy as np

from .. import _C
from .. import creation as _creation
from ..nn.module import Module
from ..nn.parameter import Parameter
from . import initializers as _init
from ._graph import (KerasTensor, Node, flatten, is_shape, is_symbolic,  # noqa: F401
                     map_structure, shape_of)

Tensor = _C.Tensor

_TRAINING = contextvars.ContextVar("lamina_keras_training", default=False)
_NAMES: dict = {}


def unique_name(base):
    """Keras's automatic names: dense, dense_1, dense_2, ..."""
    n = _NAMES.get(base, 0)
    _NAMES[base] = n + 1
    return base if n == 0 else f"{base}_{n}"


def snake(name):
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower().replace("2_d", "2d")


def to_tensor(x, dtype=None, device=None):
    """numpy arrays and Python numbers as lamina tensors: floats as float32 (Keras's floatx),
    integers as int64; tensors pass through."""
    if isinstance(x, Tensor):
        return x
    if isinstance(x, (np.ndarray, np.generic, list, float, int)):
        a = np.asarray(x)
        if dtype is None:
            dtype = {"b": "bool", "i": "int64", "u": "int64"}.get(a.dtype.kind, "float32")
        t = _creation.tensor(np.array(a, dtype=dtype, order="C"))
        return t if device is None or str(device) == "cpu" else t.to(device)
    return x


# --- the base layer ------------------------------------------------------------------------

class Layer(Module):
    """Base class of Keras layers: subclass, create weights in ``build(input_shape)`` with
    ``add_weight``, compute in ``call``, and give ``compute_output_shape`` for the functional
    API. ``__call__`` builds on first use, checks the input (errors start with ``[Class]``),
    and passes ``training`` down."""

    def __init__(self, name=None, trainable=True, dtype=None, input_shape=None, **kwargs):
        super().__init__()
        kwargs.pop("autocast", None)
        batch_input_shape = kwargs.pop("batch_input_shape", None)
        if kwargs:
            raise TypeError(f"[{type(self).__name__}] unexpected keyword arguments "
                            f"{sorted(kwargs)}")
        if dtype not in (None, "float32"):
            raise ValueError(f"[{type(self).__name__}] only float32 layers are supported, got "
                             f"dtype={dtype!r}")
        self.name = name or unique_name(snake(type(self).__name__))
        self.built = False
        self._trainable = bool(trainable)
        self._weight_names = []  # (attribute, trainable) in creation order
        self._inbound_nodes = []
        self._device = None
        self._build_shapes = None
        if input_shape is not None:
            batch_input_shape = (None,) + tuple(input_shape)
        self._batch_input_shape = (tuple(batch_input_shape) if batch_input_shape is not None
                                   else None)
        sig = inspect.signature(self.call).parameters
        self._call_has_training = "training" in sig

    # --- weights ---------------------------------------------------------------------------

    def add_weight(self, shape=(), initializer="glorot_uniform", name=None, trainable=True,
                   dtype=None, regularizer=None, constraint=None):
        if regularizer is not None or constraint is not None:
            raise NotImplementedError(f"[{type(self).__name__}] regularizers and constraints "
                                      "are not supported")
        shape = tuple(int(s) for s in shape)
        name = name or f"variable_{len(self._weight_names)}"
        attr = name if name not in self._weight_names else f"{name}_{len(self._weight_names)}"
        value = _init.get(initializer)(shape)
        t = _creation.tensor(np.array(value, np.float32, order="C"))
        if self._device is not None and str(self._device) != "cpu":
            t = t.to(self._device)
        if trainable:
            setattr(self, attr, Parameter(t))
        else:
            self.register_buffer(attr, t)
        self._weight_names.append((attr, bool(trainable)))
        return getattr(self, attr)

    @property
    def trainable(self):
        return self._trainable

    @trainable.setter
    def trainable(self, value):
        self._trainable = bool(value)
        for layer in self._flat_layers():
            layer._trainable = bool(value)

    def _flat_layers(self):
        for m in self.modules():
            if isinstance(m, Layer):
                yield m

    def _sublayers(self):
        seen = set()
        for m in self._modules.values():
            if isinstance(m, Layer) and id(m) not in seen:
                seen.add(id(m))
                yield m

    def _own(self, trainable):
        return [getattr(self, a) for a, t in self._weight_names if t == trainable]

    @property
    def trainable_weights(self):
        if not self._trainable:
            return []
        out = self._own(True)
        for layer in self._sublayers():
            out += layer.trainable_weights
        return out

    @property
    def non_trainable_weights(self):
        out = self._own(False) if self._trainable else self._own(True) + self._own(False)
        for layer in self._sublayers():
            out += layer.non_trainable_weights
        return out

    @property
    def weights(self):
        """Keras's order: this layer's trainable then non-trainable weights, then each
        sublayer's weights."""
        out = self._own(True) + self._own(False)
        for layer in self._sublayers():
            out += layer.weights
        return out

    trainable_variables = trainable_weights
    variables = weights

    def _weight_paths(self, prefix=""):
        base = prefix + self.name
        out = [f"{base}/{a}" for a, t in self._weight_names if t] + \
              [f"{base}/{a}" for a, t in self._weight_names if not t]
        for layer in self._sublayers():
            out += layer._weight_paths(base + "/")
        return out

    def count_params(self):
        return int(sum(int(np.prod(w.shape)) for w in self.weights))

    def get_weights(self):
        """The weights as numpy arrays, in Keras's order and layouts."""
        return [np.array(w.detach().cpu().numpy(), copy=True) for w in self.weights]

    def set_weights(self, weights):
        own = self.weights
        weights = list(weights)
        if len(weights) != len(own):
            raise ValueError(f"[{type(self).__name__}] layer '{self.name}' expects "
                             f"{len(own)} weights, got {len(weights)}")
        for w, v in zip(own, weights):
            v = np.asarray(v, np.float32)
            if tuple(v.shape) != tuple(w.shape):
                raise ValueError(f"[{type(self).__name__}] layer '{self.name}' weight of shape "
                                 f"{tuple(w.shape)} cannot take a value of shape {v.shape}")
            w.detach().copy_(_creation.tensor(np.array(v, order="C")).to(w.device))

    # --- building and calling --------------------------------------------------------------

    def build(self, input_shape):
        """Create the weights for ``input_shape`` (None where unknown)."""

    def compute_output_shape(self, input_shape):
        return input_shape

    def compute_output_spec(self, *args, **kwargs):
        """KerasTensors of the outputs; the default uses compute_output_shape on the first
        argument's shape(s) and keeps float32."""
        shapes = map_structure(shape_of, args[0])
        out = self.compute_output_shape(shapes)
        if is_shape(out):
            return KerasTensor(out)
        return [KerasTensor(s) for s in out]

    def _error(self, msg):
        return ValueError(f"[{type(self).__name__}] layer '{self.name}': {msg}")

    def _check_input(self, shape):
        """Subclasses: raise ``self._error(...)`` when an input shape does not fit."""

    def _build_from_call(self, args, kwargs):
        shapes = map_structure(shape_of, args[0])
        self._check_input(shapes)
        self.build(shapes)
        self._build_shapes = shapes
        self.built = True

    def _checked(self, first):
        shapes = map_structure(shape_of, first)
        self._check_input(shapes)

    def __call__(self, *args, **kwargs):
        if is_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        args = map_structure(to_tensor, args)
        kwargs = {k: map_structure(to_tensor, v) if k != "initial_state" or v is not None else v
                  for k, v in kwargs.items()}
        if not self.built:
            first = next((t for t in flatten(args) if isinstance(t, Tensor)), None)
            if first is not None:
                self._device = first.device
            self._build_from_call(args, kwargs)
        else:
            self._checked(args[0])
            self._follow_device(args)
        training = kwargs.pop("training", None)
        if training is None:
            training = _TRAINING.get()
        token = _TRAINING.set(bool(training))
        try:
            if self._call_has_training:
                kwargs["training"] = bool(training)
            return self.call(*args, **kwargs)
        finally:
            _TRAINING.reset(token)

    def _follow_device(self, args):
        """A layer's own weights move to its inputs' device (``Module.to``: the Parameter
        objects are repointed, so an optimizer built before keeps them). Containers hold no
        weights of their own: each sublayer follows when it is called."""
        if not self._weight_names:
            return
        first = next((t for t in flatten(args) if isinstance(t, Tensor)), None)
        if first is not None and getattr(self, self._weight_names[0][0]).device != first.device:
            self.to(first.device)
            self._device = first.device

    def _symbolic_call(self, args, kwargs):
        if not self.built:
            self._build_from_call(args, kwargs)
        else:
            self._checked(args[0])
        outputs = self.compute_output_spec(*args, **{k: v for k, v in kwargs.items()
                                                      if k != "training"})
        node = Node(self, args, kwargs, outputs)
        self._inbound_nodes.append(node)
        for i, t in enumerate(node.outputs):
            t._keras_history = (self, node, i)
            if t.name is None:
                t.name = self.name if len(node.outputs) == 1 else f"{self.name}_{i}"
        return outputs

    def call(self, inputs):
        return inputs

    def get_config(self):
        return {"name": self.name, "trainable": self.trainable}

    @property
    def input_shape(self):
        return self._build_shapes

    def _get_name(self):
        return f"{type(self).__name__}:{self.name}"


class InputLayer(Layer):
    """The layer behind ``Input``: no weights, one output KerasTensor."""

    def __init__(self, shape=None, batch_size=None, dtype=None, name=None, **kwargs):
        super().__init__(name=name or unique_name("input_layer"))
        self.built = True
        dtype = dtype or "float32"
        self.output = KerasTensor((batch_size,) + tuple(shape), dtype=str(dtype), name=self.name)
        node = Node(self, (), {}, self.output)
        self._inbound_nodes.append(node)
        self.output._keras_history = (self, node, 0)


def Input(shape=None, batch_size=None, dtype=None, name=None, batch_shape=None, **kwargs):
    """``keras.Input(shape, batch_size=None, dtype=None, name=None)``: a KerasTensor of shape
    (batch_size, *shape) to start a functional model (integer dtypes for Embedding inputs)."""
    if batch_shape is not None:
        batch_size, shape = batch_shape[0], batch_shape[1:]
    if shape is None:
        raise ValueError("[Input] shape is required, e.g. Input(shape=(32, 32, 3))")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    return InputLayer(shape, batch_size, dtype, name).output


def training_flag():
    """The ``training`` flag of the current call (False outside fit)."""
    return _TRAINING.get()
