// Softmax / log_softmax over one dim: view the contiguous input as (O, R, I) with the softmax
// dim as R (a copy only for non-contiguous inputs), then one fused kernel each way.
#include "../kernels/softmax.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

const char* name_of(bool log, bool backward) {
  if (backward) return log ? "log_softmax_backward" : "softmax_backward";
  return log ? "log_softmax" : "softmax";
}

void check_float(const char* op, const Tensor& t) {
  LAMINA_CHECK(is_floating(t.dtype()), TypeError, "[", op,
               "] expected a float32 or float64 tensor, got ", dtype_name(t.dtype()));
}

}  // namespace

Tensor softmax(const Tensor& x, int64_t dim, bool log) {
  const char* op = name_of(log, false);
  check_float(op, x);
  const int64_t d = wrap_dim(op, dim, x.dim());
  Tensor in = x.is_contiguous() ? x : contiguous(x);
  Tensor y = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (y.numel() == 0) return y;
  const DimBlock b = dim_block(x.shape(), d);
  LAMINA_KERNEL(x.device(), softmax_forward, x.dtype(), b.O, b.R, b.I, in.raw(), y.raw(), log);
  return y;
}

Tensor softmax_backward(const Tensor& y, const Tensor& dy, int64_t dim, bool log) {
  const char* op = name_of(log, true);
  check_float(op, y);
  check_same_device(op, {&y, &dy});
  LAMINA_CHECK(y.shape() == dy.shape(), ValueError, "[", op, "] gradient shape ",
               shape_str(dy.shape()), " does not match the output shape ", shape_str(y.shape()));
  LAMINA_CHECK(y.dtype() == dy.dtype(), TypeError, "[", op, "] gradient dtype ",
               dtype_name(dy.dtype()), " does not match the output dtype ",
               dtype_name(y.dtype()));
  const int64_t d = wrap_dim(op, dim, y.dim());
  Tensor yc = y.is_contiguous() ? y : contiguous(y);
  Tensor gc = dy.is_contiguous() ? dy : contiguous(dy);
  Tensor dx = Tensor::empty(y.shape(), y.dtype(), y.device());
  if (dx.numel() == 0) return dx;
  const DimBlock b = dim_block(y.shape(), d);
  LAMINA_KERNEL(y.device(), softmax_backward, y.dtype(), b.O, b.R, b.I, yc.raw(), gc.raw(),
                dx.raw(), log);
  return dx;
}

}  // namespace lamina::ops
