// Cross-entropy of logits (N, C): validation (shapes, dtypes, devices, target range), then one
// fused kernel per direction. Reductions and (N, C, d1, ...) inputs are handled in Python.
#include "../kernels/loss.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

constexpr const char* kOp = "cross_entropy";

// Everything both directions check; returns the contiguous logits and (maybe cast) weight.
struct Inputs {
  Tensor x, w, t;  // t: contiguous target (int64, or cast to the logits' dtype)
  int64_t N = 0, C = 0;
  bool index = true;
};

Inputs check_inputs(const char* op, const Tensor& logits, const Tensor& target,
                    const Tensor& weight, double eps) {
  Inputs in;
  LAMINA_CHECK(is_floating(logits.dtype()), TypeError, "[", op,
               "] expected float32 or float64 logits, got ", dtype_name(logits.dtype()));
  LAMINA_CHECK(logits.dim() == 2, ValueError, "[", op, "] expected logits of shape (N, C), got ",
               shape_str(logits.shape()));
  in.N = logits.size(0);
  in.C = logits.size(1);
  LAMINA_CHECK(in.C > 0, ValueError, "[", op, "] expected at least one class, got logits ",
               shape_str(logits.shape()));
  LAMINA_CHECK(eps >= 0.0 && eps <= 1.0, ValueError, "[", op,
               "] label_smoothing must be in [0, 1], got ", eps);
  check_same_device(op, {&logits, &target});
  in.x = logits.is_contiguous() ? logits : contiguous(logits);
  if (weight.defined()) {
    check_same_device(op, {&logits, &weight});
    LAMINA_CHECK(weight.dim() == 1 && weight.size(0) == in.C, ValueError, "[", op,
                 "] expected weight of shape (", in.C, ",) for logits ",
                 shape_str(logits.shape()), ", got ", shape_str(weight.shape()));
    LAMINA_CHECK(is_floating(weight.dtype()), TypeError, "[", op,
                 "] expected a float weight, got ", dtype_name(weight.dtype()));
    in.w = contiguous(weight.dtype() == logits.dtype() ? weight : cast(weight, logits.dtype()));
  }
  if (target.dtype() == DType::Int64) {
    LAMINA_CHECK(target.dim() == 1 && target.size(0) == in.N, ValueError, "[", op,
                 "] expected class-index target of shape (", in.N, ",) for logits ",
                 shape_str(logits.shape()), ", got ", shape_str(target.shape()));
    in.t = target.is_contiguous() ? target : contiguous(target);
  } else {
    LAMINA_CHECK(is_floating(target.dtype()), TypeError, "[", op,
                 "] expected an int64 class-index target or a float probability target, got ",
                 dtype_name(target.dtype()));
    LAMINA_CHECK(target.shape() == logits.shape(), ValueError, "[", op,
                 "] expected a probability target of the logits' shape ",
                 shape_str(logits.shape()), ", got ", shape_str(target.shape()));
    in.index = false;
    in.t = contiguous(target.dtype() == logits.dtype() ? target : cast(target, logits.dtype()));
  }
  return in;
}

// Every class index in [0, C) or equal to ignore_index (read on the host).
void check_range(const Tensor& t, int64_t C, int64_t ignore_index) {
  Tensor h = t.device().is_cpu() ? t : to(t, Device{}, DType::Int64, false);
  const int64_t* p = h.data<int64_t>();
  for (int64_t n = 0; n < h.numel(); ++n) {
    LAMINA_CHECK(p[n] == ignore_index || (p[n] >= 0 && p[n] < C), IndexError, "[", kOp,
                 "] target ", p[n], " at position ", n, " is out of range for ", C,
                 " classes (ignore_index = ", ignore_index, ")");
  }
}

}  // namespace

std::vector<Tensor> cross_entropy(const Tensor& logits, const Tensor& target,
                                  const Tensor& weight, int64_t ignore_index, double eps) {
  Inputs in = check_inputs(kOp, logits, target, weight, eps);
  const Device dev = logits.device();
  Tensor loss = Tensor::empty({in.N}, logits.dtype(), dev);
  Tensor lse = Tensor::empty({in.N}, DType::Float64, dev);
  const void* w = in.w.defined() ? in.w.raw() : nullptr;
  if (in.index) {
    check_range(in.t, in.C, ignore_index);
    Tensor wrow = Tensor::empty({in.N}, logits.dtype(), dev);
    if (in.N > 0)
      LAMINA_KERNEL(dev, cross_entropy_forward, logits.dtype(), in.N, in.C, in.x.raw(),
                    in.t.data<int64_t>(), w, ignore_index, eps, loss.raw(), lse.data<double>(),
                    wrow.raw());
    return {loss, lse, wrow};
  }
  if (in.N > 0)
    LAMINA_KERNEL(dev, cross_entropy_prob_forward, logits.dtype(), in.N, in.C, in.x.raw(),
                  in.t.raw(), w, eps, loss.raw(), lse.data<double>());
  return {loss, lse, Tensor()};
}

Tensor cross_entropy_backward(const Tensor& logits, const Tensor& target, const Tensor& weight,
                              int64_t ignore_index, double eps, const Tensor& lse,
                              const Tensor& grad) {
  const char* op = "cross_entropy_backward";
  Inputs in = check_inputs(op, logits, target, weight, eps);
  check_same_device(op, {&logits, &lse, &grad});
  LAMINA_CHECK(lse.dtype() == DType::Float64 && lse.dim() == 1 && lse.size(0) == in.N,
               ValueError, "[", op, "] expected the float64 (", in.N,
               ",) lse saved by the forward, got ", dtype_name(lse.dtype()), " ",
               shape_str(lse.shape()));
  LAMINA_CHECK(grad.numel() == 1 || (grad.dim() == 1 && grad.size(0) == in.N), ValueError, "[",
               op, "] expected a gradient of shape (", in.N, ",) or one value, got ",
               shape_str(grad.shape()));
  Tensor g = contiguous(grad.dtype() == logits.dtype() ? grad : cast(grad, logits.dtype()));
  Tensor l = contiguous(lse);
  const int64_t gstride = grad.numel() == 1 ? 0 : 1;
  Tensor dx = Tensor::empty(logits.shape(), logits.dtype(), logits.device());
  if (in.N == 0) return dx;
  const void* w = in.w.defined() ? in.w.raw() : nullptr;
  if (in.index)
    LAMINA_KERNEL(logits.device(), cross_entropy_backward, logits.dtype(), in.N, in.C,
                  in.x.raw(), in.t.data<int64_t>(), w, ignore_index, eps, l.data<double>(),
                  g.raw(), gstride, dx.raw());
  else
    LAMINA_KERNEL(logits.device(), cross_entropy_prob_backward, logits.dtype(), in.N, in.C,
                  in.x.raw(), in.t.raw(), w, eps, l.data<double>(), g.raw(), gstride, dx.raw());
  return dx;
}

}  // namespace lamina::ops
