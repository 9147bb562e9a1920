// sort / argsort / topk along one dim: view the contiguous input as (O, R, I) with the sorted
// dim as R (a copy only for non-contiguous inputs), then one kernel writing the first k of
// each column's order: values (same dtype) and int64 indices, shaped like the input with k at
// the dim. A 0-d tensor sorts as one element.
#include "../kernels/sort.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

std::pair<Tensor, Tensor> sort(const char* op, const Tensor& x, int64_t dim, int64_t k,
                               bool descending, bool want_values) {
  LAMINA_CHECK(x.dtype() != DType::Bool, TypeError, "[", op,
               "] expected a float32, float64 or int64 tensor, got bool");
  const int64_t d = wrap_dim(op, dim, std::max<int64_t>(x.dim(), 1));
  const int64_t R = x.dim() == 0 ? 1 : x.shape()[d];
  if (k < 0) k = R;
  LAMINA_CHECK(k <= R, IndexError, "[", op, "] k = ", k, " is out of range for a dim of size ",
               R);
  Shape out_shape = x.shape();
  if (x.dim() > 0) out_shape[d] = k;
  Tensor values = want_values ? Tensor::empty(out_shape, x.dtype(), x.device()) : Tensor();
  Tensor indices = Tensor::empty(out_shape, DType::Int64, x.device());
  if (indices.numel() == 0) return {values, indices};
  Tensor in = x.is_contiguous() ? x : contiguous(x);
  const DimBlock b = x.dim() == 0 ? DimBlock{} : dim_block(x.shape(), d);
  LAMINA_KERNEL(x.device(), sort, x.dtype(), b.O, b.R, b.I, k, descending, in.raw(),
                want_values ? values.raw() : nullptr, static_cast<int64_t*>(indices.raw()));
  return {values, indices};
}

}  // namespace lamina::ops
