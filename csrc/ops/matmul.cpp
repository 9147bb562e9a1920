// matmul with torch semantics: 1-D operands, broadcast batch dims, strided (transposed)
// operands passed to the kernel without copies when their batch dims flatten.
#include <optional>

#include "../kernels/matmul.h"
#include "../core/geometry.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

// One stride that walks all batch dims in order, if there is one.
std::optional<int64_t> flat_stride(const Shape& shape, const Shape& st, size_t nbatch) {
  std::optional<int64_t> inner;  // stride of the innermost non-1 batch dim so far
  int64_t span = 1;
  for (size_t i = nbatch; i-- > 0;) {
    if (shape[i] == 1) continue;
    if (!inner) {
      inner = st[i];
    } else if (st[i] != *inner * span) {
      return std::nullopt;
    }
    span *= shape[i];
  }
  return inner.value_or(0);
}

}  // namespace

Tensor matmul(const Tensor& a_in, const Tensor& b_in) {
  check_same_device("matmul", {&a_in, &b_in});
  LAMINA_CHECK(a_in.dim() > 0 && b_in.dim() > 0, ValueError,
               "[matmul] both arguments need at least 1 dim, got ", shape_str(a_in.shape()),
               " and ", shape_str(b_in.shape()));
  LAMINA_CHECK(a_in.dtype() == b_in.dtype(), TypeError, "[matmul] expected both operands of one ",
               "dtype, got ", dtype_name(a_in.dtype()), " and ", dtype_name(b_in.dtype()));
  LAMINA_CHECK(a_in.dtype() != DType::Bool, TypeError, "[matmul] not supported for bool tensors");
  Tensor a = a_in.dim() == 1 ? unsqueeze(a_in, 0) : a_in;
  Tensor b = b_in.dim() == 1 ? unsqueeze(b_in, 1) : b_in;
  int64_t M = a.shape()[a.dim() - 2], K = a.shape()[a.dim() - 1];
  int64_t K2 = b.shape()[b.dim() - 2], N = b.shape()[b.dim() - 1];
  LAMINA_CHECK(K == K2, ValueError, "[matmul] shapes ", shape_str(a_in.shape()), " and ",
               shape_str(b_in.shape()), " cannot be multiplied");
  Shape ab(a.shape().begin(), a.shape().end() - 2), bb(b.shape().begin(), b.shape().end() - 2);
  Shape batch = broadcast_shapes("matmul", ab, bb);
  Shape ashape = batch, bshape = batch;
  ashape.insert(ashape.end(), {M, K});
  bshape.insert(bshape.end(), {K, N});
  a = expand(a, ashape);
  b = expand(b, bshape);
  size_t nb = batch.size();
  auto sa = flat_stride(a.shape(), a.strides(), nb);
  if (!sa) {
    a = contiguous(a);
    sa = M * K;
  }
  auto sb = flat_stride(b.shape(), b.strides(), nb);
  if (!sb) {
    b = contiguous(b);
    sb = K * N;
  }
  Shape oshape = batch;
  oshape.insert(oshape.end(), {M, N});
  Tensor out = Tensor::empty(oshape, a.dtype(), a.device());
  int64_t nbatch = shape_numel(batch);
  if (out.numel() > 0) {
    if (K == 0) {
      out = full(oshape, 0.0, a.dtype(), a.device());
    } else {
      LAMINA_KERNEL(a.device(), gemm, a.dtype(), nbatch, M, N, K, a.raw(), *sa,
                    a.strides()[nb], a.strides()[nb + 1], b.raw(), *sb, b.strides()[nb],
                    b.strides()[nb + 1], out.raw());
    }
  }
  // drop the dims added for 1-D operands
  if (a_in.dim() == 1 && b_in.dim() == 1) return reshape(out, {});
  if (a_in.dim() == 1) return squeeze(out, std::vector<int64_t>{out.dim() - 2});
  if (b_in.dim() == 1) return squeeze(out, std::vector<int64_t>{out.dim() - 1});
  return out;
}

}  // namespace lamina::ops
