#include "allocator.h"

#include <cstdlib>
#include <new>

#include "check.h"

namespace lamina {

std::shared_ptr<void> cpu_allocate(int64_t nbytes) {
  constexpr int64_t kAlign = 64;
  int64_t rounded = (nbytes + kAlign - 1) / kAlign * kAlign;
  if (rounded == 0) rounded = kAlign;  // a valid, unique pointer even for empty tensors
  void* p = std::aligned_alloc(kAlign, static_cast<size_t>(rounded));
  LAMINA_CHECK(p != nullptr, std::runtime_error, "[alloc] out of host memory allocating ", nbytes,
               " bytes");
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace lamina
