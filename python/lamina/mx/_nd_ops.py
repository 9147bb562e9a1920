"""The ``mx.nd`` operator functions: one wrapper per registered Op, caching the parsed Op per
distinct parameter set so a training loop pays for the parsing once."""
from __future__ import annotations

from ._ops import OPS, MXNetError
from ..autograd.grad_mode import _state as _grad_state
from .autograd import _st
from .ndarray import NDArray, _run

__all__ = ["make_operator", "positional_params"]


def make_operator(name):
    """``mx.nd.<name>``: inputs (NDArrays) positionally or by name, then MXNet's parameters
    positionally or by keyword; ``out=`` and ``name=`` accepted."""
    cls = OPS[name]
    cache = {}  # (positional params, keyword params) -> (op, input names, number of arguments)

    def entry(pos, params):
        params = dict(params)
        positional_params(name, cls, pos, params)
        op = cls(**params)
        return op, op.arguments() + op.auxiliary(), len(op.arguments())

    def fn(*args, **kwargs):
        n = 0
        for a in args:
            if not isinstance(a, NDArray):
                break
            n += 1
        out = given = None
        params = ()
        if kwargs:
            kwargs.pop("name", None)
            out = kwargs.pop("out", None)
            plist = []
            for k, v in kwargs.items():
                if isinstance(v, NDArray) or v is None and k in _INPUT_NAMES:
                    if given is None:
                        given = {}
                    given[k] = v
                else:
                    plist.append((k, v))
            params = tuple(plist)
        pos = args[n:] if n < len(args) else ()
        try:
            op, names, n_arg = cache[(pos, params)]
        except KeyError:
            op, names, n_arg = found = entry(pos, params)
            if len(cache) < 256:
                cache[(pos, params)] = found
        except TypeError:  # unhashable parameter values
            op, names, n_arg = entry(pos, params)
        if given is None and n == len(names):
            ts = [a._t for a in args[:n]]
        else:
            if n > len(names):
                raise MXNetError(f"[{name}] takes at most {len(names)} inputs "
                                 f"({', '.join(names)}), got {n}")
            given = given or {}
            given.update(zip(names, args[:n]))
            ts = []
            for k in names:
                v = given.get(k)
                if not isinstance(v, NDArray):
                    raise MXNetError(f"[{name}] input {k!r} must be an NDArray, got "
                                     f"{type(v).__name__}")
                ts.append(v._t)
        if _st.recording or not _grad_state.enabled:
            res = NDArray(op(ts[:n_arg], ts[n_arg:], _st.training))
        else:
            res = NDArray(_run(op, ts[:n_arg], ts[n_arg:], _st.training))
        if out is not None:
            out[:] = res
            return out
        return res

    fn.__name__ = name
    fn.__doc__ = f"MXNet's {name} on NDArrays (parameters: {', '.join(cls.defaults)})."
    return fn


def positional_params(name, cls, values, params):
    """MXNet's generated signatures take the parameters positionally after the inputs."""
    keys = list(cls.defaults)
    if len(values) > len(keys):
        raise MXNetError(f"[{name}] too many positional arguments")
    for k, v in zip(keys, values):
        if k in params:
            raise MXNetError(f"[{name}] got {k!r} twice")
        params[k] = v


_INPUT_NAMES = {"data", "weight", "bias", "gamma", "beta", "moving_mean", "moving_var", "label"}


# --- function forms of the NDArray methods: mx.nd.relu(x), mx.nd.sum(x, axis=1), ... --------

def _method(method):
    def fn(data, *args, **kwargs):
        kwargs.pop("name", None)
        return getattr(data, method)(*args, **kwargs)
    fn.__name__ = method
    fn.__doc__ = f"``mx.nd.{method}(data, ...)``: NDArray.{method}."
    return fn


FUNCTIONS = {m: _method(m) for m in ("relu", "sigmoid", "tanh", "exp", "log", "sqrt", "abs",
                                     "square", "softmax", "sum", "mean", "max", "argmax",
                                     "reshape", "flatten")}
