"""``Model`` (functional: ``Model(inputs, outputs)`` with one or several inputs and outputs;
or subclassed, with ``call``) and ``Sequential``. Training (compile, fit, evaluate, predict,
save_weights) lives in trainer.py; ``summary`` in summary.py."""
from __future__ import annotations

from ..device import resolve as _dev
from ._core import InputLayer, KerasTensor, Layer, flatten, map_structure, unique_name
from .summary import summary as _summary
from .trainer import Trainer


def _register(model, layer):
    key = layer.name
    if hasattr(model, key) and key not in model._modules:
        key = f"layer_{layer.name}"
    if key in model._modules and model._modules[key] is not layer:
        raise ValueError(f"[Model] two different layers are named {layer.name!r}; layer names "
                         "must be unique in a model")
    model.add_module(key, layer)


class Model(Trainer, Layer):
    """``Model(inputs, outputs, name=None)``: a graph of the layer calls from ``inputs``
    (KerasTensors from ``Input``; one, a list or a dict) to ``outputs`` (one, a list or a
    dict). Without inputs and outputs, subclass and define ``call(inputs, training=None)``;
    layers assigned as attributes are tracked."""

    def __init__(self, *args, **kwargs):
        inputs = kwargs.pop("inputs", args[0] if len(args) > 0 else None)
        outputs = kwargs.pop("outputs", args[1] if len(args) > 1 else None)
        name = kwargs.pop("name", None)
        trainable = kwargs.pop("trainable", True)
        if kwargs:
            raise TypeError(f"[Model] unexpected arguments {sorted(kwargs)}")
        Layer.__init__(self, name=name or unique_name("functional" if inputs is not None else
                                                      "model"), trainable=trainable)
        Trainer.__init__(self)
        self._nodes = None
        if inputs is not None or outputs is not None:
            if inputs is None or outputs is None:
                raise ValueError("[Model] pass both inputs and outputs (functional API)")
            self._init_graph(inputs, outputs)

    # --- functional graph ------------------------------------------------------------------

    def _init_graph(self, inputs, outputs):
        self._input_structure, self._output_structure = inputs, outputs
        self.inputs, self.outputs = flatten(inputs), flatten(outputs)
        for t in self.inputs + self.outputs:
            if not isinstance(t, KerasTensor):
                raise ValueError(f"[Model] inputs and outputs must be KerasTensors (from "
                                 f"keras.Input and layer calls), got {type(t).__name__}")
        for t in self.inputs:
            if not isinstance(t._keras_history[0], InputLayer):
                raise ValueError(f"[Model] inputs must come from keras.Input, got {t}")
        order, seen, pre = [], set(), {}

        def visit(t):
            layer, node, _ = t._keras_history
            if id(node) in seen:
                return
            seen.add(id(node))
            pre.setdefault(layer, len(pre))
            for s in node.inputs:
                visit(s)
            order.append(node)
        for t in self.outputs:
            visit(t)
        given = {id(t) for t in self.inputs}
        for node in order:
            if isinstance(node.layer, InputLayer) and id(node.outputs[0]) not in given:
                raise ValueError(f"[Model] the outputs depend on the Input "
                                 f"'{node.layer.name}', which is not among the model's inputs")
        self._nodes = [n for n in order if not isinstance(n.layer, InputLayer)]
        # Keras's layer order (weights, layers, summary): by depth from the outputs, deepest
        # first, ties in first-visit order of the walk from the outputs (Keras's map_graph)
        node_depth, layer_depth = {}, {}
        for node in reversed(order):
            d = max(node_depth.setdefault(id(node), 0), layer_depth.get(node.layer, 0))
            layer_depth[node.layer] = node_depth[id(node)] = d
            for t in node.inputs:
                parent = t._keras_history[1]
                node_depth[id(parent)] = max(d + 1, node_depth.get(id(parent), 0))
        for t in self.inputs:
            layer_depth.setdefault(t._keras_history[0], 0)
            pre.setdefault(t._keras_history[0], len(pre))
        ranked = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], pre[layer]))
        self._input_layers = [layer for layer in ranked if isinstance(layer, InputLayer)]
        self._graph_layers = [layer for layer in ranked if not isinstance(layer, InputLayer)]
        for layer in self._graph_layers:
            _register(self, layer)
        self._ranked = ranked
        self.built = True
        self._device = _dev("cpu")

    @property
    def layers(self):
        if self._nodes is not None:
            return list(self._ranked)
        return list(self._sublayers())

    def get_layer(self, name=None, index=None):
        if index is not None:
            return self.layers[index]
        for layer in self.layers:
            if layer.name == name:
                return layer
        raise ValueError(f"[Model] no layer named {name!r}; layers: "
                         f"{[layer.name for layer in self.layers]}")

    def _flat_inputs(self, inputs):
        if isinstance(inputs, dict):
            names = [t.name for t in self.inputs]
            missing = [n for n in names if n not in inputs]
            if missing:
                raise ValueError(f"[Model] '{self.name}' missing inputs {missing}")
            return [inputs[n] for n in names]
        flat = flatten(inputs) if isinstance(inputs, (list, tuple)) else [inputs]
        if len(flat) != len(self.inputs):
            raise ValueError(f"[Model] '{self.name}' expects {len(self.inputs)} input(s), got "
                             f"{len(flat)}")
        return flat

    def _checked(self, first):
        if self._nodes is None:
            return
        for t, x in zip(self.inputs, self._flat_inputs(first)):
            s = tuple(x.shape) if hasattr(x, "shape") else None
            if s is None:
                continue
            if len(s) != len(t.shape) or any(a is not None and b is not None and a != b
                                             for a, b in zip(s[1:], t.shape[1:])):
                raise self._error(f"input '{t.name}' expects shape {t.shape}, got {s}")

    def call(self, inputs, training=False):
        if self._nodes is None:
            raise NotImplementedError(f"[Model] '{self.name}': subclass Model and define call(), "
                                      "or build a functional Model(inputs, outputs)")
        values = {id(t): x for t, x in zip(self.inputs, self._flat_inputs(inputs))}

        def get(t):
            return values[id(t)] if isinstance(t, KerasTensor) else t
        for node in self._nodes:
            args = map_structure(get, node.args)
            kwargs = map_structure(get, node.kwargs)
            out = node.layer(*args, **kwargs)
            for t, o in zip(node.outputs, flatten(out)):
                values[id(t)] = o
        return map_structure(get, self._output_structure)

    def compute_output_spec(self, *args, **kwargs):
        if self._nodes is None:
            raise NotImplementedError(f"[Model] '{self.name}': a subclassed model cannot be "
                                      "called on KerasTensors")
        return map_structure(lambda t: KerasTensor(t.shape, t.dtype), self._output_structure)

    def summary(self, line_length=None, positions=None, print_fn=None, **kwargs):
        _summary(self, line_length, print_fn)


class Sequential(Model):
    """``Sequential(layers=None, name=None)``: a stack of single-input, single-output layers.
    With an ``Input`` first (or ``input_shape=`` on the first layer) it builds at once, as
    Keras does; otherwise on the first call or fit."""

    def __init__(self, layers=None, name=None, trainable=True):
        super().__init__(name=name or unique_name("sequential"), trainable=trainable)
        self._stack = []
        self._input_spec = None  # (shape with batch, dtype)
        self._shapes = []
        for layer in layers or []:
            self.add(layer)

    def add(self, layer):
        if isinstance(layer, KerasTensor):
            if self._stack or self._input_spec is not None:
                raise ValueError("[Sequential] an Input can only come first")
            self._input_spec = (layer.shape, layer.dtype)
            return
        if isinstance(layer, InputLayer):
            return self.add(layer.output)
        if not isinstance(layer, Layer):
            raise TypeError(f"[Sequential] expected a Layer, got {type(layer).__name__}")
        if not self._stack and self._input_spec is None and layer._batch_input_shape:
            self._input_spec = (layer._batch_input_shape, "float32")
        self._stack.append(layer)
        _register(self, layer)
        if self._input_spec is not None:
            self._build_stack()
        else:
            self.built = False

    def pop(self):
        layer = self._stack.pop()
        for key, m in list(self._modules.items()):
            if m is layer:
                del self._modules[key]
        self._shapes = self._shapes[:len(self._stack)]
        return layer

    def _build_stack(self):
        shape, dtype = self._input_spec
        x = KerasTensor((None,) + tuple(shape[1:]), dtype)
        shapes = []
        for layer in self._stack:
            x = layer(x)
            if not isinstance(x, KerasTensor):
                raise ValueError(f"[Sequential] layer '{layer.name}' has several outputs; "
                                 "use the functional API")
            shapes.append(x.shape)
        self._shapes = shapes
        self.built = True
        if self._device is None:
            self._device = _dev("cpu")

    def build(self, input_shape=None):
        if input_shape is not None and self._input_spec is None:
            self._input_spec = (tuple(input_shape), "float32")
        if self._input_spec is None:
            raise ValueError("[Sequential] cannot build without an input shape")
        self._build_stack()

    def _build_from_call(self, args, kwargs):
        first = args[0]
        if isinstance(first, KerasTensor):
            dtype = first.dtype
        else:
            dtype = "float32" if first.dtype.is_floating_point else "int64"
        self._input_spec = ((None,) + tuple(first.shape[1:]), dtype)
        self._build_stack()

    def _check_input(self, shape):
        if self._input_spec is None or not isinstance(shape, tuple):
            return
        want = self._input_spec[0]
        if len(shape) != len(want) or any(a is not None and b is not None and a != b
                                          for a, b in zip(shape[1:], want[1:])):
            raise self._error(f"expects inputs of shape {tuple(want)}, got {shape}")

    def _checked(self, first):
        if hasattr(first, "shape"):
            self._check_input(tuple(first.shape))

    @property
    def layers(self):
        return list(self._stack)

    def call(self, inputs, training=False):
        x = inputs
        for layer in self._stack:
            x = layer(x)
        return x

    def compute_output_spec(self, *args, **kwargs):
        if not self._shapes:
            raise ValueError(f"[Sequential] '{self.name}' is not built")
        return KerasTensor(self._shapes[-1])
