"""The collectives (torch.distributed's signatures), in place on lamina tensors.

Every rank calls the same collectives in the same order with tensors of the same shape and
dtype (float32, float64 or int64): cpu tensors with the ``mpi`` backend, cuda tensors with
``nccl``. A contiguous tensor is handed to the backend as it is (no copy); a non-contiguous one
through a contiguous staging copy that is written back when the collective completes.
``async_op=True`` returns a :class:`Work` (``wait()``); otherwise the call returns None when done
(with ``nccl``: when queued on the stream, which orders everything lamina does next)."""
from __future__ import annotations

from .. import _C
from .. import dtypes as _dt
from .group import default_group
from .work import ReduceOp, Work

Tensor = _C.Tensor

__all__ = ["all_reduce", "broadcast", "all_gather", "all_gather_into_tensor", "reduce_scatter",
           "reduce_scatter_tensor", "barrier"]

_DTYPES = (_dt.float32, _dt.float64, _dt.int64)


def _group(op, group):
    if group is not None:
        raise ValueError(f"[{op}] only the default group (group=None) is supported")
    return default_group(op)


def _check(op, g, t, what="tensor"):
    if not isinstance(t, Tensor):
        raise TypeError(f"[{op}] {what} must be a lamina tensor, got {type(t).__name__}")
    if t.dtype not in _DTYPES:
        raise TypeError(f"[{op}] {what} has dtype {t.dtype}; collectives take float32, float64 "
                        "or int64 tensors")
    if t.device.type != g.device_type:
        other = "nccl" if t.device.type == "cuda" else "mpi"
        raise ValueError(f"[{op}] the {g.name!r} backend takes {g.device_type} tensors, got "
                         f"{what} on {t.device} (init_process_group(backend={other!r}) for "
                         f"{t.device.type} tensors)")
    check_device = getattr(g, "check_device", None)
    if check_device is not None:
        check_device(op, t)


def _check_op(op, red, t):
    if not isinstance(red, ReduceOp):
        raise TypeError(f"[{op}] op must be a lamina.distributed.ReduceOp, got {red!r}")
    if red is ReduceOp.AVG and not t.dtype.is_floating_point:
        raise TypeError(f"[{op}] ReduceOp.AVG needs a floating tensor, got {t.dtype}")


def _staged(t):
    """(contiguous tensor to hand over, write-back to run when done or None)."""
    if t.is_contiguous():
        return t, None
    c = _C.contiguous(t)
    return c, lambda: _C.copy_(t, c)


def _finish(work, fns, async_op):
    """Run ``fns`` after ``work`` (None: already done) completes; the async handle or None."""
    fns = [f for f in fns if f is not None]
    if work is None:
        for f in fns:
            f()
        return Work() if async_op else None
    work._finish.extend(fns)
    return work


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``tensor`` across ranks with ``op``; every rank gets the result in place."""
    g = _group("all_reduce", group)
    _check("all_reduce", g, tensor)
    _check_op("all_reduce", op, tensor)
    c, back = _staged(tensor)
    return _finish(g.all_reduce(c, op, async_op), [back], async_op)


def broadcast(tensor, src=0, group=None, async_op=False):
    """Copy rank ``src``'s ``tensor`` into ``tensor`` on every rank."""
    g = _group("broadcast", group)
    _check("broadcast", g, tensor)
    if isinstance(src, bool) or not isinstance(src, int) or not 0 <= src < g.size:
        raise ValueError(f"[broadcast] src must be a rank in [0, {g.size}), got {src!r}")
    c, back = _staged(tensor)
    return _finish(g.broadcast(c, src, async_op), [back], async_op)


def all_gather_into_tensor(output_tensor, input_tensor, group=None, async_op=False):
    """``output_tensor`` (world_size times ``input_tensor``'s elements, same dtype) receives
    every rank's ``input_tensor``, rank 0's first."""
    g = _group("all_gather_into_tensor", group)
    _check("all_gather_into_tensor", g, input_tensor, "input_tensor")
    _check("all_gather_into_tensor", g, output_tensor, "output_tensor")
    if output_tensor.dtype != input_tensor.dtype:
        raise TypeError(f"[all_gather_into_tensor] output_tensor has dtype {output_tensor.dtype}, "
                        f"input_tensor {input_tensor.dtype}")
    if output_tensor.numel() != g.size * input_tensor.numel():
        raise ValueError(f"[all_gather_into_tensor] output_tensor has {output_tensor.numel()} "
                         f"elements; expected world_size ({g.size}) x {input_tensor.numel()}")
    inp, _ = _staged(input_tensor)
    out, back = _staged(output_tensor)
    return _finish(g.all_gather(out, inp, async_op), [back], async_op)


def all_gather(tensor_list, tensor, group=None, async_op=False):
    """``tensor_list[r]`` (world_size tensors shaped like ``tensor``) receives rank r's
    ``tensor``."""
    g = _group("all_gather", group)
    _check("all_gather", g, tensor)
    _check_list("all_gather", g, tensor_list, tensor, "tensor_list")
    n = tensor.numel()
    flat = _C.empty([g.size * n], tensor.dtype, tensor.device)
    work = g.all_gather(flat, _C.contiguous(tensor), async_op)

    def scatter_back():
        for r, t in enumerate(tensor_list):
            _C.copy_(t, _C.reshape(_C.slice(flat, 0, r * n, (r + 1) * n, 1), list(t.shape)))
    return _finish(work, [scatter_back], async_op)


def reduce_scatter_tensor(output, input, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input`` (world_size blocks of ``output``'s elements) across ranks with ``op``;
    rank r's ``output`` receives the reduced block r."""
    g = _group("reduce_scatter_tensor", group)
    _check("reduce_scatter_tensor", g, input, "input")
    _check("reduce_scatter_tensor", g, output, "output")
    _check_op("reduce_scatter_tensor", op, output)
    if output.dtype != input.dtype:
        raise TypeError(f"[reduce_scatter_tensor] output has dtype {output.dtype}, input "
                        f"{input.dtype}")
    if input.numel() != g.size * output.numel():
        raise ValueError(f"[reduce_scatter_tensor] input has {input.numel()} elements; expected "
                         f"world_size ({g.size}) x {output.numel()}")
    inp, _ = _staged(input)
    out, back = _staged(output)
    return _finish(g.reduce_scatter(out, inp, op, async_op), [back], async_op)


def reduce_scatter(output, input_list, op=ReduceOp.SUM, group=None, async_op=False):
    """Reduce ``input_list[r]`` across ranks with ``op`` into rank r's ``output``."""
    g = _group("reduce_scatter", group)
    _check("reduce_scatter", g, output, "output")
    _check_op("reduce_scatter", op, output)
    _check_list("reduce_scatter", g, input_list, output, "input_list")
    flat = _C.cat([_C.reshape(_C.contiguous(t), [-1]) for t in input_list], 0)
    out, back = _staged(output)
    return _finish(g.reduce_scatter(out, flat, op, async_op), [back], async_op)


def _check_list(op, g, tensors, like, what):
    if not isinstance(tensors, (list, tuple)) or len(tensors) != g.size:
        n = f" of {len(tensors)}" if isinstance(tensors, (list, tuple)) else ""
        raise ValueError(f"[{op}] {what} must be a list of world_size ({g.size}) tensors, got "
                         f"{type(tensors).__name__}{n}")
    for r, t in enumerate(tensors):
        _check(op, g, t, f"{what}[{r}]")
        if t.shape != like.shape or t.dtype != like.dtype:
            raise ValueError(f"[{op}] {what}[{r}] is {t.dtype} {tuple(t.shape)}; expected "
                             f"{like.dtype} {tuple(like.shape)} like the other tensor")


def barrier(group=None, async_op=False):
    """Return once every rank has called barrier (async: a Work to wait on)."""
    return _group("barrier", group).barrier(async_op)
