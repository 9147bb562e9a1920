"""``mx.sym``: MXNet's symbolic graphs over the operators of ``lamina.mx``.

``Variable`` makes an input; each operator call makes a node whose missing inputs become
variables named ``<node>_<input>`` (``fullyconnected0_weight``, ``batchnorm0_moving_mean``,
``softmax_label``), with MXNet's automatic node names (see ``mx.name``). ``list_arguments``,
``list_outputs`` and ``list_auxiliary_states`` give MXNet's order (a depth-first walk from the
output, inputs left to right); ``infer_shape`` runs each operator's shape rule from the data
shapes. ``eval_graph`` runs the graph on lamina tensors (Module's executor)."""
from __future__ import annotations

from . import name as _name
from ._ops import OPS, MXNetError
from ._nd_ops import positional_params as _positional_params

__all__ = ["Symbol", "Variable", "var", "Group"]


class _Node:
    __slots__ = ("op", "name", "inputs", "aux", "attrs")

    def __init__(self, op, name, inputs=(), aux=(), attrs=None):
        self.op = op            # an Op, or None for a variable
        self.name = name
        self.inputs = list(inputs)  # _Node per op.arguments()
        self.aux = list(aux)        # variable _Node per op.auxiliary()
        self.attrs = attrs or {}


class Symbol:
    """One output of a graph node (every operator here has one output)."""

    def __init__(self, node):
        self._node = node
        self._order = None  # _topo's result: a graph never changes once built

    @property
    def name(self):
        return self._node.name

    def _topo(self):
        """Nodes in MXNet's order: depth first from the output, inputs then aux, left to
        right; each node after its inputs."""
        if self._order is not None:
            return self._order
        order, seen = [], set()
        stack = [(self._node, False)]
        while stack:
            node, done = stack.pop()
            if done:
                order.append(node)
                continue
            if id(node) in seen:
                continue
            seen.add(id(node))
            stack.append((node, True))
            for child in reversed(node.inputs + node.aux):
                if id(child) not in seen:
                    stack.append((child, False))
        self._order = order
        return order

    def _variables(self):
        args, aux, aux_ids = [], [], set()
        order = self._topo()
        for n in order:
            for a in n.aux:
                aux_ids.add(id(a))
        for n in order:
            if n.op is None:
                (aux if id(n) in aux_ids else args).append(n)
        return args, aux

    def list_arguments(self):
        return [n.name for n in self._variables()[0]]

    def list_auxiliary_states(self):
        return [n.name for n in self._variables()[1]]

    def list_outputs(self):
        return [self.name if self._node.op is None else f"{self.name}_output"]

    def list_inputs(self):
        args, aux = self._variables()
        return [n.name for n in args + aux]

    def get_internals(self):
        return [Symbol(n) for n in self._topo()]

    def attr_dict(self):
        return {n.name: {k: str(v) for k, v in n.attrs.items()} for n in self._topo()
                if n.attrs}

    def infer_shape(self, *args, **kwargs):
        """(arg_shapes, out_shapes, aux_shapes) from the shapes of some arguments (by name, or
        positionally in list_arguments order); (None, None, None) when data shapes are
        missing."""
        known = {}
        names = self.list_arguments()
        for n, s in zip(names, args):
            if s is not None:
                known[n] = tuple(s)
        known.update({k: tuple(v) for k, v in kwargs.items() if v is not None})
        shapes = {}
        for node in self._topo():
            if node.op is None:
                if node.name in known:
                    shapes[id(node)] = known[node.name]
                continue
            data = shapes.get(id(node.inputs[0]))
            if data is None:
                return None, None, None
            arg_shapes, out, aux_shapes = node.op.infer(data)
            for child, want in zip(node.inputs[1:] + node.aux, list(arg_shapes) +
                                   list(aux_shapes)):
                have = shapes.get(id(child))
                if have is not None and want is not None and tuple(have) != tuple(want):
                    raise MXNetError(f"[{node.op.name}] {child.name} has shape {have}, "
                                     f"expected {tuple(want)} (node {node.name!r})")
                if have is None:
                    shapes[id(child)] = tuple(want)
            shapes[id(node)] = tuple(out)
        args, aux = self._variables()
        if any(id(n) not in shapes for n in args + aux):
            return None, None, None
        return ([shapes[id(n)] for n in args], [shapes[id(self._node)]],
                [shapes[id(n)] for n in aux])

    def tojson(self):
        import json
        return json.dumps({"nodes": [{"op": "null" if n.op is None else n.op.name,
                                      "name": n.name, "attrs": {k: str(v) for k, v in
                                                                n.attrs.items()}}
                                     for n in self._topo()]})

    def __repr__(self):
        return f"<Symbol {self.name}>"


def Variable(name, shape=None, dtype=None, init=None, attr=None, **kwargs):
    if not isinstance(name, str):
        raise TypeError("[Variable] name must be a string")
    node = _Node(None, name, attrs=dict(attr or {}))
    if shape is not None:
        node.attrs["__shape__"] = tuple(shape)
    return Symbol(node)


var = Variable


def Group(symbols):
    raise MXNetError("[Group] multi-output graphs are not supported by lamina.mx")


def _make(opname):
    cls = OPS[opname]
    hint = opname.lower()

    def fn(*args, name=None, attr=None, **kwargs):
        inputs, params = {}, {}
        for k, v in kwargs.items():
            (inputs if isinstance(v, Symbol) else params)[k] = v
        n_sym = 0
        while n_sym < len(args) and isinstance(args[n_sym], Symbol):
            n_sym += 1
        _positional_params(opname, cls, args[n_sym:], params)
        op = cls(**params)
        names = op.arguments() + op.auxiliary()
        if n_sym > len(names):
            raise MXNetError(f"[{opname}] takes at most {len(names)} inputs "
                             f"({', '.join(names)}), got {n_sym}")
        for k, v in zip(names, args[:n_sym]):
            inputs[k] = v
        for k in inputs:
            if k not in names:
                raise MXNetError(f"[{opname}] unknown input {k!r}; expected {', '.join(names)}")
        if "data" not in inputs:
            raise MXNetError(f"[{opname}] the data input is required")
        node_name = _name.current().get(name, hint)
        made = {k: inputs[k]._node if k in inputs else _Node(None, f"{node_name}_{k}")
                for k in names}
        node = _Node(op, node_name, [made[k] for k in op.arguments()],
                     [made[k] for k in op.auxiliary()], dict(params, **(attr or {})))
        return Symbol(node)

    fn.__name__ = opname
    fn.__doc__ = f"MXNet's {opname} as a graph node (parameters: {', '.join(cls.defaults)})."
    return fn


for _op in OPS:
    globals()[_op] = _make(_op)
    __all__.append(_op)
flatten = globals()["Flatten"]


def compile_graph(symbol):
    """The graph as a program: (variable names, steps of (op, input slots, aux slots)); slot
    i holds the i-th variable, then each step's output in order."""
    order = symbol._topo()
    variables = [n for n in order if n.op is None]
    slot = {id(n): i for i, n in enumerate(variables)}
    steps = []
    for n in order:
        if n.op is not None:
            steps.append((n.op, [slot[id(c)] for c in n.inputs], [slot[id(c)] for c in n.aux]))
            slot[id(n)] = len(slot)
    return [n.name for n in variables], steps


def eval_graph(symbol, values, is_train, program=None):
    """Run ``symbol`` on lamina tensors: ``values`` maps every argument and auxiliary name to
    a tensor. Returns the output tensor."""
    names, steps = program or compile_graph(symbol)
    try:
        vals = [values[n] for n in names]
    except KeyError as e:
        raise MXNetError(f"[executor] no value bound for {e.args[0]!r}") from None
    for op, ins, aux in steps:
        vals.append(op([vals[i] for i in ins], [vals[i] for i in aux], is_train))
    return vals[-1]
