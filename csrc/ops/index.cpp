// Indexing: index_select / index_add over one dim, gather / scatter_add, cat.
#include <limits>

#include "../kernels/index.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

// Every index in [-size, size); returns the indices with negatives wrapped, contiguous int64.
Tensor checked_index(const char* op, const Tensor& index, int64_t size) {
  LAMINA_CHECK(index.dtype() == DType::Int64, TypeError, "[", op,
               "] index must be an int64 tensor, got ", dtype_name(index.dtype()));
  Tensor idx = contiguous(index);
  if (idx.numel() == 0) return idx;
  double lo = item(amax(idx, {}, false, false));
  double hi = item(amax(idx, {}, false, true));
  LAMINA_CHECK(lo >= -static_cast<double>(size) && hi < static_cast<double>(size), IndexError,
               "[", op, "] index ", (hi >= static_cast<double>(size) ? hi : lo),
               " is out of bounds for a dimension of size ", size);
  if (lo < 0) {  // wrap negative indices: idx + size * (idx < 0)
    Tensor neg = binary_scalar(BinaryOp::Lt, idx, 0, false, false);
    Tensor shift = binary_scalar(BinaryOp::Mul, cast(neg, DType::Int64), static_cast<double>(size),
                                 false, false);
    idx = binary(BinaryOp::Add, idx, shift);
  }
  return idx;
}

// One dim of t seen as (O, S, I): O the product of the dims before it, I of those after.
struct Split3 {
  int64_t dim, O, S, I;
  Tensor idx;  // the checked index (checked_index)
};

// The checks shared by index_select and index_add: same device, a 0-d or 1-d index, dim
// wrapped; returns dim (wrapped), its split of t and the checked index.
Split3 split_index_dim(const char* op, const Tensor& t, int64_t dim, const Tensor& index) {
  LAMINA_CHECK(index.dim() <= 1, ValueError, "[", op, "] index must be 0-d or 1-d, got ",
               shape_str(index.shape()));
  Split3 r{wrap_dim(op, dim, t.dim()), 1, 1, 1, Tensor()};
  const Shape& s = t.shape();
  for (int64_t d = 0; d < r.dim; ++d) r.O *= s[d];
  r.S = s.empty() ? 1 : s[r.dim];
  for (size_t d = r.dim + 1; d < s.size(); ++d) r.I *= s[d];
  r.idx = checked_index(op, index, r.S);
  return r;
}

}  // namespace

Tensor index_select(const Tensor& t, int64_t dim, const Tensor& index) {
  check_same_device("index_select", {&t, &index});
  const Split3 sp = split_index_dim("index_select", t, dim, index);
  Tensor in = contiguous(t);
  Shape oshape = t.shape();
  int64_t n = sp.idx.numel();
  if (!oshape.empty()) oshape[sp.dim] = n;
  Tensor out = Tensor::empty(oshape, t.dtype(), t.device());
  if (out.numel() > 0)
    LAMINA_KERNEL(t.device(), index_select, t.dtype(), sp.O, sp.S, sp.I, n, in.raw(),
                  sp.idx.data<int64_t>(), out.raw());
  return out;
}

Tensor index_add(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
  check_same_device("index_add", {&t, &index, &src});
  const Split3 sp = split_index_dim("index_add", t, dim, index);
  Shape want = t.shape();
  if (!want.empty()) want[sp.dim] = sp.idx.numel();
  LAMINA_CHECK(src.shape() == want || (t.dim() == 0 && src.numel() == 1), ValueError,
               "[index_add] source must have shape ", shape_str(want), ", got ",
               shape_str(src.shape()));
  Tensor out = clone(t);
  Tensor s = contiguous(src.dtype() == t.dtype() ? src : cast(src, t.dtype()));
  if (s.numel() > 0)
    LAMINA_KERNEL(t.device(), index_add, t.dtype(), sp.O, sp.S, sp.I, sp.idx.numel(), out.raw(),
                  sp.idx.data<int64_t>(), s.raw());
  return out;
}

namespace {

// Geometry over (iterated, index, other) where other's stride along dim is zeroed.
Geometry gather_geometry(const char* op, const Tensor& iter, const Tensor& index,
                         const Tensor& other, int64_t dim) {
  Shape ost = other.strides();
  ost[dim] = 0;
  return make_geometry(op, index.shape(), {&iter.strides(), &index.strides(), &ost});
}

void check_gather_shapes(const char* op, const Tensor& t, int64_t dim, const Tensor& index) {
  LAMINA_CHECK(index.dim() == t.dim(), ValueError, "[", op, "] index must have as many dims as ",
               "the input (", t.dim(), "), got ", shape_str(index.shape()));
  for (int64_t d = 0; d < t.dim(); ++d)
    LAMINA_CHECK(d == dim || index.shape()[d] <= t.shape()[d], ValueError, "[", op,
                 "] index ", shape_str(index.shape()), " is larger than the input ",
                 shape_str(t.shape()), " outside dim ", dim);
}

}  // namespace

Tensor gather(const Tensor& t, int64_t dim, const Tensor& index) {
  check_same_device("gather", {&t, &index});
  LAMINA_CHECK(t.dim() > 0, ValueError, "[gather] input must have at least 1 dim");
  dim = wrap_dim("gather", dim, t.dim());
  check_gather_shapes("gather", t, dim, index);
  Tensor idx = checked_index("gather", index, t.shape()[dim]);
  Tensor out = Tensor::empty(index.shape(), t.dtype(), t.device());
  if (out.numel() == 0) return out;
  Geometry g = gather_geometry("gather", out, idx, t, dim);
  LAMINA_KERNEL(t.device(), gather, t.dtype(), g, t.strides()[dim], out.raw(),
                idx.data<int64_t>(), t.raw());
  return out;
}

Tensor scatter(const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src,
               bool accumulate) {
  const char* op = accumulate ? "scatter_add" : "scatter";
  check_same_device(op, {&t, &index, &src});
  LAMINA_CHECK(t.dim() > 0, ValueError, "[", op, "] input must have at least 1 dim");
  dim = wrap_dim(op, dim, t.dim());
  check_gather_shapes(op, t, dim, index);
  LAMINA_CHECK(src.dim() == index.dim(), ValueError, "[", op, "] source ",
               shape_str(src.shape()), " and index ", shape_str(index.shape()),
               " must have the same number of dims");
  for (int64_t d = 0; d < index.dim(); ++d)
    LAMINA_CHECK(index.shape()[d] <= src.shape()[d], ValueError, "[", op, "] index ",
                 shape_str(index.shape()), " is larger than the source ", shape_str(src.shape()));
  Tensor idx = checked_index(op, index, t.shape()[dim]);
  Tensor out = clone(t);
  Tensor s = src.dtype() == t.dtype() ? src : cast(src, t.dtype());
  if (idx.numel() == 0) return out;
  // iterate over the index shape: src viewed at the index's extent
  Tensor sv = s.view_as(index.shape(), s.strides(), s.offset());
  Geometry g = gather_geometry(op, sv, idx, out, dim);
  LAMINA_KERNEL(t.device(), scatter, t.dtype(), g, out.strides()[dim], out.raw(),
                idx.data<int64_t>(), sv.raw(), accumulate);
  return out;
}

Tensor cat(const std::vector<Tensor>& ts, int64_t dim) {
  LAMINA_CHECK(!ts.empty(), ValueError, "[cat] expected a non-empty list of tensors");
  const Tensor& ref = ts[0];
  LAMINA_CHECK(ref.dim() > 0, ValueError, "[cat] zero-dimensional tensors cannot be concatenated");
  dim = wrap_dim("cat", dim, ref.dim());
  DType dt = ref.dtype();
  int64_t total = 0;
  for (size_t i = 0; i < ts.size(); ++i) {
    const Tensor& t = ts[i];
    LAMINA_CHECK(t.device() == ref.device(), std::runtime_error,
                 "[cat] expected all tensors on the same device, got ", ref.device().str(),
                 " and ", t.device().str());
    LAMINA_CHECK(t.dim() == ref.dim(), ValueError, "[cat] tensors must have the same number of ",
                 "dims, got ", shape_str(ref.shape()), " and ", shape_str(t.shape()));
    for (int64_t d = 0; d < ref.dim(); ++d)
      LAMINA_CHECK(d == dim || t.shape()[d] == ref.shape()[d], ValueError,
                   "[cat] sizes must match except in dim ", dim, ", got ", shape_str(ref.shape()),
                   " and ", shape_str(t.shape()));
    dt = promote(dt, t.dtype());
    total = checked_add("cat", "total size", total, t.shape()[dim]);  // expanded views are huge
  }
  Shape oshape = ref.shape();
  oshape[dim] = total;
  Tensor out = Tensor::empty(oshape, dt, ref.device());
  int64_t at = 0;
  for (const Tensor& t : ts) {
    int64_t n = t.shape()[dim];
    if (n > 0) copy_(slice(out, dim, at, at + n, 1), t);
    at += n;
  }
  return out;
}

}  // namespace lamina::ops
