// View ops: new geometry over the same storage, never a copy (reshape copies only when no
// view exists, like torch).
#include <algorithm>

#include "ops.h"

namespace lamina::ops {

int64_t wrap_dim(const char* op, int64_t dim, int64_t ndim) {
  int64_t n = std::max<int64_t>(ndim, 1);
  LAMINA_CHECK(dim >= -n && dim < n, IndexError, "[", op, "] dim ", dim,
               " is out of range for a tensor with ", ndim, " dims");
  return dim < 0 ? dim + n : dim;
}

DimBlock dim_block(const Shape& shape, int64_t d) {
  DimBlock b;
  const int64_t n = static_cast<int64_t>(shape.size());
  for (int64_t k = 0; k < n; ++k) {
    if (k < d) b.O *= shape[k];
    else if (k == d) b.R = shape[k];
    else b.I *= shape[k];
  }
  return b;
}

namespace {

Shape infer_shape(const char* op, Shape shape, int64_t numel, const Shape& from) {
  int64_t infer = -1;
  Shape given;
  for (size_t i = 0; i < shape.size(); ++i) {
    if (shape[i] == -1) {
      LAMINA_CHECK(infer < 0, ValueError, "[", op, "] only one dimension can be -1, got ",
                   shape_str(shape));
      infer = static_cast<int64_t>(i);
    } else {
      LAMINA_CHECK(shape[i] >= 0, ValueError, "[", op, "] invalid shape ", shape_str(shape));
      given.push_back(shape[i]);
    }
  }
  int64_t known = checked_numel(op, given);
  if (infer >= 0) {
    LAMINA_CHECK(known != 0 && numel % known == 0, ValueError, "[", op, "] cannot reshape ",
                 shape_str(from), " into ", shape_str(shape));
    shape[infer] = numel / known;
  }
  LAMINA_CHECK(checked_numel(op, shape) == numel, ValueError, "[", op, "] cannot reshape ",
               shape_str(from), " (", numel, " elements) into ", shape_str(shape));
  return shape;
}

// Strides that let `shape` view memory laid out as (old, old_st), or nothing (torch's rule).
std::optional<Shape> view_strides(const char* op, const Shape& old, const Shape& old_st,
                                  const Shape& shape) {
  if (shape_numel(old) == 0 || old.empty()) return contiguous_strides(shape, op);
  Shape st(shape.size());
  int64_t view_d = static_cast<int64_t>(shape.size()) - 1;
  int64_t chunk = old_st.back(), tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(old.size()) - 1; d >= 0; --d) {
    tensor_numel *= old[d];
    if (d == 0 || (old[d - 1] != 1 && old_st[d - 1] != tensor_numel * chunk)) {
      while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1)) {
        st[view_d] = view_numel * chunk;
        view_numel *= shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return std::nullopt;
      if (d > 0) {
        chunk = old_st[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return std::nullopt;
  return st;
}

}  // namespace

Tensor view(const Tensor& t, Shape shape) {
  shape = infer_shape("view", std::move(shape), t.numel(), t.shape());
  auto st = view_strides("view", t.shape(), t.strides(), shape);
  LAMINA_CHECK(st.has_value(), ValueError, "[view] shape ", shape_str(shape),
               " is not compatible with the strides of a ", shape_str(t.shape()),
               " tensor; use reshape (which copies)");
  return t.view_as(std::move(shape), std::move(*st), t.offset());
}

Tensor reshape(const Tensor& t, Shape shape) {
  shape = infer_shape("reshape", std::move(shape), t.numel(), t.shape());
  if (auto st = view_strides("reshape", t.shape(), t.strides(), shape))
    return t.view_as(std::move(shape), std::move(*st), t.offset());
  Tensor c = contiguous(t);
  return c.view_as(shape, contiguous_strides(shape, "reshape"), c.offset());
}

Tensor permute(const Tensor& t, const std::vector<int64_t>& dims) {
  int64_t n = t.dim();
  LAMINA_CHECK(static_cast<int64_t>(dims.size()) == n, ValueError, "[permute] expected ", n,
               " dims for a tensor of shape ", shape_str(t.shape()), ", got ", dims.size());
  Shape shape(n), st(n);
  std::vector<bool> seen(n, false);
  for (int64_t i = 0; i < n; ++i) {
    int64_t d = wrap_dim("permute", dims[i], n);
    LAMINA_CHECK(!seen[d], ValueError, "[permute] dim ", d, " repeated in ", shape_str(dims));
    seen[d] = true;
    shape[i] = t.shape()[d];
    st[i] = t.strides()[d];
  }
  return t.view_as(std::move(shape), std::move(st), t.offset());
}

Tensor transpose(const Tensor& t, int64_t d0, int64_t d1) {
  if (t.dim() == 0) return t;
  d0 = wrap_dim("transpose", d0, t.dim());
  d1 = wrap_dim("transpose", d1, t.dim());
  Shape shape = t.shape(), st = t.strides();
  std::swap(shape[d0], shape[d1]);
  std::swap(st[d0], st[d1]);
  return t.view_as(std::move(shape), std::move(st), t.offset());
}

Tensor expand(const Tensor& t, const Shape& shape) {
  LAMINA_CHECK(shape.size() >= t.shape().size(), ValueError, "[expand] cannot expand ",
               shape_str(t.shape()), " to fewer dims ", shape_str(shape));
  Shape out(shape.size()), st(shape.size(), 0);
  size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < shape.size(); ++i) {
    if (i < lead) {
      LAMINA_CHECK(shape[i] >= 0, ValueError, "[expand] invalid size ", shape[i], " in ",
                   shape_str(shape));
      out[i] = shape[i];
      continue;
    }
    int64_t have = t.shape()[i - lead];
    int64_t want = shape[i] == -1 ? have : shape[i];
    LAMINA_CHECK(have == want || have == 1, ValueError, "[expand] cannot expand ",
                 shape_str(t.shape()), " to ", shape_str(shape));
    LAMINA_CHECK(want >= 0, ValueError, "[expand] invalid size ", want);
    out[i] = want;
    st[i] = have == want ? t.strides()[i - lead] : 0;
  }
  checked_numel("expand", out);
  return t.view_as(std::move(out), std::move(st), t.offset());
}

Tensor squeeze(const Tensor& t, std::optional<std::vector<int64_t>> dims) {
  std::vector<bool> drop(t.dim(), false);
  if (dims) {
    for (int64_t d : *dims) {
      int64_t w = wrap_dim("squeeze", d, t.dim());
      if (t.dim() > 0 && t.shape()[w] == 1) drop[w] = true;
    }
  } else {
    for (int64_t d = 0; d < t.dim(); ++d) drop[d] = t.shape()[d] == 1;
  }
  Shape shape, st;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (!drop[d]) {
      shape.push_back(t.shape()[d]);
      st.push_back(t.strides()[d]);
    }
  return t.view_as(std::move(shape), std::move(st), t.offset());
}

Tensor unsqueeze(const Tensor& t, int64_t dim) {
  int64_t n = t.dim() + 1;
  LAMINA_CHECK(dim >= -n && dim < n, IndexError, "[unsqueeze] dim ", dim,
               " is out of range for a tensor with ", t.dim(), " dims");
  if (dim < 0) dim += n;
  Shape shape = t.shape(), st = t.strides();
  // torch's stride for the new size-1 dim; any stride serves where that product overflows (an
  // empty view's huge strides)
  int64_t s = 1;
  if (dim < t.dim() && __builtin_mul_overflow(st[dim], shape[dim], &s)) s = 1;
  shape.insert(shape.begin() + dim, 1);
  st.insert(st.begin() + dim, s);
  return t.view_as(std::move(shape), std::move(st), t.offset());
}

Tensor slice(const Tensor& t, int64_t dim, std::optional<int64_t> start,
             std::optional<int64_t> stop, int64_t step) {
  LAMINA_CHECK(t.dim() > 0, IndexError, "[slice] cannot slice a 0-d tensor");
  dim = wrap_dim("slice", dim, t.dim());
  LAMINA_CHECK(step > 0, ValueError, "[slice] step must be positive, got ", step);
  int64_t n = t.shape()[dim];
  auto clampi = [n](int64_t v) {
    if (v < 0) v += n;
    return std::clamp<int64_t>(v, 0, n);
  };
  int64_t b = start ? clampi(*start) : 0;
  int64_t e = stop ? clampi(*stop) : n;
  int64_t len = e > b ? (e - b - 1) / step + 1 : 0;  // not e - b + step - 1: step may be huge
  Shape shape = t.shape(), st = t.strides();
  shape[dim] = len;
  // stride * step like torch, but a step past the end (x[::2**62]: one element, whose stride is
  // never used) counts as n, so the stride stays within the storage's byte range; only an empty
  // view's huge strides can still overflow, and they keep theirs
  if (__builtin_mul_overflow(t.strides()[dim], std::min(step, std::max<int64_t>(n, 1)), &st[dim]))
    st[dim] = t.strides()[dim];
  int64_t off = checked_add("slice", "offset", t.offset(),
                            checked_mul("slice", "offset", b, t.strides()[dim]));
  return t.view_as(std::move(shape), std::move(st), off);
}

Tensor select(const Tensor& t, int64_t dim, int64_t index) {
  LAMINA_CHECK(t.dim() > 0, IndexError, "[select] cannot index a 0-d tensor");
  dim = wrap_dim("select", dim, t.dim());
  int64_t n = t.shape()[dim];
  LAMINA_CHECK(index >= -n && index < n, IndexError, "[select] index ", index,
               " is out of bounds for dim ", dim, " with size ", n);
  if (index < 0) index += n;
  Shape shape = t.shape(), st = t.strides();
  int64_t off = t.offset() + index * st[dim];
  shape.erase(shape.begin() + dim);
  st.erase(st.begin() + dim);
  return t.view_as(std::move(shape), std::move(st), off);
}

Tensor as_strided(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset) {
  LAMINA_CHECK(shape.size() == strides.size(), ValueError, "[as_strided] shape ",
               shape_str(shape), " and strides ", shape_str(strides), " differ in length");
  LAMINA_CHECK(offset >= 0, ValueError, "[as_strided] negative offset ", offset);
  // hi: the last element, offset + sum((size - 1) * stride), in checked arithmetic (a wrapped
  // sum would pass the bounds check); checked even for empty views, whose strides later ops
  // still multiply
  int64_t hi = offset;
  for (size_t i = 0; i < shape.size(); ++i) {
    LAMINA_CHECK(shape[i] >= 0 && strides[i] >= 0, ValueError,
                 "[as_strided] negative size or stride in ", shape_str(shape), " / ",
                 shape_str(strides));
    if (shape[i] > 0)
      hi = checked_add("as_strided", "view extent", hi,
                       checked_mul("as_strided", "view extent", shape[i] - 1, strides[i]));
  }
  int64_t cap = t.storage()->nbytes / t.itemsize();
  LAMINA_CHECK(checked_numel("as_strided", shape) == 0 || hi < cap, ValueError,
               "[as_strided] view of shape ", shape_str(shape), " and strides ",
               shape_str(strides), " at offset ", offset, " exceeds the storage of ", cap,
               " elements");
  return t.view_as(shape, strides, offset);
}

}  // namespace lamina::ops
