"""The autograd tape: Function/Context, the backward engine, grad mode; ``functions/`` holds
every op's Function (one module per op family)."""
from .function import Context, Function, Node
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .engine import queue_callback, run_backward

__all__ = ["Context", "Function", "Node", "enable_grad", "is_grad_enabled", "no_grad",
           "set_grad_enabled", "run_backward", "queue_callback"]
