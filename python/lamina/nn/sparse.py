"""``Embedding``: a lookup table of ``num_embeddings`` rows of size ``embedding_dim`` with torch's
layout (state_dict key "weight"), init (N(0, 1), padding row zero) and ``from_pretrained``."""
from __future__ import annotations

from .. import _C
from .. import creation as _creation
from .. import dtypes as _dt
from ..autograd.grad_mode import no_grad
from ..functional.sparse import check_padding_idx, embedding
from . import init
from .module import Module
from .parameter import Parameter, as_tensor

__all__ = ["Embedding"]


def _count(name, n):
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ValueError(f"[Embedding] {name} must be a non-negative integer, got {n!r}")
    return n


class Embedding(Module):
    """``Embedding(num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
    norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None, _freeze=False,
    device=None, dtype=None)``.

    weight: (num_embeddings, embedding_dim) ~ N(0, 1), the padding_idx row zeroed (it then gets
    no gradient). Input: int64 indices of any shape -> (*, embedding_dim)."""

    def __init__(self, num_embeddings, embedding_dim, padding_idx=None, max_norm=None,
                 norm_type=2.0, scale_grad_by_freq=False, sparse=False, _weight=None,
                 _freeze=False, device=None, dtype=None):
        super().__init__()
        self.num_embeddings = _count("num_embeddings", num_embeddings)
        self.embedding_dim = _count("embedding_dim", embedding_dim)
        self.padding_idx = check_padding_idx("Embedding", padding_idx, num_embeddings)
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        if sparse:
            raise ValueError("[Embedding] sparse gradients are not supported; use sparse=False")
        self.sparse = False
        if _weight is None:
            dtype = _dt.resolve(dtype, _dt.float32)
            if not dtype.is_floating_point:
                raise TypeError(f"[Embedding] dtype must be floating, got {dtype}")
            self.weight = Parameter(_creation.empty(num_embeddings, embedding_dim, dtype=dtype,
                                                    device=device), requires_grad=not _freeze)
            self.reset_parameters()
        else:
            w = as_tensor(_weight, "Embedding")
            if tuple(w.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"[Embedding] shape of _weight {tuple(w.shape)} does not match "
                                 f"num_embeddings and embedding_dim ({num_embeddings}, "
                                 f"{embedding_dim})")
            self.weight = Parameter(w, requires_grad=not _freeze)

    def reset_parameters(self):
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self):
        if self.padding_idx is not None:
            with no_grad():
                _C.copy_(_C.select(self.weight, 0, self.padding_idx),
                         _C.full([], 0.0, self.weight.dtype, self.weight.device))

    def forward(self, input):
        return embedding(input, self.weight, self.padding_idx, self.max_norm, self.norm_type,
                         self.scale_grad_by_freq, self.sparse)

    def extra_repr(self):
        s = f"{self.num_embeddings}, {self.embedding_dim}"
        if self.padding_idx is not None:
            s += f", padding_idx={self.padding_idx}"
        if self.max_norm is not None:
            s += f", max_norm={self.max_norm}"
        if self.norm_type != 2:
            s += f", norm_type={self.norm_type}"
        if self.scale_grad_by_freq is not False:
            s += f", scale_grad_by_freq={self.scale_grad_by_freq}"
        if self.sparse is not False:
            s += ", sparse=True"
        return s

    @classmethod
    def from_pretrained(cls, embeddings, freeze=True, padding_idx=None, max_norm=None,
                        norm_type=2.0, scale_grad_by_freq=False, sparse=False):
        """An Embedding holding ``embeddings`` (2-D) as its weight (shared, not copied, like
        torch); ``freeze`` makes the weight not require grad. The padding row is kept as
        given (torch does not zero it here either)."""
        w = as_tensor(embeddings, "Embedding.from_pretrained")
        if w.ndim != 2:
            raise ValueError(f"[Embedding.from_pretrained] embeddings must be 2-D, got "
                             f"{tuple(w.shape)}")
        rows, cols = (int(s) for s in w.shape)
        return cls(rows, cols, _weight=w, _freeze=freeze, padding_idx=padding_idx,
                   max_norm=max_norm, norm_type=norm_type,
                   scale_grad_by_freq=scale_grad_by_freq, sparse=sparse)
