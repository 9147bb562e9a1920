"""``scaled_dot_product_attention``: torch.nn.functional's attention on lamina's tiled
(FlashAttention-style) kernels."""
from __future__ import annotations

import numbers

from .. import _C
from ..autograd.grad_mode import _state
from ..autograd.functions.attention import ScaledDotProductAttention

Tensor = _C.Tensor

__all__ = ["multi_head_attention_forward", "scaled_dot_product_attention"]

_OP = "scaled_dot_product_attention"


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None, enable_gqa=False):
    """``softmax(query @ key.transpose(-2, -1) * scale + mask) @ value``, as torch's.

    Shapes: query ``(..., L, E)``, key ``(..., S, E)``, value ``(..., S, Ev)``, the batch dims
    ``...`` broadcast against each other; the result is ``(..., L, Ev)``. float32 or float64.

    * ``attn_mask``: bool (True = the key takes part) or a float tensor of the query's dtype
      added to the scores, broadcastable to ``(..., L, S)`` (read through strides, never
      copied). A float mask that requires grad takes the explicit path instead (the scores
      formed by lamina's GEMM, its softmax kernel, a GEMM), whose gradient reaches the mask.
    * ``is_causal``: query ``i`` sees keys ``j <= i`` (top-left aligned, as torch, also when
      L != S); an error together with ``attn_mask``.
    * ``scale``: defaults to ``1 / sqrt(E)``.
    * ``dropout_p``: applied to the attention probabilities whenever > 0 (as torch's function,
      which has no ``training`` flag), each kept one scaled by ``1 / (1 - p)``. The keep mask
      is drawn inside the kernels from a Philox stream keyed by one draw of lamina's generator
      (reproducible under ``lamina.manual_seed``) and regenerated identically by backward.
    * ``enable_gqa``: grouped-query attention, the heads at dim -3: key and value may have
      ``Hkv`` heads dividing the query's ``Hq``, query head ``h`` using key/value head
      ``h // (Hq // Hkv)``.

    Fully masked rows (a query for which no key takes part, e.g. an all-False bool mask row
    or an all ``-inf`` float mask row): the output row is 0 and so are its gradients, as with
    torch's fused CPU kernel (its explicit math path gives NaN there). Empty key sequences
    (S = 0) are fully masked too.
    """
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"[{_OP}] expected {name} to be a lamina Tensor, got "
                            f"{type(t).__name__}")
    if attn_mask is not None:
        if not isinstance(attn_mask, Tensor):
            raise TypeError(f"[{_OP}] expected attn_mask to be a lamina Tensor or None, got "
                            f"{type(attn_mask).__name__}")
        if _state.enabled and attn_mask.requires_grad:
            if not attn_mask.dtype.is_floating_point:
                raise TypeError(f"[{_OP}] a bool attn_mask has no gradient")
            if is_causal:
                raise ValueError(f"[{_OP}] attn_mask and is_causal cannot both be given")
            return _explicit(query, key, value, attn_mask, float(dropout_p), scale,
                             bool(enable_gqa))
    if isinstance(dropout_p, bool) or not isinstance(dropout_p, numbers.Real):
        raise TypeError(f"[{_OP}] dropout_p must be a float, got {type(dropout_p).__name__}")
    dropout_p = float(dropout_p)  # its range, like every value and shape, is checked by the op
    if scale is not None:
        if isinstance(scale, bool) or not isinstance(scale, numbers.Real):
            raise TypeError(f"[{_OP}] scale must be a float or None, got {type(scale).__name__}")
        scale = float(scale)
    seed = 0
    if dropout_p > 0.0:
        seed = int(_C.randint([1], 0, 1 << 62, _C.DType.int64, _C.Device("cpu")).item())
    return ScaledDotProductAttention.apply(query, key, value, attn_mask, bool(is_causal), scale,
                                           dropout_p, seed, bool(enable_gqa))


def _explicit(q, k, v, mask, dropout_p, scale, enable_gqa):
    """softmax(q k^T * scale + mask) v with every step an autograd op, so the mask gets its
    gradient; fully masked rows give 0, as the fused kernels."""
    from ..autograd.functions.elementwise import where
    from ..autograd.functions.extras import repeat_interleave
    from .dropout import dropout
    if enable_gqa and q.ndim >= 3 and k.shape[-3] != q.shape[-3]:
        group = int(q.shape[-3]) // int(k.shape[-3])
        k, v = repeat_interleave(k, group, -3), repeat_interleave(v, group, -3)
    s = float(scale) if scale is not None else 1.0 / float(int(q.shape[-1])) ** 0.5
    scores = (q * s).matmul(k.transpose(-2, -1)) + mask
    top = scores.detach().amax(-1, keepdim=True)
    live = _C.gt(top, float("-inf"))
    probs = where(live, scores, _C.full([], 0.0, scores.dtype, scores.device)).softmax(-1)
    probs = probs * _C.cast(live, probs.dtype)
    if dropout_p > 0.0:
        probs = dropout(probs, dropout_p, True)
    return probs.matmul(v)


def multi_head_attention_forward(*args, **kwargs):
    """torch.nn.functional.multi_head_attention_forward (the computation of
    nn.MultiheadAttention with its weights passed in: in-projection, scaled_dot_product_attention
    over the heads, out-projection); defined in nn/attention.py next to the module."""
    from ..nn.attention import multi_head_attention_forward as _mha
    return _mha(*args, **kwargs)
