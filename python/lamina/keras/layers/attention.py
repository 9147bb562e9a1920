"""Attention (Luong dot-product) and MultiHeadAttention with Keras's call conventions and
weight shapes, on lamina's tiled scaled_dot_product_attention kernel (the explicit softmax
path only when the scores are asked for).

Masks are bool, True where attention is allowed (Keras's meaning). A query row whose keys are
all masked gets zeros from the fused kernel; Keras's -1e9 fill gives it the mean of the values
instead (the explicit path, ``return_attention_scores=True``, follows Keras)."""
from __future__ import annotations

import math

from ... import _C
from ... import functional as F
from ...autograd.functions import views as _v
from ...autograd.functions.elementwise import where as _where
from .._core import KerasTensor, Layer


def _bool(t):
    return t if t.dtype == _C.DType.bool else t.ne(0)


def _causal(L, S, device):
    i = _C.unsqueeze(_C.arange(0, L, 1, _C.DType.int64, device), 1)
    j = _C.unsqueeze(_C.arange(0, S, 1, _C.DType.int64, device), 0)
    return _C.ge(i, j)  # (L, S): query i sees keys j <= i


def _attend(q, k, v, mask, scale, dropout, want_scores):
    """softmax(q k^T * scale, masked) v with q (..., L, E), k (..., S, E), v (..., S, Ev);
    mask bool broadcastable to (..., L, S) or None."""
    if not want_scores:
        return F.scaled_dot_product_attention(q, k, v, attn_mask=mask, dropout_p=dropout,
                                              scale=scale), None
    scores = (q * scale).matmul(_v.transpose(k, -1, -2))
    if mask is not None:
        scores = _where(mask, scores, -1e9)
    weights = F.softmax(scores, -1)
    probs = F.dropout(weights, dropout, True) if dropout > 0 else weights
    return probs.matmul(v), weights


class Attention(Layer):
    """``Attention(use_scale=False, score_mode='dot', dropout=0.0)``: call([query, value] or
    [query, value, key], mask=None ([query_mask, value_mask]), return_attention_scores=False,
    use_causal_mask=False, training=None). Scores are query . key (no 1/sqrt(d)), times the
    trainable scalar ``scale`` with use_scale."""

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode != "dot":
            raise NotImplementedError("[Attention] only score_mode='dot' is supported")
        self.use_scale, self.score_mode, self.dropout = bool(use_scale), score_mode, float(dropout)

    def _check_input(self, shapes):
        if not isinstance(shapes, (list, tuple)) or len(shapes) not in (2, 3) or \
                not all(isinstance(s, tuple) for s in shapes):
            raise self._error("expected a list [query, value] or [query, value, key]")
        q, v = shapes[0], shapes[1]
        k = shapes[2] if len(shapes) == 3 else v
        if len(q) != 3 or len(v) != 3 or len(k) != 3:
            raise self._error(f"expected 3-D query, value and key, got {q}, {v}, {k}")
        if q[-1] != k[-1] or k[1] != v[1]:
            raise self._error(f"query {q} and key {k} must share the last axis and key and "
                              f"value {v} the time axis")

    def build(self, input_shape):
        if self.use_scale:
            self.add_weight((), "ones", "scale")

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        q, v = inputs[0], inputs[1]
        k = inputs[2] if len(inputs) == 3 else v
        L, S = int(q.shape[1]), int(k.shape[1])
        qm, vm = (mask if mask is not None else [None, None])[:2]
        att = None
        if vm is not None:
            att = _v.unsqueeze(_bool(vm), 1)  # (B, 1, S)
        if use_causal_mask:
            c = _causal(L, S, q.device)
            att = c if att is None else att.logical_and(c)
        if self.use_scale:
            q = q * self.scale
        out, weights = _attend(q, k, v, att, 1.0, self.dropout if training else 0.0,
                               return_attention_scores)
        if qm is not None:
            out = out * _v.unsqueeze(_bool(qm), -1).to(out.dtype)
        return (out, weights) if return_attention_scores else out

    def compute_output_spec(self, inputs, mask=None, return_attention_scores=False, **kwargs):
        q, v = inputs[0], inputs[1]
        out = KerasTensor(q.shape[:2] + v.shape[-1:])
        if return_attention_scores:
            return out, KerasTensor(q.shape[:2] + (v.shape[1],))
        return out


class MultiHeadAttention(Layer):
    """``MultiHeadAttention(num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
    output_shape=None, kernel_initializer='glorot_uniform', bias_initializer='zeros')``.

    call(query, value, key=None, attention_mask=None, return_attention_scores=False,
    training=None, use_causal_mask=False) on (batch, time, dim) inputs. Weights in Keras's
    order and shapes: query kernel (dq, H, K) and bias (H, K), key (dk, H, K), (H, K), value
    (dv, H, V), (H, V), output kernel (H, V, out) and bias (out,); out = dq unless
    output_shape. Queries are scaled by 1/sqrt(K). Only rank-3 inputs (attention over axis 1)
    are supported."""

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", seed=None, **kwargs):
        super().__init__(**kwargs)
        if attention_axes is not None:
            raise NotImplementedError("[MultiHeadAttention] attention_axes is not supported")
        self.num_heads, self.key_dim = int(num_heads), int(key_dim)
        self.value_dim = int(value_dim) if value_dim else self.key_dim
        self.dropout, self.use_bias = float(dropout), bool(use_bias)
        if output_shape is not None and not isinstance(output_shape, int):
            output_shape = tuple(output_shape)
            if len(output_shape) != 1:
                raise NotImplementedError("[MultiHeadAttention] output_shape must be one int")
            output_shape = output_shape[0]
        self.out_dim = output_shape
        self._inits = (kernel_initializer, bias_initializer)

    def _shapes(self, args, kwargs):
        def shape(t):
            return tuple(t.shape) if t is not None else None
        q = shape(args[0])
        v = shape(args[1] if len(args) > 1 else kwargs.get("value"))
        k = shape(args[2] if len(args) > 2 else kwargs.get("key"))
        return q, v, (k if k is not None else v)

    def _check_shapes(self, q, v, k):
        for name, s in (("query", q), ("value", v), ("key", k)):
            if s is None or len(s) != 3:
                raise self._error(f"expected a 3-D {name} (batch, time, dim), got {s}")
        if k[1] != v[1]:
            raise self._error(f"key {k} and value {v} must have the same time axis")
        if self.built:
            for name, s, w in (("query", q, self.query_kernel), ("key", k, self.key_kernel),
                               ("value", v, self.value_kernel)):
                if s[-1] != w.shape[0]:
                    raise self._error(f"expected {name} with {w.shape[0]} features, got {s}")

    def _build_from_call(self, args, kwargs):
        q, v, k = self._shapes(args, kwargs)
        self._check_shapes(q, v, k)
        H, K, V = self.num_heads, self.key_dim, self.value_dim
        kern, bias = self._inits
        out = self.out_dim or q[-1]
        for name, dim, width in (("query", q[-1], K), ("key", k[-1], K), ("value", v[-1], V)):
            self.add_weight((dim, H, width), kern, f"{name}_kernel")
            if self.use_bias:
                self.add_weight((H, width), bias, f"{name}_bias")
        self.add_weight((H, V, out), kern, "output_kernel")
        if self.use_bias:
            self.add_weight((out,), bias, "output_bias")
        self._build_shapes = (q, v, k)
        self.built = True

    def _checked(self, first):
        pass  # checked in call, where value and key are known

    def _project(self, x, name, width):
        H = self.num_heads
        w = getattr(self, f"{name}_kernel")
        b = getattr(self, f"{name}_bias") if self.use_bias else None
        y = F.linear(x, _v.t(_v.reshape(w, int(w.shape[0]), H * width)),
                     None if b is None else _v.reshape(b, H * width))
        B, T = int(x.shape[0]), int(x.shape[1])
        return _v.permute(_v.reshape(y, B, T, H, width), 0, 2, 1, 3)  # (B, H, T, width)

    def call(self, query, value, key=None, attention_mask=None, return_attention_scores=False,
             training=False, use_causal_mask=False, query_mask=None, value_mask=None,
             key_mask=None):
        key = value if key is None else key
        self._check_shapes(tuple(query.shape), tuple(value.shape), tuple(key.shape))
        H, K, V = self.num_heads, self.key_dim, self.value_dim
        q = self._project(query, "query", K)
        k = self._project(key, "key", K)
        v = self._project(value, "value", V)
        B, L, S = int(query.shape[0]), int(query.shape[1]), int(key.shape[1])
        mask = None if attention_mask is None else _v.unsqueeze(_bool(attention_mask), 1)
        if value_mask is not None:
            vm = _v.reshape(_bool(value_mask), B, 1, 1, S)
            mask = vm if mask is None else mask.logical_and(vm)
        if use_causal_mask:
            c = _causal(L, S, query.device)
            mask = c if mask is None else mask.logical_and(c)
        o, weights = _attend(q, k, v, mask, 1.0 / math.sqrt(K), self.dropout if training else 0.0,
                             return_attention_scores)
        o = _v.reshape(_v.permute(o, 0, 2, 1, 3), B, L, H * V)
        wo = self.output_kernel
        out = F.linear(o, _v.t(_v.reshape(wo, H * V, int(wo.shape[2]))),
                       self.output_bias if self.use_bias else None)
        if query_mask is not None:
            out = out * _v.unsqueeze(_bool(query_mask), -1).to(out.dtype)
        return (out, weights) if return_attention_scores else out

    def compute_output_spec(self, query, value, key=None, return_attention_scores=False,
                            **kwargs):
        out = KerasTensor(query.shape[:2] + (self.out_dim or query.shape[-1],))
        if return_attention_scores:
            return out, KerasTensor((query.shape[0], self.num_heads, query.shape[1],
                                     value.shape[1]))
        return out
