// Batch normalisation over (N, C, *): checks ("[batch_norm] ..."), allocation, and the switch
// to the fused cpu:: / cuda:: kernels on the contiguous (N, C, S) view. Running statistics are
// updated in place by the training kernel (through a contiguous copy when they are strided).
#include "../kernels/batchnorm.h"

#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

constexpr const char* kOp = "batch_norm";

void check_param(const char* op, const char* name, const Tensor& t, const Tensor& x, int64_t C) {
  if (!t.defined()) return;
  LAMINA_CHECK(t.dim() == 1 && t.size(0) == C, ValueError, "[", op, "] ", name,
               " should have shape (", C, ",) for an input with ", C, " channels of shape ",
               shape_str(x.shape()), ", got ", shape_str(t.shape()));
  LAMINA_CHECK(t.dtype() == x.dtype(), TypeError, "[", op, "] ", name, " dtype ",
               dtype_name(t.dtype()), " does not match the input dtype ", dtype_name(x.dtype()));
  LAMINA_CHECK(t.device() == x.device(), ValueError, "[", op, "] ", name, " is on ",
               t.device().str(), " but the input is on ", x.device().str());
}

struct Dims {
  int64_t N, C, S;
};

Dims dims_of(const char* op, const Tensor& x) {
  LAMINA_CHECK(is_floating(x.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  LAMINA_CHECK(x.dim() >= 2, ValueError, "[", op,
               "] expected an input of shape (N, C) or (N, C, *) with at least 2 dims, got ",
               shape_str(x.shape()));
  Dims d{x.size(0), x.size(1), 1};
  for (int64_t k = 2; k < x.dim(); ++k) d.S *= x.size(k);
  return d;
}

Tensor contig(const Tensor& t) { return t.is_contiguous() ? t : contiguous(t); }
const void* raw_or_null(const Tensor& t) { return t.defined() ? t.raw() : nullptr; }

}  // namespace

std::vector<Tensor> batch_norm(const Tensor& x, const Tensor& weight, const Tensor& bias,
                               const Tensor& running_mean, const Tensor& running_var,
                               bool training, double momentum, double eps) {
  const Dims d = dims_of(kOp, x);
  check_param(kOp, "weight", weight, x, d.C);
  check_param(kOp, "bias", bias, x, d.C);
  check_param(kOp, "running_mean", running_mean, x, d.C);
  check_param(kOp, "running_var", running_var, x, d.C);
  LAMINA_CHECK(running_mean.defined() == running_var.defined(), ValueError, "[", kOp,
               "] running_mean and running_var must both be given or both be None");
  LAMINA_CHECK(training || running_mean.defined(), ValueError, "[", kOp,
               "] running_mean and running_var must be given in evaluation mode "
               "(training=False)");
  LAMINA_CHECK(eps > 0 || (!training && eps >= 0), ValueError, "[", kOp,
               "] eps must be positive, got ", eps);
  if (training)
    LAMINA_CHECK(d.N * d.S > 1, ValueError, "[", kOp,
                 "] expected more than 1 value per channel when training, got input size ",
                 shape_str(x.shape()));
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  Tensor mean = Tensor::empty({d.C}, x.dtype(), x.device());
  Tensor invstd = Tensor::empty({d.C}, x.dtype(), x.device());
  Tensor in = contig(x), w = weight.defined() ? contig(weight) : weight;
  Tensor b = bias.defined() ? contig(bias) : bias;
  if (!training) {
    if (d.C == 0) return {y, mean, invstd};
    Tensor rm = contig(running_mean), rv = contig(running_var);
    LAMINA_KERNEL(x.device(), batch_norm_eval, x.dtype(), d.N, d.C, d.S, in.raw(),
                  raw_or_null(w), raw_or_null(b), rm.raw(), rv.raw(), eps, y.raw(), mean.raw(),
                  invstd.raw());
    return {y, mean, invstd};
  }
  if (x.numel() == 0) return {y, mean, invstd};
  Tensor rm = running_mean, rv = running_var;
  if (rm.defined()) {
    check_no_internal_overlap(kOp, running_mean);
    check_no_internal_overlap(kOp, running_var);
    if (!rm.is_contiguous()) rm = contiguous(rm);
    if (!rv.is_contiguous()) rv = contiguous(rv);
  }
  LAMINA_KERNEL(x.device(), batch_norm_train, x.dtype(), d.N, d.C, d.S, in.raw(),
                raw_or_null(w), raw_or_null(b), eps, momentum,
                rm.defined() ? rm.raw() : nullptr, rv.defined() ? rv.raw() : nullptr, y.raw(),
                mean.raw(), invstd.raw());
  if (rm.defined()) {
    if (rm.storage() != running_mean.storage()) copy_(running_mean, rm);
    if (rv.storage() != running_var.storage()) copy_(running_var, rv);
    bump_version(running_mean);
    bump_version(running_var);
  }
  return {y, mean, invstd};
}

std::vector<Tensor> batch_norm_backward(const Tensor& x, const Tensor& dy, const Tensor& weight,
                                        const Tensor& mean, const Tensor& invstd, bool training,
                                        bool need_dx, bool need_dweight, bool need_dbias) {
  const char* op = "batch_norm_backward";
  const Dims d = dims_of(op, x);
  check_same_device(op, {&x, &dy, &mean, &invstd});
  LAMINA_CHECK(dy.shape() == x.shape(), ValueError, "[", op, "] gradient shape ",
               shape_str(dy.shape()), " does not match the input shape ", shape_str(x.shape()));
  LAMINA_CHECK(dy.dtype() == x.dtype(), TypeError, "[", op, "] gradient dtype ",
               dtype_name(dy.dtype()), " does not match the input dtype ", dtype_name(x.dtype()));
  check_param(op, "weight", weight, x, d.C);
  check_param(op, "mean", mean, x, d.C);
  check_param(op, "invstd", invstd, x, d.C);
  Tensor dx = need_dx ? Tensor::empty(x.shape(), x.dtype(), x.device()) : Tensor();
  Tensor dw = need_dweight ? Tensor::empty({d.C}, x.dtype(), x.device()) : Tensor();
  Tensor db = need_dbias ? Tensor::empty({d.C}, x.dtype(), x.device()) : Tensor();
  if (d.C == 0 || (!need_dx && !need_dweight && !need_dbias)) return {dx, dw, db};
  if (x.numel() == 0) {  // empty batch: zero parameter gradients
    if (dw.defined()) copy_(dw, full({}, 0.0, x.dtype(), x.device()));
    if (db.defined()) copy_(db, full({}, 0.0, x.dtype(), x.device()));
    return {dx, dw, db};
  }
  Tensor xc = contig(x), gc = contig(dy), w = weight.defined() ? contig(weight) : weight;
  Tensor mc = contig(mean), ic = contig(invstd);
  LAMINA_KERNEL(x.device(), batch_norm_backward, x.dtype(), d.N, d.C, d.S, xc.raw(), gc.raw(),
                raw_or_null(w), mc.raw(), ic.raw(), training,
                dx.defined() ? dx.raw() : nullptr, dw.defined() ? dw.raw() : nullptr,
                db.defined() ? db.raw() : nullptr);
  return {dx, dw, db};
}

}  // namespace lamina::ops
