// Scaled dot-product attention: validation, the batch geometry (broadcast batch dims and
// grouped-query heads become strides, 0 where an operand is shared), output allocation, and
// the reduction of gradients over the batch dims an input was broadcast along.
#include <cmath>
#include <limits>

#include "../core/geometry.h"
#include "../kernels/attention.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

constexpr const char* kOp = "scaled_dot_product_attention";

struct Prep {
  AttnParams p;
  Shape ext;        // the kernel's batch dims
  Shape user;       // the output's batch dims (ext with the GQA (Hkv, G) pair as Hq)
  Shape qe, ke, ve;  // each operand's batch shape in ext coordinates (1 where shared)
  Tensor q, k, v, mask;
};

// Right-aligned batch strides of an operand with batch shape `bs`/`st` over `ext` (0 where
// the operand has size 1 or lacks the dim); `bs` padded to ext's length in `padded`.
void batch_strides(const Shape& bs, const Shape& st, const Shape& ext, int64_t* out,
                   Shape* padded) {
  const size_t n = ext.size(), lead = n - bs.size();
  padded->assign(n, 1);
  for (size_t d = 0; d < n; ++d) {
    out[d] = 0;
    if (d < lead) continue;
    (*padded)[d] = bs[d - lead];
    if (bs[d - lead] != 1) out[d] = st[d - lead];
  }
}

Prep prepare(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& mask, bool causal,
             std::optional<double> scale, double dropout_p, uint64_t seed, bool gqa) {
  for (const Tensor* t : {&q, &k, &v}) {
    LAMINA_CHECK(t->defined(), ValueError, "[", kOp, "] query, key and value are required");
    LAMINA_CHECK(is_floating(t->dtype()), TypeError, "[", kOp,
                 "] expected float32 or float64 query, key and value, got ",
                 dtype_name(t->dtype()));
    LAMINA_CHECK(t->dim() >= 2, ValueError, "[", kOp,
                 "] expected query (..., L, E), key (..., S, E) and value (..., S, Ev) with at "
                 "least 2 dims, got shapes ", shape_str(q.shape()), ", ", shape_str(k.shape()),
                 ", ", shape_str(v.shape()));
  }
  LAMINA_CHECK(q.dtype() == k.dtype() && q.dtype() == v.dtype(), TypeError, "[", kOp,
               "] expected query, key and value of one dtype, got ", dtype_name(q.dtype()), ", ",
               dtype_name(k.dtype()), ", ", dtype_name(v.dtype()));
  if (mask.defined()) {
    check_same_device(kOp, {&q, &k, &v, &mask});
  } else {
    check_same_device(kOp, {&q, &k, &v});
  }
  const int64_t L = q.size(q.dim() - 2), E = q.size(q.dim() - 1);
  const int64_t S = k.size(k.dim() - 2), Ek = k.size(k.dim() - 1);
  const int64_t Sv = v.size(v.dim() - 2), Ev = v.size(v.dim() - 1);
  LAMINA_CHECK(E == Ek, ValueError, "[", kOp, "] query's last dim (E = ", E,
               ") must match key's (", Ek, "): query ", shape_str(q.shape()), ", key ",
               shape_str(k.shape()));
  LAMINA_CHECK(S == Sv, ValueError, "[", kOp, "] key and value must have the same sequence "
               "length S (dim -2), got key ", shape_str(k.shape()), " and value ",
               shape_str(v.shape()));
  LAMINA_CHECK(!(causal && mask.defined()), ValueError, "[", kOp,
               "] attn_mask and is_causal cannot both be set");
  LAMINA_CHECK(dropout_p >= 0.0 && dropout_p <= 1.0, ValueError, "[", kOp,
               "] dropout_p has to be between 0 and 1, got ", dropout_p);
  if (scale) {
    LAMINA_CHECK(std::isfinite(*scale), ValueError, "[", kOp, "] scale must be finite, got ",
                 *scale);
  }

  Prep r;
  auto split = [](const Tensor& t, Shape* bs, Shape* st) {
    bs->assign(t.shape().begin(), t.shape().end() - 2);
    st->assign(t.strides().begin(), t.strides().end() - 2);
  };
  Shape qb, qs, kb, ks, vb, vs;
  split(q, &qb, &qs);
  split(k, &kb, &ks);
  split(v, &vb, &vs);
  int64_t G = 1;
  if (gqa) {
    LAMINA_CHECK(q.dim() >= 3 && k.dim() >= 3 && v.dim() >= 3, ValueError, "[", kOp,
                 "] enable_gqa needs query, key and value with a heads dim (..., H, L, E), got "
                 "shapes ", shape_str(q.shape()), ", ", shape_str(k.shape()), ", ",
                 shape_str(v.shape()));
    const int64_t Hq = qb.back(), Hk = kb.back(), Hv = vb.back();
    LAMINA_CHECK(Hk == Hv && Hk > 0 && Hq % Hk == 0, ValueError, "[", kOp,
                 "] enable_gqa needs key and value with the same number of heads dividing the "
                 "query's, got query heads ", Hq, ", key heads ", Hk, ", value heads ", Hv);
    G = Hq / Hk;
    if (G > 1) {  // q heads (Hk, G); k and v heads (Hk, 1)
      const int64_t sh = qs.back();
      qb.back() = Hk;
      qs.back() = sh * G;
      qb.push_back(G);
      qs.push_back(sh);
      kb.push_back(1);
      ks.push_back(0);
      vb.push_back(1);
      vs.push_back(0);
    }
  }
  r.ext = broadcast_shapes(kOp, broadcast_shapes(kOp, qb, kb), vb);
  const int nbd = static_cast<int>(r.ext.size());
  LAMINA_CHECK(nbd <= kAttnMaxBatch, ValueError, "[", kOp, "] at most ", kAttnMaxBatch,
               " batch dims are supported, got ", nbd);
  r.user = r.ext;
  if (G > 1) {
    r.user.pop_back();
    r.user.back() *= G;
  }
  AttnParams& p = r.p;
  p.nbd = nbd;
  p.nb = shape_numel(r.ext);
  for (int d = 0; d < nbd; ++d) p.bshape[d] = r.ext[d];
  batch_strides(qb, qs, r.ext, p.bq, &r.qe);
  batch_strides(kb, ks, r.ext, p.bk, &r.ke);
  batch_strides(vb, vs, r.ext, p.bv, &r.ve);
  p.L = L, p.S = S, p.E = E, p.Ev = Ev;
  p.q = q.raw(), p.sqL = q.strides()[q.dim() - 2], p.sqE = q.strides()[q.dim() - 1];
  p.k = k.raw(), p.skS = k.strides()[k.dim() - 2], p.skE = k.strides()[k.dim() - 1];
  p.v = v.raw(), p.svS = v.strides()[v.dim() - 2], p.svE = v.strides()[v.dim() - 1];
  if (mask.defined()) {
    LAMINA_CHECK(mask.dtype() == DType::Bool || mask.dtype() == q.dtype(), TypeError, "[", kOp,
                 "] attn_mask must be bool or of the query's dtype (", dtype_name(q.dtype()),
                 "), got ", dtype_name(mask.dtype()));
    Shape full = r.user;
    full.push_back(L);
    full.push_back(S);
    const Shape ms = broadcast_strides(kOp, mask, full);  // "[op] shape .. cannot be broadcast"
    const size_t nu = r.user.size();
    for (size_t d = 0; d < nu; ++d) p.bm[d] = ms[d];
    if (G > 1) {  // the heads dim (Hq) as (Hk, G)
      const int64_t sh = ms[nu - 1];
      p.bm[nu - 1] = sh * G;
      p.bm[nu] = sh;
    }
    p.mask = mask.raw();
    p.mask_kind = mask.dtype() == DType::Bool ? AttnMask::Bool : AttnMask::Float;
    p.smL = ms[nu];
    p.smS = ms[nu + 1];
  }
  p.causal = causal;
  p.scale = scale ? *scale : (E > 0 ? 1.0 / std::sqrt(static_cast<double>(E)) : 1.0);
  p.dropout_p = dropout_p;
  p.seed = seed;
  r.q = q, r.k = k, r.v = v, r.mask = mask;
  return r;
}

Shape with(Shape s, int64_t a, int64_t b) {
  s.push_back(a);
  s.push_back(b);
  return s;
}

// g (ext..., R, C) contiguous back to `target` (the input's shape), summing the batch dims
// the input was broadcast along (its ext-coordinate batch shape `be` has 1 there).
Tensor reduce_to(const Tensor& g, const Shape& ext, const Shape& be, const Shape& target) {
  std::vector<int64_t> dims;
  for (size_t d = 0; d < ext.size(); ++d)
    if (be[d] == 1 && ext[d] != 1) dims.push_back(static_cast<int64_t>(d));
  Tensor r = dims.empty() ? g : sum(g, dims, true);
  return reshape(r, target);
}

}  // namespace

std::vector<Tensor> attention_forward(const Tensor& q, const Tensor& k, const Tensor& v,
                                      const Tensor& mask, bool causal, std::optional<double> scale,
                                      double dropout_p, uint64_t seed, bool gqa) {
  Prep r = prepare(q, k, v, mask, causal, scale, dropout_p, seed, gqa);
  const AttnParams& p = r.p;
  Tensor out = Tensor::empty(with(r.user, p.L, p.Ev), q.dtype(), q.device());
  Tensor lse = Tensor::empty({p.nb, p.L}, q.dtype(), q.device());
  if (p.nb == 0 || p.L == 0) return {out, lse};
  LAMINA_KERNEL(q.device(), attention_forward, q.dtype(), p, out.raw(), lse.raw());
  return {out, lse};
}

std::vector<Tensor> attention_backward(const Tensor& dout, const Tensor& q, const Tensor& k,
                                       const Tensor& v, const Tensor& mask, const Tensor& out,
                                       const Tensor& lse, bool causal, std::optional<double> scale,
                                       double dropout_p, uint64_t seed, bool gqa) {
  Prep r = prepare(q, k, v, mask, causal, scale, dropout_p, seed, gqa);
  const AttnParams& p = r.p;
  const Shape oshape = with(r.user, p.L, p.Ev);
  LAMINA_CHECK(dout.defined() && dout.shape() == oshape, ValueError, "[", kOp,
               "_backward] gradient shape ", dout.defined() ? shape_str(dout.shape()) : "None",
               " does not match the output shape ", shape_str(oshape));
  LAMINA_CHECK(dout.dtype() == q.dtype() && out.dtype() == q.dtype() && lse.dtype() == q.dtype(),
               TypeError, "[", kOp, "_backward] expected gradient, output and lse of dtype ",
               dtype_name(q.dtype()));
  LAMINA_CHECK(out.shape() == oshape && lse.shape() == Shape({p.nb, p.L}), ValueError, "[", kOp,
               "_backward] saved output or lse of the wrong shape");
  check_same_device(kOp, {&q, &dout, &out, &lse});
  Tensor g = dout.is_contiguous() ? dout : contiguous(dout);
  Tensor o = out.is_contiguous() ? out : contiguous(out);
  Tensor l = lse.is_contiguous() ? lse : contiguous(lse);
  Tensor dq = Tensor::empty(with(r.ext, p.L, p.E), q.dtype(), q.device());
  Tensor dk = Tensor::empty(with(r.ext, p.S, p.E), q.dtype(), q.device());
  Tensor dv = Tensor::empty(with(r.ext, p.S, p.Ev), q.dtype(), q.device());
  if (p.nb > 0 && (p.L == 0 || p.S == 0)) {  // nothing attends: zero gradients
    for (Tensor* t : {&dq, &dk, &dv}) *t = full(t->shape(), 0.0, q.dtype(), q.device());
  } else if (p.nb > 0) {
    LAMINA_KERNEL(q.device(), attention_backward, q.dtype(), p, g.raw(), o.raw(), l.raw(),
                  dq.raw(), dk.raw(), dv.raw());
  }
  return {reduce_to(dq, r.ext, r.qe, q.shape()), reduce_to(dk, r.ext, r.ke, k.shape()),
          reduce_to(dv, r.ext, r.ve, v.shape())};
}

Tensor attention_dropout_mask(const Tensor& q, const Tensor& k, const Tensor& v, double dropout_p,
                              uint64_t seed, bool gqa) {
  Prep r = prepare(q, k, v, Tensor(), false, std::nullopt, dropout_p, seed, gqa);
  Tensor keep = Tensor::empty(with(r.user, r.p.L, r.p.S), DType::Bool, Device{});
  if (keep.numel() > 0) cpu::attention_dropout_mask(r.p, keep.data<uint8_t>());
  return keep;
}

}  // namespace lamina::ops
