"""``MultiheadAttention`` with torch's layout: in_proj_weight (3E, E) and in_proj_bias (3E,) (or
q_proj_weight / k_proj_weight / v_proj_weight when kdim / vdim differ from embed_dim) and an
``out_proj`` Linear, so a torch state_dict loads as is.

``multi_head_attention_forward`` follows torch.nn.functional's: sequence-first (L, N, E)
inputs, masks made additive float masks (bool True = not allowed), key_padding_mask merged
into attn_mask per head. need_weights=True takes the explicit path (softmax of the scaled
scores, the weights returned averaged over heads or per head); need_weights=False calls
``scaled_dot_product_attention`` when lamina has it."""
from __future__ import annotations

import math

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt
from .. import functional as F
from ..autograd.functions import views as _v
from ..autograd.functions.index import cat as _cat
from ..autograd.functions.matmul import matmul as _matmul
from ..autograd.functions.reduce import mean as _mean
from . import init
from .linear import Linear
from .module import Module
from .parameter import Parameter

Tensor = _C.Tensor

__all__ = ["MultiheadAttention", "multi_head_attention_forward", "causal_mask"]

_OP = "[multi_head_attention]"


class NonDynamicallyQuantizableLinear(Linear):
    """torch's name for MultiheadAttention.out_proj (a plain Linear; kept for the repr)."""


def causal_mask(L, S, device, dtype=None):
    """(L, S) mask of the positions a causal query may not see: bool True above the diagonal,
    or with ``dtype`` a float mask of -inf there and 0 elsewhere."""
    rows = _C.unsqueeze(_C.arange(0, L, 1, _dt.int64, device), 1)
    cols = _C.unsqueeze(_C.arange(0, S, 1, _dt.int64, device), 0)
    m = _C.gt(cols, rows)
    if dtype is None:
        return m
    return _float_mask(m, dtype)


def _float_mask(m, dtype):
    return _C.where(m, _C.full([], -math.inf, dtype, m.device), _C.full([], 0.0, dtype, m.device))


def _canonical_mask(mask, name, dtype):
    """None, or ``mask`` as an additive float mask of ``dtype`` (bool True -> -inf)."""
    if mask is None:
        return None
    if not isinstance(mask, Tensor):
        raise TypeError(f"{_OP} {name} must be a lamina tensor or None, got {type(mask).__name__}")
    if mask.dtype == _dt.bool_:
        return _float_mask(mask, dtype)
    if not mask.dtype.is_floating_point:
        raise TypeError(f"{_OP} only bool and floating types of {name} are supported, got "
                        f"{mask.dtype}")
    return mask if mask.dtype == dtype else mask.to(dtype)


def _pad_col(mask):
    """A zero column appended to the last dim of a float mask."""
    pad = _C.full(list(mask.shape[:-1]) + [1], 0.0, mask.dtype, mask.device)
    return _cat([mask, pad], -1)


def _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads):
    for name, t in (("query", query), ("key", key), ("value", value)):
        if not isinstance(t, Tensor):
            raise TypeError(f"{_OP} expected {name} to be a lamina tensor, got "
                            f"{type(t).__name__}")
    if query.ndim == 3:
        if key.ndim != 3 or value.ndim != 3:
            raise ValueError(f"{_OP} for a batched (3-D) query, expected key and value to be "
                             f"3-D, got {key.ndim}-D and {value.ndim}-D")
        if key_padding_mask is not None and key_padding_mask.ndim != 2:
            raise ValueError(f"{_OP} for a batched (3-D) query, expected key_padding_mask to be "
                             f"None or 2-D, got {key_padding_mask.ndim}-D")
        if attn_mask is not None and attn_mask.ndim not in (2, 3):
            raise ValueError(f"{_OP} for a batched (3-D) query, expected attn_mask to be None, "
                             f"2-D or 3-D, got {attn_mask.ndim}-D")
        return True
    if query.ndim == 2:
        if key.ndim != 2 or value.ndim != 2:
            raise ValueError(f"{_OP} for an unbatched (2-D) query, expected key and value to be "
                             f"2-D, got {key.ndim}-D and {value.ndim}-D")
        if key_padding_mask is not None and key_padding_mask.ndim != 1:
            raise ValueError(f"{_OP} for an unbatched (2-D) query, expected key_padding_mask to "
                             f"be None or 1-D, got {key_padding_mask.ndim}-D")
        if attn_mask is not None:
            if attn_mask.ndim not in (2, 3):
                raise ValueError(f"{_OP} for an unbatched (2-D) query, expected attn_mask to be "
                                 f"None, 2-D or 3-D, got {attn_mask.ndim}-D")
            if attn_mask.ndim == 3 and attn_mask.shape[0] != num_heads:
                raise ValueError(f"{_OP} expected a 3-D attn_mask of shape ({num_heads}, "
                                 f"{query.shape[0]}, {key.shape[0]}), got "
                                 f"{tuple(attn_mask.shape)}")
        return False
    raise ValueError(f"{_OP} query should be unbatched 2-D or batched 3-D, got a {query.ndim}-D "
                     f"query of shape {tuple(query.shape)}")


def _in_projection(query, key, value, E, in_proj_weight, in_proj_bias, separate, qw, kw, vw):
    if in_proj_bias is not None:
        bq, bk, bv = (_v.narrow(in_proj_bias, 0, i * E, E) for i in range(3))
    else:
        bq = bk = bv = None
    if not separate:
        if in_proj_weight is None:
            raise ValueError(f"{_OP} in_proj_weight is None but use_separate_proj_weight is "
                             "False")
        qw, kw, vw = (_v.narrow(in_proj_weight, 0, i * E, E) for i in range(3))
    elif qw is None or kw is None or vw is None:
        raise ValueError(f"{_OP} use_separate_proj_weight is True but q_proj_weight, "
                         "k_proj_weight or v_proj_weight is None")
    if key.shape[-1] != kw.shape[1]:
        raise ValueError(f"{_OP} expected key with {kw.shape[1]} features (kdim), got key of "
                         f"shape {tuple(key.shape)}")
    if value.shape[-1] != vw.shape[1]:
        raise ValueError(f"{_OP} expected value with {vw.shape[1]} features (vdim), got value "
                         f"of shape {tuple(value.shape)}")
    if query is key and key is value and not separate:  # self-attention: one GEMM
        q, k, v = _v.chunk(F.linear(query, in_proj_weight, in_proj_bias), 3, -1)
        return q, k, v
    return F.linear(query, qw, bq), F.linear(key, kw, bk), F.linear(value, vw, bv)


def multi_head_attention_forward(query, key, value, embed_dim_to_check, num_heads,
                                 in_proj_weight, in_proj_bias, bias_k, bias_v, add_zero_attn,
                                 dropout_p, out_proj_weight, out_proj_bias, training=True,
                                 key_padding_mask=None, need_weights=True, attn_mask=None,
                                 use_separate_proj_weight=False, q_proj_weight=None,
                                 k_proj_weight=None, v_proj_weight=None, static_k=None,
                                 static_v=None, average_attn_weights=True, is_causal=False):
    """torch.nn.functional.multi_head_attention_forward: query (L, N, E) or (L, E), key
    (S, N, kdim), value (S, N, vdim) -> (attn_output (L, N, E), weights (N, L, S) averaged,
    (N, H, L, S) per head, or None). ``is_causal`` without an attn_mask applies the causal
    mask (torch requires the mask itself then)."""
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = (_v.unsqueeze(t, 1) for t in (query, key, value))
        if key_padding_mask is not None:
            key_padding_mask = _v.unsqueeze(key_padding_mask, 0)
    L, N, E = (int(s) for s in query.shape)
    S = int(key.shape[0])
    if E != embed_dim_to_check:
        raise ValueError(f"{_OP} expected query with embed_dim={embed_dim_to_check} features, "
                         f"got query of shape {tuple(query.shape)}")
    if num_heads <= 0 or E % num_heads:
        raise ValueError(f"{_OP} embed_dim {E} is not divisible by num_heads {num_heads}")
    if tuple(key.shape[:2]) != tuple(value.shape[:2]):
        raise ValueError(f"{_OP} key of shape {tuple(key.shape)} and value of shape "
                         f"{tuple(value.shape)} must have the same sequence length and batch")
    if int(key.shape[1]) != N:
        raise ValueError(f"{_OP} query batch size {N} does not match the key batch size "
                         f"{int(key.shape[1])}")
    if not use_separate_proj_weight and tuple(key.shape) != tuple(value.shape):
        raise ValueError(f"{_OP} key shape {tuple(key.shape)} does not match value shape "
                         f"{tuple(value.shape)}")
    H, D = num_heads, E // num_heads
    dtype = query.dtype
    for name, st in (("static_k", static_k), ("static_v", static_v)):
        if st is None:
            continue
        if (bias_k is not None or bias_v is not None):
            raise ValueError(f"{_OP} bias_k / bias_v cannot be added to a static key or value")
        if st.ndim != 3 or int(st.shape[0]) != N * H or int(st.shape[2]) != D:
            raise ValueError(f"{_OP} expected {name} of shape ({N * H}, S, {D}) (batch * "
                             f"num_heads, S, head_dim), got {tuple(st.shape)}")
    if static_k is not None and static_v is not None and static_k.shape[1] != static_v.shape[1]:
        raise ValueError(f"{_OP} static_k and static_v must have one length, got "
                         f"{tuple(static_k.shape)} and {tuple(static_v.shape)}")
    if static_k is not None:
        S = int(static_k.shape[1])
    if key_padding_mask is not None and tuple(key_padding_mask.shape) != (N, S):
        raise ValueError(f"{_OP} expected key_padding_mask of shape ({N}, {S}), got "
                         f"{tuple(key_padding_mask.shape)}")
    key_padding_mask = _canonical_mask(key_padding_mask, "key_padding_mask", dtype)
    if is_causal and attn_mask is None:
        if key_padding_mask is None and not need_weights and bias_k is None \
                and not add_zero_attn and _sdpa() is not None:
            pass  # SDPA applies the causal mask itself
        else:
            attn_mask = causal_mask(L, S, query.device)
            is_causal = False
    elif attn_mask is not None:
        is_causal = False  # the mask itself is used
    attn_mask = _canonical_mask(attn_mask, "attn_mask", dtype)
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (L, S):
                raise ValueError(f"{_OP} expected a 2-D attn_mask of shape ({L}, {S}), got "
                                 f"{tuple(attn_mask.shape)}")
            attn_mask = _v.unsqueeze(attn_mask, 0)
        elif tuple(attn_mask.shape) != (N * H, L, S):
            raise ValueError(f"{_OP} expected a 3-D attn_mask of shape ({N * H}, {L}, {S}) "
                             f"(batch * num_heads, L, S), got {tuple(attn_mask.shape)}")

    q, k, v = _in_projection(query, key, value, E, in_proj_weight, in_proj_bias,
                             use_separate_proj_weight, q_proj_weight, k_proj_weight,
                             v_proj_weight)
    if bias_k is not None and bias_v is not None:
        k = _cat([k, _v.repeat(bias_k, 1, N, 1)], 0)
        v = _cat([v, _v.repeat(bias_v, 1, N, 1)], 0)
        attn_mask = None if attn_mask is None else _pad_col(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_col(key_padding_mask)
    elif bias_k is not None or bias_v is not None:
        raise ValueError(f"{_OP} bias_k and bias_v must both be given or both be None")

    # heads: (L, N, E) -> (N * H, L, D)
    q = _v.transpose(_v.reshape(q, L, N * H, D), 0, 1)
    k = static_k if static_k is not None else \
        _v.transpose(_v.reshape(k, int(k.shape[0]), N * H, D), 0, 1)
    v = static_v if static_v is not None else \
        _v.transpose(_v.reshape(v, int(v.shape[0]), N * H, D), 0, 1)
    if add_zero_attn:
        zeros = _C.full([N * H, 1, D], 0.0, dtype, q.device)
        k, v = _cat([k, zeros], 1), _cat([v, zeros], 1)
        attn_mask = None if attn_mask is None else _pad_col(attn_mask)
        key_padding_mask = None if key_padding_mask is None else _pad_col(key_padding_mask)
    S = int(k.shape[1])
    if key_padding_mask is not None:  # (N, S) -> (N * H, 1, S), merged into attn_mask
        kpm = _v.reshape(_v.expand(_v.reshape(key_padding_mask, N, 1, 1, S), N, H, 1, S),
                         N * H, 1, S)
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0

    sdpa = None if need_weights else _sdpa()
    if sdpa is not None:
        if attn_mask is not None:
            attn_mask = _v.unsqueeze(attn_mask, 0) if attn_mask.shape[0] == 1 else \
                _v.reshape(attn_mask, N, H, -1, S)
        out = sdpa(_v.reshape(q, N, H, L, D), _v.reshape(k, N, H, S, D),
                   _v.reshape(v, N, H, S, D), attn_mask=attn_mask, dropout_p=dropout_p,
                   is_causal=is_causal)
        out = _v.reshape(_v.permute(out, 2, 0, 1, 3), L * N, E)
        weights = None
    else:
        scores = _matmul(q * (1.0 / math.sqrt(D)), _v.transpose(k, 1, 2))  # (N*H, L, S)
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = F.softmax(scores, -1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p)
        out = _matmul(weights, v)  # (N*H, L, D)
        out = _v.reshape(_v.transpose(out, 0, 1), L * N, E)
        if need_weights:
            weights = _v.reshape(weights, N, H, L, S)
            if average_attn_weights:
                weights = _mean(weights, 1)
            if not batched:
                weights = _v.squeeze(weights, 0)
        else:
            weights = None
    out = _v.reshape(F.linear(out, out_proj_weight, out_proj_bias), L, N, E)
    if not batched:
        out = _v.squeeze(out, 1)
    return out, weights


def _sdpa():
    return getattr(F, "scaled_dot_product_attention", None)


def _positive(name, n):
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"{_OP} {name} must be an int, got {type(n).__name__}")
    return n


class MultiheadAttention(Module):
    """``MultiheadAttention(embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
    add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None, dtype=None)``.

    Parameters as torch: in_proj_weight (3E, E) xavier_uniform (or q/k/v_proj_weight of
    (E, E), (E, kdim), (E, vdim) when kdim or vdim differs from E), in_proj_bias (3E,) zeros,
    out_proj a Linear(E, E) with its bias zeroed, bias_k / bias_v (1, 1, E) xavier_normal with
    add_bias_kv. forward(query, key, value, key_padding_mask=None, need_weights=True,
    attn_mask=None, average_attn_weights=True, is_causal=False) -> (output, weights or None)."""

    def __init__(self, embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False,
                 add_zero_attn=False, kdim=None, vdim=None, batch_first=False, device=None,
                 dtype=None):
        _positive("embed_dim", embed_dim)
        _positive("num_heads", num_heads)
        if embed_dim <= 0 or num_heads <= 0:
            raise ValueError(f"{_OP} embed_dim and num_heads must be greater than 0, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads} instead")
        if embed_dim % num_heads:
            raise ValueError(f"{_OP} embed_dim must be divisible by num_heads, got "
                             f"embed_dim={embed_dim} and num_heads={num_heads}")
        super().__init__()
        dtype = _dt.resolve(dtype, _dt.float32)
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads

        def empty(*shape):
            return Parameter(_creation.empty(*shape, dtype=dtype, device=device))
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = empty(embed_dim, embed_dim)
            self.k_proj_weight = empty(embed_dim, self.kdim)
            self.v_proj_weight = empty(embed_dim, self.vdim)
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = empty(3 * embed_dim, embed_dim)
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = empty(3 * embed_dim)
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = NonDynamicallyQuantizableLinear(embed_dim, embed_dim, bias=bias,
                                                        device=device, dtype=dtype)
        if add_bias_kv:
            self.bias_k = empty(1, 1, embed_dim)
            self.bias_v = empty(1, 1, embed_dim)
        else:
            self.bias_k = self.bias_v = None
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self):
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True,
                attn_mask=None, average_attn_weights=True, is_causal=False):
        batched = isinstance(query, Tensor) and query.ndim == 3
        if self.batch_first and batched:
            if key is value:
                if query is key:
                    query = key = value = _v.transpose(query, 0, 1)
                else:
                    query, key = _v.transpose(query, 0, 1), _v.transpose(key, 0, 1)
                    value = key
            else:
                query, key, value = (_v.transpose(t, 0, 1) if isinstance(t, Tensor) else t
                                     for t in (query, key, value))
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = _v.transpose(out, 0, 1)
        return out, weights
