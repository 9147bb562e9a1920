#pragma once
// Host memory: 64-byte aligned blocks, the large ones cached (allocator.cpp says why and how
// much). Device memory lives in cuda/allocator.cu.
#include <cstddef>
#include <cstdint>
#include <memory>

namespace lamina {

std::shared_ptr<void> cpu_allocate(int64_t nbytes);

void host_empty_cache();        // free every cached host block
int64_t host_memory_cached();   // bytes in cached host blocks, not in any tensor

// LAMINA_EXACT_ALLOC=1 (read once; tools/sanitize.sh sets it): host tensors and the kernels'
// Scratch buffers get exactly the bytes asked for, still 64-byte aligned at the start, instead
// of rounding up to 64 bytes (tensors) or 4 KB (scratch), so AddressSanitizer reports a read or
// write one byte past the end instead of letting it land in padding.
bool exact_alloc();

// `bytes` bytes aligned to `align` (a power of two, at least sizeof(void*)), any size: no
// multiple-of-alignment rule as aligned_alloc has. nullptr when out of memory; free() it.
void* host_alloc_aligned(size_t align, size_t bytes);

}  // namespace lamina
