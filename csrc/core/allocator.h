#pragma once
// Host memory: 64-byte aligned blocks. Device memory lives in cuda/allocator.cu.
#include <cstdint>
#include <memory>

namespace lamina {

std::shared_ptr<void> cpu_allocate(int64_t nbytes);

}  // namespace lamina
