#include "geometry.h"

#include <algorithm>

namespace lamina {

Shape broadcast_shapes(const char* op, const Shape& a, const Shape& b) {
  size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    int64_t x = i < n - a.size() ? 1 : a[i - (n - a.size())];
    int64_t y = i < n - b.size() ? 1 : b[i - (n - b.size())];
    LAMINA_CHECK(x == y || x == 1 || y == 1, ValueError, "[", op, "] shapes ", shape_str(a),
                 " and ", shape_str(b), " cannot be broadcast together");
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Shape broadcast_strides(const char* op, const Tensor& t, const Shape& shape) {
  LAMINA_CHECK(t.dim() <= static_cast<int64_t>(shape.size()), ValueError, "[", op, "] shape ",
               shape_str(t.shape()), " cannot be broadcast to ", shape_str(shape));
  Shape st(shape.size(), 0);
  size_t lead = shape.size() - t.shape().size();
  for (size_t i = 0; i < t.shape().size(); ++i) {
    int64_t s = t.shape()[i];
    LAMINA_CHECK(s == shape[lead + i] || s == 1, ValueError, "[", op, "] shape ",
                 shape_str(t.shape()), " cannot be broadcast to ", shape_str(shape));
    st[lead + i] = s == 1 ? 0 : t.strides()[i];
  }
  return st;
}

Geometry make_geometry(const char* op, const Shape& shape,
                       std::initializer_list<const Shape*> strides) {
  Geometry g;
  g.nops = static_cast<int>(strides.size());
  g.numel = shape_numel(shape);
  // Drop size-1 dims, then merge neighbours that are contiguous for every operand.
  int64_t sh[64];
  int64_t st[kMaxOperands][64];
  int n = 0;
  LAMINA_CHECK(shape.size() <= 64, ValueError, "[", op, "] too many dimensions (", shape.size(), ")");
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    sh[n] = shape[d];
    int k = 0;
    for (const Shape* s : strides) st[k++][n] = (*s)[d];
    ++n;
  }
  int m = 0;
  for (int d = 0; d < n; ++d) {
    if (m > 0) {
      bool merge = true;
      for (int k = 0; k < g.nops; ++k) {
        int64_t next;  // an empty view may carry strides whose product overflows
        if (__builtin_mul_overflow(st[k][d], sh[d], &next) || st[k][m - 1] != next) merge = false;
      }
      if (merge) {
        sh[m - 1] *= sh[d];
        for (int k = 0; k < g.nops; ++k) st[k][m - 1] = st[k][d];
        continue;
      }
    }
    sh[m] = sh[d];
    for (int k = 0; k < g.nops; ++k) st[k][m] = st[k][d];
    ++m;
  }
  LAMINA_CHECK(m <= kMaxDims, ValueError, "[", op, "] more than ", kMaxDims,
               " non-mergeable dimensions are not supported");
  g.ndim = m;
  for (int d = 0; d < m; ++d) {
    g.shape[d] = sh[d];
    for (int k = 0; k < g.nops; ++k) g.strides[k][d] = st[k][d];
  }
  return g;
}

}  // namespace lamina
