#include "allocator.h"

#include <cstdlib>
#include <cstring>
#include <new>

#include "check.h"

namespace lamina {

bool exact_alloc() {
  static const bool on = [] {
    const char* e = std::getenv("LAMINA_EXACT_ALLOC");
    return e && *e && std::strcmp(e, "0") != 0;
  }();
  return on;
}

void* host_alloc_aligned(size_t align, size_t bytes) {
  void* p = nullptr;
  return posix_memalign(&p, align, bytes) == 0 ? p : nullptr;
}

std::shared_ptr<void> cpu_allocate(int64_t nbytes) {
  constexpr size_t kAlign = 64;
  size_t bytes = static_cast<size_t>(nbytes);  // unsigned: rounding 2**63 - 1 up cannot wrap
  if (!exact_alloc()) bytes = bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
  void* p = host_alloc_aligned(kAlign, bytes);
  if (!p && bytes == 0) p = host_alloc_aligned(kAlign, 1);  // posix_memalign(0) may give null
  LAMINA_CHECK(p != nullptr, std::runtime_error, "[alloc] out of host memory allocating ", nbytes,
               " bytes");
  return std::shared_ptr<void>(p, [](void* q) { std::free(q); });
}

}  // namespace lamina
