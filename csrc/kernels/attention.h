#pragma once
// Scaled dot-product attention kernels (FlashAttention-style, the L x S matrix never stored):
//   out = softmax(Q K^T * scale + mask) V  per batch entry, Q (L, E), K (S, E), V (S, Ev).
// The forward walks blocks of queries against blocks of keys with an online softmax (running
// row max m and sum l) and saves lse = m + log l per query row; the backward recomputes the
// probabilities block by block from lse, with D_i = rowsum(dO_i * O_i):
//   dV = P~^T dO,  dP~ = dO V^T,  dS = P * (Z dP~ - D) * scale,  dQ = dS K,  dK = dS^T Q
// (P~ = P * Z, Z the dropout keep mask scaled by 1 / (1 - p)).
// Fully masked rows (no key takes part): out = 0, lse = +inf, and zero gradients.
// CPU: cpu/attention.cpp; CUDA: cuda/attention.cu. The plain-data parameters below are shared.
#include <cstdint>

#include "../core/dtype.h"
#include "../core/hd.h"
#include "../core/philox.h"
#include "kernel.h"

namespace lamina {

constexpr int kAttnMaxBatch = 8;

enum class AttnMask : int { None = 0, Bool = 1, Float = 2 };

// One call: `nb` batch entries (the broadcast batch dims, row-major, up to kAttnMaxBatch),
// each operand with its own batch strides (0 on broadcast dims) and matrix strides.
struct AttnParams {
  int64_t nb = 1, L = 0, S = 0, E = 0, Ev = 0;
  int nbd = 0;
  int64_t bshape[kAttnMaxBatch] = {};
  int64_t bq[kAttnMaxBatch] = {}, bk[kAttnMaxBatch] = {}, bv[kAttnMaxBatch] = {},
          bm[kAttnMaxBatch] = {};
  const void* q = nullptr;
  int64_t sqL = 0, sqE = 0;
  const void* k = nullptr;
  int64_t skS = 0, skE = 0;
  const void* v = nullptr;
  int64_t svS = 0, svE = 0;
  const void* mask = nullptr;  // bool (1 byte) or the dtype of q; kind in mask_kind
  AttnMask mask_kind = AttnMask::None;
  int64_t smL = 0, smS = 0;
  bool causal = false;  // key j takes part for query i iff j <= i (top-left aligned)
  double scale = 1.0;
  double dropout_p = 0.0;  // > 0: probabilities dropped with attn_keep(seed, ...)
  uint64_t seed = 0;
};

struct AttnOffsets {
  int64_t q, k, v, m;
};

// Element offsets of batch entry b in each operand.
LAMINA_HD AttnOffsets attn_offsets(const AttnParams& p, int64_t b) {
  AttnOffsets o{0, 0, 0, 0};
  for (int d = p.nbd - 1; d >= 0; --d) {
    const int64_t i = b % p.bshape[d];
    b /= p.bshape[d];
    o.q += i * p.bq[d];
    o.k += i * p.bk[d];
    o.v += i * p.bv[d];
    o.m += i * p.bm[d];
  }
  return o;
}

// Batch entry b of the operands: q, k, v at its first element, and the mask's first element
// (bool: 1 byte, float: a T) or null without a mask.
template <typename T>
struct AttnBatch {
  const T* q;
  const T* k;
  const T* v;
  const void* mask;
};

template <typename T>
LAMINA_HD AttnBatch<T> attn_batch(const AttnParams& p, int64_t b) {
  const AttnOffsets o = attn_offsets(p, b);
  const int64_t mask_elem = p.mask_kind == AttnMask::Bool ? 1 : static_cast<int64_t>(sizeof(T));
  return {static_cast<const T*>(p.q) + o.q, static_cast<const T*>(p.k) + o.k,
          static_cast<const T*>(p.v) + o.v,
          p.mask ? static_cast<const char*>(p.mask) + o.m * mask_elem : nullptr};
}

// Dropout: element (b, i, j) is kept iff word j % 4 of philox(seed, (b * L + i) * ceil(S / 4)
// + j / 4) is >= attn_drop_threshold(p), so one Philox draw serves 4 neighbouring keys and
// the CPU and CUDA kernels drop the same elements.
LAMINA_HD uint32_t attn_drop_threshold(double p) {
  const double t = p * 4294967296.0;
  return t >= 4294967295.0 ? 4294967295u : static_cast<uint32_t>(t);
}
LAMINA_HD uint64_t attn_row_counter(const AttnParams& p, int64_t b, int64_t i) {
  return static_cast<uint64_t>((b * p.L + i) * ((p.S + 3) / 4));
}
LAMINA_HD bool attn_keep(uint64_t seed, uint64_t row_counter, int64_t j, uint32_t thr) {
  const Philox4 r = philox4x32(seed, row_counter + static_cast<uint64_t>(j / 4));
  return r.v[j % 4] >= thr;
}

}  // namespace lamina

#define LAMINA_ATTENTION_KERNELS(X)                                                        \
  /* out (nb, L, Ev) and lse (nb, L) contiguous, the dtype of q. */                         \
  X(attention_forward, (DType dt, const AttnParams& p, void* out, void* lse))               \
  /* dout, out (nb, L, Ev) and lse (nb, L) contiguous; writes dq (nb, L, E), dk (nb, S, E), \
     dv (nb, S, Ev), contiguous. */                                                         \
  X(attention_backward, (DType dt, const AttnParams& p, const void* dout, const void* out,  \
                         const void* lse, void* dq, void* dk, void* dv))

LAMINA_DECLARE_KERNELS(LAMINA_ATTENTION_KERNELS)

namespace lamina::cpu {
// The keep mask of the dropout (nb, L, S) as bytes (1 kept, 0 dropped), on the host whatever
// the device (the draw is device-independent), for tests.
void attention_dropout_mask(const AttnParams& p, uint8_t* keep);
}  // namespace lamina::cpu
