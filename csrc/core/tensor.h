#pragma once
// Storage and Tensor: C++ owns memory, dtype and device; a Tensor is a strided view
// (shape, strides in elements, offset in elements) onto a shared Storage.
#include <cstdint>
#include <memory>
#include <vector>

#include "check.h"
#include "device.h"
#include "dtype.h"

namespace lamina {

using Shape = std::vector<int64_t>;

struct Storage {
  std::shared_ptr<void> data;  // deleter frees host/device memory or releases a DLPack owner
  int64_t nbytes = 0;
  Device device;
  int64_t version = 0;  // bumped by every in-place write; autograd checks saved tensors with it
};

class Tensor {
 public:
  Tensor() = default;
  Tensor(std::shared_ptr<Storage> s, Shape shape, Shape strides, int64_t offset, DType dt)
      : storage_(std::move(s)), shape_(std::move(shape)), strides_(std::move(strides)),
        offset_(offset), dtype_(dt) {}

  // A new contiguous tensor with uninitialised memory.
  static Tensor empty(const Shape& shape, DType dt, Device dev);

  const Shape& shape() const { return shape_; }
  const Shape& strides() const { return strides_; }
  int64_t offset() const { return offset_; }
  DType dtype() const { return dtype_; }
  Device device() const { return storage_ ? storage_->device : Device{}; }
  int64_t dim() const { return static_cast<int64_t>(shape_.size()); }
  int64_t size(int64_t d) const { return shape_[d]; }
  int64_t numel() const;
  int64_t itemsize() const { return lamina::itemsize(dtype_); }
  bool is_contiguous() const;
  bool defined() const { return storage_ != nullptr; }
  const std::shared_ptr<Storage>& storage() const { return storage_; }

  // Pointer to element 0 of this view.
  void* raw() const { return static_cast<char*>(storage_->data.get()) + offset_ * itemsize(); }
  template <typename T> T* data() const { return static_cast<T*>(raw()); }

  // Same storage, new geometry (no checks: callers in ops/ validate).
  Tensor view_as(Shape shape, Shape strides, int64_t offset) const {
    return Tensor(storage_, std::move(shape), std::move(strides), offset, dtype_);
  }

 private:
  std::shared_ptr<Storage> storage_;
  Shape shape_;
  Shape strides_;
  int64_t offset_ = 0;
  DType dtype_ = DType::Float32;
};

Shape contiguous_strides(const Shape& shape, const char* op = "empty");  // ValueError past int64
int64_t shape_numel(const Shape& shape);  // ValueError past 2**63 - 1 elements
int64_t checked_numel(const char* op, const Shape& shape);  // same, naming op

}  // namespace lamina
