// Optimizer steps: every tensor of one parameter's update has the parameter's shape, dtype and
// device and is contiguous; hyperparameters are in range. Then one fused in-place kernel, and
// the version of every tensor it wrote is bumped.
#include <cmath>

#include "../kernels/optim.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

// `what` (a state tensor or the gradient) matches the parameter and is contiguous.
void check_like(const char* op, const char* what, const Tensor& param, const Tensor& t) {
  LAMINA_CHECK(t.defined(), ValueError, "[", op, "] missing ", what);
  LAMINA_CHECK(t.shape() == param.shape(), ValueError, "[", op, "] ", what, " shape ",
               shape_str(t.shape()), " does not match the parameter shape ",
               shape_str(param.shape()));
  LAMINA_CHECK(t.dtype() == param.dtype(), TypeError, "[", op, "] ", what, " dtype ",
               dtype_name(t.dtype()), " does not match the parameter dtype ",
               dtype_name(param.dtype()));
  check_same_device(op, {&param, &t});
  LAMINA_CHECK(t.is_contiguous(), ValueError, "[", op, "] ", what, " must be contiguous");
}

void check_param(const char* op, const Tensor& param) {
  LAMINA_CHECK(is_floating(param.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 parameter, got ", dtype_name(param.dtype()));
  LAMINA_CHECK(param.is_contiguous(), ValueError, "[", op, "] parameter of shape ",
               shape_str(param.shape()), " must be contiguous");
  check_no_internal_overlap(op, param);
}

void check_hyper(const char* op, const char* name, double v, double lo, double hi) {
  LAMINA_CHECK(std::isfinite(v) && v >= lo && v <= hi, ValueError, "[", op, "] invalid ", name,
               ": ", v);
}

}  // namespace

void sgd_step(const Tensor& param, const Tensor& grad, const Tensor& buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first) {
  const char* op = "sgd";
  check_param(op, param);
  check_like(op, "gradient", param, grad);
  check_hyper(op, "learning rate", lr, 0.0, HUGE_VAL);
  check_hyper(op, "momentum", momentum, 0.0, HUGE_VAL);
  check_hyper(op, "weight_decay", weight_decay, 0.0, HUGE_VAL);
  check_hyper(op, "dampening", dampening, -HUGE_VAL, HUGE_VAL);
  LAMINA_CHECK(!nesterov || (momentum > 0 && dampening == 0), ValueError,
               "[sgd] nesterov momentum requires a momentum and zero dampening");
  if (momentum != 0) check_like(op, "momentum buffer", param, buf);
  if (param.numel() == 0) return;
  bump_version(param);
  if (momentum != 0) bump_version(buf);
  LAMINA_KERNEL(param.device(), sgd_step, param.dtype(), param.numel(), param.raw(), grad.raw(),
                momentum != 0 ? buf.raw() : nullptr, lr, momentum, dampening, weight_decay,
                nesterov, maximize, first);
}

void adam_step(const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
               const Tensor& exp_avg_sq, const Tensor& max_exp_avg_sq, double lr, double beta1,
               double beta2, double eps, double weight_decay, bool decoupled, bool maximize,
               double bc1, double bc2) {
  const char* op = decoupled ? "adamw" : "adam";
  check_param(op, param);
  check_like(op, "gradient", param, grad);
  check_like(op, "exp_avg", param, exp_avg);
  check_like(op, "exp_avg_sq", param, exp_avg_sq);
  if (max_exp_avg_sq.defined()) check_like(op, "max_exp_avg_sq", param, max_exp_avg_sq);
  check_hyper(op, "learning rate", lr, 0.0, HUGE_VAL);
  check_hyper(op, "beta1", beta1, 0.0, std::nextafter(1.0, 0.0));
  check_hyper(op, "beta2", beta2, 0.0, std::nextafter(1.0, 0.0));
  check_hyper(op, "epsilon", eps, 0.0, HUGE_VAL);
  check_hyper(op, "weight_decay", weight_decay, 0.0, HUGE_VAL);
  LAMINA_CHECK(bc1 > 0 && bc2 > 0, ValueError, "[", op,
               "] bias corrections must be positive (step >= 1), got ", bc1, " and ", bc2);
  if (param.numel() == 0) return;
  bump_version(param);
  bump_version(exp_avg);
  bump_version(exp_avg_sq);
  if (max_exp_avg_sq.defined()) bump_version(max_exp_avg_sq);
  LAMINA_KERNEL(param.device(), adam_step, param.dtype(), param.numel(), param.raw(),
                grad.raw(), exp_avg.raw(), exp_avg_sq.raw(),
                max_exp_avg_sq.defined() ? max_exp_avg_sq.raw() : nullptr, lr, beta1, beta2, eps,
                weight_decay, decoupled, maximize, bc1, bc2);
}

}  // namespace lamina::ops
