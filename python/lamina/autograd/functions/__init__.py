"""The autograd Functions, one module per op family with the stems of csrc/ops/ (elementwise,
reduce, scan, sort, search, views, copy, index, matmul, softmax, loss, conv, pool, batchnorm,
layernorm, lstm, gru, attention): each holds the family's Function classes (forward and backward side by side) and
registers the family's Tensor methods and ``lamina.*`` functions next to them
(``lamina._registry.tensor_method``). Importing this package registers them all."""
from . import (attention, batchnorm, conv, copy, elementwise, gru, index, layernorm, loss,  # noqa: F401
               lstm, matmul, pool, reduce, scan, search, softmax, sort, views)
# composites and the op-list additions of torch's wider surface (math_ops: tan ... atan2, fmod,
# remainder; activation: silu, mish, elu, leaky_relu, softplus; linalg: norm, einsum, ...;
# shape: flip, roll, tril, ...; compare: isclose, allclose, nan_to_num; extras: take, cross,
# cdist, median, randperm, normal, ...)
from . import activation, compare, extras, linalg, math_ops, shape  # noqa: F401,E402
