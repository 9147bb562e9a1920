#pragma once
// Scratch: a grow-only, 64-byte aligned buffer, kept between calls. Kernels hold one per thread
// and use (`thread_local Scratch`): a fresh allocation per call would pay a page fault per 4 KB
// of the megabytes of packed panels and column blocks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace lamina::cpu {

class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p_); }

  // At least `bytes` bytes; the contents are kept only while the size does not grow.
  void* get(size_t bytes) {
    if (n_ < bytes) {
      std::free(p_);
      n_ = (bytes + 4095) / 4096 * 4096;
      p_ = std::aligned_alloc(64, n_);
      if (!p_) {
        n_ = 0;
        throw std::bad_alloc();
      }
    }
    return p_;
  }
  template <class T>
  T* get(int64_t count) {
    return static_cast<T*>(get(size_t(count) * sizeof(T)));
  }

 private:
  void* p_ = nullptr;
  size_t n_ = 0;
};

}  // namespace lamina::cpu
