// Copies: strided and broadcasting copy_ with dtype conversion, on one device or across.
#include <algorithm>
#include <cstring>

#include "../kernels/elementwise.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

void check_same_device(const char* op, std::initializer_list<const Tensor*> ts) {
  const Tensor* first = nullptr;
  for (const Tensor* t : ts) {
    if (!first) first = t;
    LAMINA_CHECK(t->device() == first->device(), std::runtime_error, "[", op,
                 "] expected all tensors on the same device, got ", first->device().str(),
                 " and ", t->device().str());
  }
}

namespace {

// Sorted by stride, the dims of size > 1 tile memory without gaps or repeats.
bool non_overlapping_and_dense(const Tensor& t) {
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < t.dim(); ++d)
    if (t.shape()[d] != 1) dims.push_back(d);
  std::sort(dims.begin(), dims.end(),
            [&](int64_t a, int64_t b) { return t.strides()[a] < t.strides()[b]; });
  int64_t expected = 1;
  for (int64_t d : dims) {
    if (t.strides()[d] != expected) return false;
    expected *= t.shape()[d];
  }
  return true;
}

}  // namespace

void check_no_internal_overlap(const char* op, const Tensor& out) {
  for (int64_t d = 0; d < out.dim(); ++d)
    LAMINA_CHECK(out.shape()[d] <= 1 || out.strides()[d] != 0, std::runtime_error, "[", op,
                 "] more than one element of the written-to tensor ", shape_str(out.shape()),
                 " refers to a single memory location (an expanded tensor?); clone() it first");
}

void check_no_partial_overlap(const char* op, const Tensor& out, const Tensor& in) {
  if (out.numel() == 0 || in.numel() == 0 || out.device() != in.device()) return;
  // Only dense layouts have a memory range that is exactly their elements (torch: "too hard"
  // otherwise, e.g. x[::2] against x[1::2], which interleave without touching).
  if (!non_overlapping_and_dense(out) || !non_overlapping_and_dense(in)) return;
  auto a0 = reinterpret_cast<uintptr_t>(out.raw()), b0 = reinterpret_cast<uintptr_t>(in.raw());
  uintptr_t a1 = a0 + out.numel() * out.itemsize(), b1 = b0 + in.numel() * in.itemsize();
  if (a1 <= b0 || b1 <= a0) return;
  bool same = a0 == b0 && out.shape() == in.shape() && out.strides() == in.strides() &&
              out.itemsize() == in.itemsize();
  LAMINA_CHECK(same, std::runtime_error, "[", op, "] the written-to tensor ",
               shape_str(out.shape()), " and an input ", shape_str(in.shape()),
               " partly overlap in memory; clone() the input first");
}

namespace {

// dst <- src on one device; src already broadcast-compatible with dst.
void copy_same_device(const Tensor& dst, const Tensor& src) {
  Shape sst = broadcast_strides("copy_", src, dst.shape());
  Geometry g = make_geometry("copy_", dst.shape(), {&dst.strides(), &sst});
  if (g.numel == 0) return;
  LAMINA_KERNEL(dst.device(), cast, dst.dtype(), src.dtype(), g, dst.raw(), src.raw());
}

void memcpy_across(const Tensor& dst, const Tensor& src) {  // both contiguous, same dtype/numel
  int64_t nbytes = dst.numel() * dst.itemsize();
  if (nbytes == 0) return;
  if (dst.device().is_cpu() && src.device().is_cpu()) {
    std::memcpy(dst.raw(), src.raw(), nbytes);
  } else if (dst.device().is_cpu()) {
    cuda::set_device(src.device().index);
    cuda::memcpy_d2h(dst.raw(), src.raw(), nbytes);
  } else if (src.device().is_cpu()) {
    cuda::set_device(dst.device().index);
    cuda::memcpy_h2d(dst.raw(), src.raw(), nbytes);
  } else {
    cuda::set_device(dst.device().index);
    cuda::memcpy_d2d(dst.raw(), src.raw(), nbytes);
  }
}

}  // namespace

void copy_(const Tensor& dst, const Tensor& src) {
  broadcast_strides("copy_", src, dst.shape());  // validates the shapes
  if (src.numel() != 1) check_no_internal_overlap("copy_", dst);  // one value: fill_ is fine
  check_no_partial_overlap("copy_", dst, src);
  bump_version(dst);
  if (dst.device() == src.device()) {
    copy_same_device(dst, src);
    return;
  }
  // Across devices: a contiguous, dst-typed, dst-shaped staging copy on the source device,
  // one memcpy, then a strided copy on the destination device if dst is not contiguous.
  Tensor staged = Tensor::empty(dst.shape(), dst.dtype(), src.device());
  copy_same_device(staged, src);
  if (dst.is_contiguous()) {
    memcpy_across(dst, staged);
  } else {
    Tensor landed = Tensor::empty(dst.shape(), dst.dtype(), dst.device());
    memcpy_across(landed, staged);
    copy_same_device(dst, landed);
  }
}

Tensor contiguous(const Tensor& t) {
  if (t.is_contiguous()) return t;
  return clone(t);
}

Tensor clone(const Tensor& t) {
  Tensor out = Tensor::empty(t.shape(), t.dtype(), t.device());
  copy_(out, t);
  return out;
}

Tensor to(const Tensor& t, Device dev, DType dt, bool copy) {
  if (!copy && dev == t.device() && dt == t.dtype()) return t;
  Tensor out = Tensor::empty(t.shape(), dt, dev);
  copy_(out, t);
  return out;
}

double item(const Tensor& t) {
  LAMINA_CHECK(t.numel() == 1, ValueError, "[item] a tensor with ", t.numel(),
               " elements cannot be converted to a Python scalar");
  Tensor h = to(t, Device{}, DType::Float64, false);
  return *h.data<double>();
}

}  // namespace lamina::ops
