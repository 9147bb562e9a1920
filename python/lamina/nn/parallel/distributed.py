"""``DistributedDataParallel``: data-parallel training, one model replica per rank.

At wrap time every parameter and buffer is broadcast from rank 0, so all replicas start equal.
Gradients are averaged across ranks during ``backward()``:

- parameters are grouped into buckets of about ``bucket_cap_mb`` MB, in reverse registration
  order (roughly the order in which backward produces their gradients), one flat buffer each;
- each parameter has a post-accumulate-grad hook: once backward has produced its gradient, the
  gradient is copied into its bucket; when a bucket is full, its non-blocking all-reduce (AVG)
  starts at once (buckets start in index order, the same order on every rank), overlapping the
  rest of backward;
- when the backward walk has finished (``lamina.autograd.engine.queue_callback``) the all-reduces
  are waited for and the averages written back into ``param.grad``: ``optimizer.step()`` sees
  averaged gradients, identical on every rank.

``no_sync()`` skips the averaging (gradient accumulation: the gradients add up locally and the
first backward outside the block averages the sum). Parameters that get no gradient in a
backward pass are an error naming them, unless ``find_unused_parameters=True``: then their
bucket slots hold zeros (or their gradient from earlier ``no_sync`` passes), and a parameter
unused on every rank keeps ``grad`` None. With ``broadcast_buffers`` (default), buffers (e.g.
BatchNorm's running statistics) are broadcast from rank 0 before each forward in training mode.

The wrapped model is ``ddp.module``; the state_dict keys carry a ``module.`` prefix as in torch
(save ``ddp.module.state_dict()`` for a checkpoint that loads into the bare model)."""
from __future__ import annotations

import contextlib
import weakref
import zlib

from ... import _C
from ... import distributed as dist
from ...autograd import engine
from ...autograd.grad_mode import no_grad
from ..module import Module

__all__ = ["DistributedDataParallel"]

_OP = "DistributedDataParallel"


class _GradReady:
    """The hook a wrapper puts on each parameter; holds the wrapper weakly, so a dropped wrapper
    stops averaging (and a parameter can't be averaged by two live wrappers at once)."""

    def __init__(self, ddp):
        self.ddp = weakref.ref(ddp)

    def __call__(self, p):
        ddp = self.ddp()
        if ddp is not None:
            ddp._on_grad_ready(p)


def _claim(named, ddp):
    """Register ``ddp``'s hook on every parameter, after dropping the hooks of dead wrappers;
    a parameter that a live wrapper already averages is an error."""
    for n, p in named:
        for key, hook in list((p._post_acc_hooks or {}).items()):
            if isinstance(hook, _GradReady):
                if hook.ddp() is not None:
                    raise RuntimeError(f"[{_OP}] parameter {n} is already wrapped by another "
                                       "DistributedDataParallel that is still alive; wrap each "
                                       "model once (or drop the old wrapper first)")
                del p._post_acc_hooks[key]
    hook = _GradReady(ddp)
    return [p.register_post_accumulate_grad_hook(hook) for _, p in named]


class _Bucket:
    def __init__(self, index, dtype, device):
        self.index, self.dtype, self.device = index, dtype, device
        self.params, self.offsets, self.numel = [], [], 0
        self.flat = None
        self.ready = set()    # slots whose gradient is in ``flat`` for this pass
        self.work = None      # the all-reduce in flight

    def add(self, p):
        self.params.append(p)
        self.offsets.append(self.numel)
        self.numel += p.numel()

    def view(self, slot):
        p, off = self.params[slot], self.offsets[slot]
        return _C.reshape(_C.slice(self.flat, 0, off, off + p.numel(), 1), list(p.shape))


class DistributedDataParallel(Module):
    """Wrap ``module`` for data-parallel training (torch.nn.parallel.DistributedDataParallel).

    Call ``lamina.distributed.init_process_group()`` first; every rank wraps the same model.
    ``bucket_cap_mb``: bucket size in MB; ``find_unused_parameters``: tolerate parameters that
    get no gradient; ``broadcast_buffers``: sync buffers from rank 0 before each forward;
    ``device_ids``: optional, ``[device]`` the module lives on (checked)."""

    def __init__(self, module, device_ids=None, broadcast_buffers=True, process_group=None,
                 bucket_cap_mb=25, find_unused_parameters=False):
        super().__init__()
        if not isinstance(module, Module):
            raise TypeError(f"[{_OP}] expected a lamina.nn.Module, got {type(module).__name__}")
        if process_group is not None:
            raise ValueError(f"[{_OP}] only the default group (process_group=None) is supported")
        if not bucket_cap_mb > 0:
            raise ValueError(f"[{_OP}] bucket_cap_mb must be positive, got {bucket_cap_mb!r}")
        group = dist.group.default_group(_OP)
        self.module = module
        self.broadcast_buffers = bool(broadcast_buffers)
        self.find_unused_parameters = bool(find_unused_parameters)
        self.require_backward_grad_sync = True
        self.world_size = group.size
        named = [(n, p) for n, p in module.named_parameters() if p.requires_grad]
        if not named:
            raise ValueError(f"[{_OP}] the module has no parameter that requires grad")
        self._check_devices(named, device_ids)
        self._names = {id(p): n for n, p in named}
        self._control_device = group.tensor_device
        self._check_same_model(module)
        self._broadcast_state(module)
        self._buckets = self._make_buckets([p for _, p in named], bucket_cap_mb)
        self._slot = {id(p): (b, i) for b in self._buckets for i, p in enumerate(b.params)}
        self._handles = _claim(named, self)
        self._sync_pass = True     # whether the backward of the latest forward averages
        self._in_pass = False      # a backward pass has marked gradients ready
        self._next_bucket = 0      # the next bucket to launch (index order on every rank)
        self._launch_log = []      # ("backward" | "end", bucket index) of the latest pass

    # --- setup ---------------------------------------------------------------------------------

    @staticmethod
    def _check_devices(named, device_ids):
        if device_ids is None:
            return
        if not isinstance(device_ids, (list, tuple)) or len(device_ids) != 1:
            raise ValueError(f"[{_OP}] device_ids must be None or a list of one device, got "
                             f"{device_ids!r}")
        from ...device import resolve
        want = device_ids[0]
        want = resolve(f"cuda:{want}" if isinstance(want, int) else want)
        for n, p in named:
            if p.device != want:
                raise ValueError(f"[{_OP}] parameter {n} is on {p.device}, device_ids says "
                                 f"{want}; move the module first (module.to(device))")

    def _check_same_model(self, module):
        """Every rank must wrap the same architecture: compare a checksum of names and shapes."""
        desc = ";".join(f"{n}:{tuple(t.shape)}:{t.dtype}" for n, t in
                        list(module.named_parameters()) + list(module.named_buffers()))
        sig = zlib.crc32(desc.encode())
        from ...creation import tensor
        t = tensor([sig, -sig], device=self._control_device)
        dist.all_reduce(t, dist.ReduceOp.MAX)
        if t.cpu().tolist() != [sig, -sig]:
            raise RuntimeError(f"[{_OP}] the model differs across ranks (parameter or buffer "
                               "names, shapes or dtypes); every rank must wrap the same model")

    def _broadcast_state(self, module):
        with no_grad():
            for t in list(module.parameters()) + list(module.buffers()):
                dist.broadcast(t.detach(), src=0)

    @staticmethod
    def _make_buckets(params, cap_mb):
        cap = cap_mb * 1024 * 1024
        buckets, open_ = [], {}
        for p in reversed(params):
            key = (p.dtype, str(p.device))
            b = open_.get(key)
            if b is None:
                b = open_[key] = _Bucket(len(buckets), p.dtype, p.device)
                buckets.append(b)
            b.add(p)
            if b.numel * p.element_size() >= cap:
                del open_[key]
        for b in buckets:
            b.flat = _C.full([b.numel], 0.0, b.dtype, b.device)
        return buckets

    # --- forward -------------------------------------------------------------------------------

    def forward(self, *inputs, **kwargs):
        if self._in_pass:  # a backward that raised half-way: start clean
            self._reset_pass(wait=True)
        self._sync_pass = self.require_backward_grad_sync
        if self.broadcast_buffers and self.training and self.world_size > 1:
            with no_grad():
                for b in self.module.buffers():
                    dist.broadcast(b, src=0)
        return self.module(*inputs, **kwargs)

    @contextlib.contextmanager
    def no_sync(self):
        """Backward passes of forwards run inside this block accumulate gradients locally,
        without averaging; the first one outside averages the accumulated sum."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    # --- backward: hooks, launches, the end of the pass ------------------------------------------

    def _on_grad_ready(self, p):
        if not self._sync_pass:
            return
        if not self._in_pass:
            self._in_pass = True
            self._launch_log = []
            engine.queue_callback(self._end_of_backward)
        b, slot = self._slot[id(p)]
        _C.copy_(b.view(slot), p.grad)
        b.ready.add(slot)
        if len(b.ready) == len(b.params):
            self._launch_ready("backward")
        else:
            self._progress()

    def _launch_ready(self, when):
        bs = self._buckets
        while self._next_bucket < len(bs) and len(bs[self._next_bucket].ready) == \
                len(bs[self._next_bucket].params):
            b = bs[self._next_bucket]
            b.work = dist.all_reduce(b.flat, dist.ReduceOp.AVG, async_op=True)
            self._launch_log.append((when, b.index))
            self._next_bucket += 1

    def _progress(self):
        """Let MPI move the transfers in flight (MPICH progresses them inside MPI calls)."""
        for b in self._buckets[:self._next_bucket]:
            if b.work is not None and not b.work.is_completed():
                return

    def _end_of_backward(self):
        missing = [(b, i) for b in self._buckets for i in range(len(b.params))
                   if i not in b.ready]
        if missing and not self.find_unused_parameters:
            names = ", ".join(self._names[id(b.params[i])] for b, i in missing)
            self._reset_pass(wait=True)
            raise RuntimeError(
                f"[{_OP}] these parameters got no gradient in this backward pass: {names}. "
                "Every parameter that requires grad must take part in the loss on every rank; "
                "pass find_unused_parameters=True to DistributedDataParallel if some are unused "
                "on purpose (or set requires_grad=False on them)")
        used = None
        if self.find_unused_parameters:
            used = {}
            for b, i in missing:
                p = b.params[i]
                used[id(p)] = p.grad is not None  # e.g. accumulated under no_sync
                if p.grad is not None:
                    _C.copy_(b.view(i), p.grad)
                else:
                    _C.copy_(b.view(i), _C.full([], 0.0, b.dtype, b.device))
                b.ready.add(i)
            self._launch_ready("end")
            used = self._globally_used(used)  # issued after every bucket, on every rank
        self._launch_ready("end")
        with no_grad():
            for b in self._buckets:
                b.work.wait()
                for i, p in enumerate(b.params):
                    if p.grad is not None:
                        _C.copy_(p.grad, b.view(i))
                    elif used is not None and used.get(id(p), True):
                        p.grad = _C.clone(b.view(i))  # unused here, used on another rank
        self._reset_pass(wait=False)

    def _globally_used(self, local):
        """{id(param): used on some rank} for the parameters in ``local`` (one all-reduce MAX
        over a flag per parameter of the model)."""
        from ...creation import tensor
        order = [id(p) for b in self._buckets for p in b.params]
        flags = tensor([1 if local.get(k, True) else 0 for k in order],
                       device=self._control_device)
        dist.all_reduce(flags, dist.ReduceOp.MAX)
        return dict(zip(order, (bool(f) for f in flags.cpu().tolist())))

    def _reset_pass(self, wait):
        for b in self._buckets:
            if wait and b.work is not None:
                b.work.wait()
            b.work = None
            b.ready.clear()
        self._next_bucket = 0
        self._in_pass = False

    def extra_repr(self):
        sizes = ", ".join(str(b.numel) for b in self._buckets)
        return (f"world_size={self.world_size}, buckets={len(self._buckets)} ({sizes} "
                f"elements), find_unused_parameters={self.find_unused_parameters}")
