#include "tensor.h"

#include "device_runtime.h"
#include "allocator.h"

namespace lamina {

void throw_dtype_error(const char* op, DType dt, const char* expected) {
  throw TypeError(str_cat("[", op, "] expected ", expected, ", got ", dtype_name(dt)));
}

int64_t checked_numel(const char* op, const Shape& shape) {
  int64_t n = 1;
  bool overflow = false;
  for (int64_t s : shape) {
    if (s == 0) return 0;
    overflow |= __builtin_mul_overflow(n, s, &n);
  }
  LAMINA_CHECK(!overflow, ValueError, "[", op, "] shape ", shape_str(shape),
               " has more than 2**63 - 1 elements");
  return n;
}

int64_t shape_numel(const Shape& shape) { return checked_numel("numel", shape); }

Shape contiguous_strides(const Shape& shape) {
  Shape st(shape.size());
  int64_t acc = 1;
  for (int64_t i = static_cast<int64_t>(shape.size()) - 1; i >= 0; --i) {
    st[i] = acc;
    acc *= shape[i] > 1 ? shape[i] : 1;
  }
  return st;
}

int64_t Tensor::numel() const { return shape_numel(shape_); }

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // nothing to lay out (torch agrees)
  int64_t expected = 1;
  for (int64_t i = dim() - 1; i >= 0; --i) {
    if (shape_[i] == 1) continue;
    if (strides_[i] != expected) return false;
    expected *= shape_[i];
  }
  return true;
}

Tensor Tensor::empty(const Shape& shape, DType dt, Device dev) {
  for (int64_t s : shape)
    LAMINA_CHECK(s >= 0, ValueError, "[empty] negative dimension in shape ", shape_str(shape));
  auto st = std::make_shared<Storage>();
  LAMINA_CHECK(!__builtin_mul_overflow(checked_numel("empty", shape), lamina::itemsize(dt),
                                       &st->nbytes),
               ValueError, "[empty] shape ", shape_str(shape), " needs more than 2**63 bytes");
  st->device = dev;
  st->data = dev.is_cpu() ? cpu_allocate(st->nbytes) : cuda::allocate(st->nbytes, dev.index);
  return Tensor(std::move(st), shape, contiguous_strides(shape), 0, dt);
}

}  // namespace lamina
