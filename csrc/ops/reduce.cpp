// Reductions: bring the reduced dims together as the middle axis of an (O, R, I) block (a view
// when they already are, else a permuted copy), then one kernel.
#include <algorithm>
#include <limits>

#include "../kernels/reduce.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

struct Plan {
  Tensor block;  // contiguous data laid out as (O, R, I)
  int64_t O = 1, R = 1, I = 1;
  Shape out_shape;  // with or without kept dims
};

Plan plan_reduce(const char* op, const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  int64_t n = t.dim();
  std::vector<bool> red(n, false);
  if (dims.empty()) {
    std::fill(red.begin(), red.end(), true);
  } else {
    for (int64_t d : dims) {
      int64_t w = wrap_dim(op, d, n);
      if (n == 0) continue;
      LAMINA_CHECK(!red[w], ValueError, "[", op, "] dim ", w, " appears more than once");
      red[w] = true;
    }
  }
  Plan p;
  for (int64_t d = 0; d < n; ++d) {
    if (red[d]) {
      if (keepdim) p.out_shape.push_back(1);
    } else {
      p.out_shape.push_back(t.shape()[d]);
    }
  }
  // Do the reduced dims form one run [first, last]?
  int64_t first = -1, last = -1;
  for (int64_t d = 0; d < n; ++d)
    if (red[d]) {
      if (first < 0) first = d;
      last = d;
    }
  bool one_run = first >= 0;
  for (int64_t d = first; one_run && d <= last; ++d) one_run = red[d];
  if (first < 0) {  // 0-d tensor: reduce its single element
    p.block = contiguous(t);
    return p;
  }
  if (one_run && t.is_contiguous()) {
    for (int64_t d = 0; d < first; ++d) p.O *= t.shape()[d];
    for (int64_t d = first; d <= last; ++d) p.R *= t.shape()[d];
    for (int64_t d = last + 1; d < n; ++d) p.I *= t.shape()[d];
    p.block = t;
    return p;
  }
  std::vector<int64_t> perm;
  for (int64_t d = 0; d < n; ++d)
    if (!red[d]) {
      perm.push_back(d);
      p.O *= t.shape()[d];
    }
  for (int64_t d = 0; d < n; ++d)
    if (red[d]) {
      perm.push_back(d);
      p.R *= t.shape()[d];
    }
  p.block = contiguous(permute(t, perm));
  return p;
}

Tensor run_reduce(const char* op, ReduceOp kind, const Tensor& t, std::vector<int64_t> dims,
                  bool keepdim, DType out_dt, double scale_num) {
  Tensor in = t.dtype() == out_dt ? t : cast(t, out_dt);
  Plan p = plan_reduce(op, in, std::move(dims), keepdim);
  Tensor out = Tensor::empty(p.out_shape, out_dt, t.device());
  if (out.numel() == 0) return out;
  if (p.R == 0) {
    LAMINA_CHECK(kind == ReduceOp::Sum || kind == ReduceOp::LogSumExp, ValueError, "[", op,
                 "] cannot reduce over a dimension of size 0");
    double v = kind == ReduceOp::Sum ? (scale_num == 1.0 ? 0.0
                                                          : std::numeric_limits<double>::quiet_NaN())
                                     : -std::numeric_limits<double>::infinity();
    return full(p.out_shape, v, out_dt, t.device());
  }
  double scale = scale_num == 1.0 ? 1.0 : 1.0 / static_cast<double>(p.R);
  LAMINA_KERNEL(t.device(), reduce, kind, out_dt, p.O, p.R, p.I, p.block.raw(), out.raw(),
                nullptr, scale);
  return out;
}

DType sum_type(DType dt) { return is_floating(dt) ? dt : DType::Int64; }
DType float_type(DType dt) { return is_floating(dt) ? dt : DType::Float32; }

}  // namespace

Tensor sum(const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  return run_reduce("sum", ReduceOp::Sum, t, std::move(dims), keepdim, sum_type(t.dtype()), 1.0);
}

Tensor mean(const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  // scale_num 0 marks "divide by R" (and NaN for an empty reduction)
  return run_reduce("mean", ReduceOp::Sum, t, std::move(dims), keepdim, float_type(t.dtype()),
                    0.0);
}

Tensor logsumexp(const Tensor& t, std::vector<int64_t> dims, bool keepdim) {
  return run_reduce("logsumexp", ReduceOp::LogSumExp, t, std::move(dims), keepdim,
                    float_type(t.dtype()), 1.0);
}

Tensor amax(const Tensor& t, std::vector<int64_t> dims, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  LAMINA_CHECK(t.dtype() != DType::Bool, TypeError, "[", op, "] not supported for bool tensors");
  return run_reduce(op, is_max ? ReduceOp::Max : ReduceOp::Min, t, std::move(dims), keepdim,
                    t.dtype(), 1.0);
}

Tensor var(const Tensor& t, std::vector<int64_t> dims, double correction, bool keepdim) {
  DType dt = float_type(t.dtype());
  Tensor in = t.dtype() == dt ? t : cast(t, dt);
  Plan p = plan_reduce("var", in, std::move(dims), keepdim);
  Tensor out = Tensor::empty(p.out_shape, dt, t.device());
  if (out.numel() == 0) return out;
  if (p.R == 0) return full(p.out_shape, std::numeric_limits<double>::quiet_NaN(), dt, t.device());
  LAMINA_KERNEL(t.device(), var, dt, p.O, p.R, p.I, correction, p.block.raw(), out.raw());
  return out;
}

std::pair<Tensor, Tensor> max_dim(const Tensor& t, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  LAMINA_CHECK(t.dtype() != DType::Bool, TypeError, "[", op, "] not supported for bool tensors");
  Plan p = plan_reduce(op, t, {dim}, keepdim);
  Tensor values = Tensor::empty(p.out_shape, t.dtype(), t.device());
  Tensor indices = Tensor::empty(p.out_shape, DType::Int64, t.device());
  LAMINA_CHECK(p.R > 0 || values.numel() == 0, ValueError, "[", op,
               "] cannot reduce over a dimension of size 0");
  if (values.numel() == 0) return {values, indices};
  LAMINA_KERNEL(t.device(), reduce, is_max ? ReduceOp::Max : ReduceOp::Min, t.dtype(), p.O, p.R,
                p.I, p.block.raw(), values.raw(), indices.data<int64_t>(), 1.0);
  return {values, indices};
}

}  // namespace lamina::ops
