// LayerNorm over the last `nd` dims: view the contiguous input as (M, N) rows, N the product of
// the normalized dims (a copy only for non-contiguous inputs), then one fused kernel each way.
#include "../kernels/layernorm.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

Shape normalized_shape(const Tensor& x, int64_t nd) {
  return Shape(x.shape().end() - nd, x.shape().end());
}

void check_affine(const char* op, const char* name, const Tensor& p, const Tensor& x,
                  const Shape& ns) {
  if (!p.defined()) return;
  LAMINA_CHECK(p.dtype() == x.dtype(), TypeError, "[", op, "] ", name, " dtype ",
               dtype_name(p.dtype()), " does not match the input dtype ", dtype_name(x.dtype()));
  LAMINA_CHECK(p.shape() == ns, ValueError, "[", op, "] expected ", name, " of shape ",
               shape_str(ns), " (normalized_shape), got ", shape_str(p.shape()));
}

// A float input with at least the nd >= 1 normalized dims.
void check_input(const char* op, const Tensor& x, int64_t nd) {
  LAMINA_CHECK(is_floating(x.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  LAMINA_CHECK(nd >= 1, ValueError, "[", op, "] normalized_shape must have at least one dim");
  LAMINA_CHECK(nd <= x.dim(), ValueError, "[", op, "] normalized_shape has ", nd,
               " dims but the input of shape ", shape_str(x.shape()), " has ", x.dim());
}

Tensor contig(const Tensor& t) { return !t.defined() || t.is_contiguous() ? t : contiguous(t); }

}  // namespace

std::vector<Tensor> layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, int64_t nd,
                               double eps) {
  const char* op = "layer_norm";
  check_input(op, x, nd);
  const Shape ns = normalized_shape(x, nd);
  check_affine(op, "weight", w, x, ns);
  check_affine(op, "bias", b, x, ns);
  if (w.defined()) check_same_device(op, {&x, &w});
  if (b.defined()) check_same_device(op, {&x, &b});
  const int64_t N = shape_numel(ns);
  const Shape lead(x.shape().begin(), x.shape().end() - nd);
  const int64_t M = shape_numel(lead);
  Tensor xc = contig(x), wc = contig(w), bc = contig(b);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor mean = Tensor::empty({M}, x.dtype(), x.device());
  Tensor rstd = Tensor::empty({M}, x.dtype(), x.device());
  if (M > 0 && N > 0)
    LAMINA_KERNEL(x.device(), layer_norm_forward, x.dtype(), M, N, xc.raw(),
                  wc.defined() ? wc.raw() : nullptr, bc.defined() ? bc.raw() : nullptr, eps,
                  y.raw(), mean.raw(), rstd.raw());
  return {y, mean, rstd};
}

std::vector<Tensor> layer_norm_backward(const Tensor& dy, const Tensor& x, const Tensor& mean,
                                        const Tensor& rstd, const Tensor& w, int64_t nd,
                                        bool need_dx, bool need_dw, bool need_db) {
  const char* op = "layer_norm_backward";
  check_input(op, x, nd);
  LAMINA_CHECK(dy.shape() == x.shape(), ValueError, "[", op, "] gradient shape ",
               shape_str(dy.shape()), " does not match the input shape ", shape_str(x.shape()));
  LAMINA_CHECK(dy.dtype() == x.dtype() && mean.dtype() == x.dtype() &&
                   rstd.dtype() == x.dtype(), TypeError, "[", op,
               "] gradient and saved statistics must have the input dtype ",
               dtype_name(x.dtype()));
  const Shape ns = normalized_shape(x, nd);
  check_affine(op, "weight", w, x, ns);
  const int64_t N = shape_numel(ns);
  const int64_t M = shape_numel(Shape(x.shape().begin(), x.shape().end() - nd));
  LAMINA_CHECK(mean.numel() == M && rstd.numel() == M, ValueError, "[", op,
               "] expected ", M, " saved means and rstds, got ", mean.numel(), " and ",
               rstd.numel());
  check_same_device(op, {&dy, &x, &mean, &rstd});
  if (w.defined()) check_same_device(op, {&x, &w});
  Tensor dyc = contig(dy), xc = contig(x), mc = contig(mean), rc = contig(rstd), wc = contig(w);
  Tensor dx, dw, db;
  if (need_dx) dx = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (need_dw) dw = Tensor::empty(ns, x.dtype(), x.device());
  if (need_db) db = Tensor::empty(ns, x.dtype(), x.device());
  if (N > 0 && (need_dw || need_db || (need_dx && M > 0)))
    LAMINA_KERNEL(x.device(), layer_norm_backward, x.dtype(), M, N, dyc.raw(), xc.raw(),
                  mc.raw(), rc.raw(), wc.defined() ? wc.raw() : nullptr,
                  need_dx ? dx.raw() : nullptr, need_dw ? dw.raw() : nullptr,
                  need_db ? db.raw() : nullptr);
  return {dx, dw, db};
}

}  // namespace lamina::ops
