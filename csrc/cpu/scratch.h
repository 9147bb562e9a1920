#pragma once
// Scratch: a grow-only, 64-byte aligned buffer, kept between calls. Kernels hold one per thread
// and use (`thread_local Scratch`): a fresh allocation per call would pay a page fault per 4 KB
// of the megabytes of packed panels and column blocks.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>

#include "../core/allocator.h"

namespace lamina::cpu {

class Scratch {
 public:
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() { std::free(p_); }

  // At least `bytes` bytes; the contents are kept only while the size does not grow. Under
  // LAMINA_EXACT_ALLOC (core/allocator.h) exactly `bytes`: any other size moves the buffer,
  // keeping the contents up to the smaller size, so ASan sees the end of each request.
  void* get(size_t bytes) {
    if (exact_alloc()) {
      if (p_ && n_ == bytes) return p_;
      void* q = host_alloc_aligned(64, bytes ? bytes : 1);
      if (!q) throw std::bad_alloc();
      if (p_) std::memcpy(q, p_, n_ < bytes ? n_ : bytes);
      std::free(p_);
      p_ = q;
      n_ = bytes;
    } else if (n_ < bytes) {
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
