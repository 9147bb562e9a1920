// cumsum / cumprod along one dim: view the contiguous input as (O, R, I) with the scanned dim
// as R (a copy only for non-contiguous inputs), then one kernel. bool inputs scan as int64, as
// in torch; a 0-d tensor scans as one element.
#include "../kernels/scan.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

const char* name_of(ScanOp op) { return op == ScanOp::Sum ? "cumsum" : "cumprod"; }

}  // namespace

Tensor scan(ScanOp op, const Tensor& x, int64_t dim, bool reverse) {
  const char* name = name_of(op);
  const int64_t d = wrap_dim(name, dim, std::max<int64_t>(x.dim(), 1));
  Tensor in = x.dtype() == DType::Bool ? cast(x, DType::Int64) : x;
  if (!in.is_contiguous()) in = contiguous(in);
  Tensor y = Tensor::empty(x.shape(), in.dtype(), x.device());
  if (y.numel() == 0) return y;
  const DimBlock b = x.dim() == 0 ? DimBlock{} : dim_block(x.shape(), d);
  LAMINA_KERNEL(x.device(), scan, op, in.dtype(), b.O, b.R, b.I, reverse, in.raw(), y.raw());
  return y;
}

Tensor cumprod_backward(const Tensor& x, const Tensor& y, const Tensor& dy, int64_t dim) {
  const char* name = "cumprod_backward";
  check_same_device(name, {&x, &y, &dy});
  LAMINA_CHECK(is_floating(x.dtype()), TypeError, "[", name,
               "] expected a float32 or float64 input, got ", dtype_name(x.dtype()));
  LAMINA_CHECK(x.shape() == y.shape() && x.shape() == dy.shape(), ValueError, "[", name,
               "] input ", shape_str(x.shape()), ", output ", shape_str(y.shape()),
               " and gradient ", shape_str(dy.shape()), " must have one shape");
  LAMINA_CHECK(x.dtype() == y.dtype() && x.dtype() == dy.dtype(), TypeError, "[", name,
               "] input, output and gradient must have one dtype");
  const int64_t d = wrap_dim(name, dim, std::max<int64_t>(x.dim(), 1));
  Tensor xc = x.is_contiguous() ? x : contiguous(x);
  Tensor yc = y.is_contiguous() ? y : contiguous(y);
  Tensor gc = dy.is_contiguous() ? dy : contiguous(dy);
  Tensor dx = Tensor::empty(x.shape(), x.dtype(), x.device());
  if (dx.numel() == 0) return dx;
  const DimBlock b = x.dim() == 0 ? DimBlock{} : dim_block(x.shape(), d);
  LAMINA_KERNEL(x.device(), cumprod_backward, x.dtype(), b.O, b.R, b.I, xc.raw(), yc.raw(),
                gc.raw(), dx.raw());
  return dx;
}

}  // namespace lamina::ops
