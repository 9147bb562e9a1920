// Host allocator. Blocks of kCacheFrom bytes and more are cached: freed, they wait in a
// BlockCache (core/block_cache.h) for the next request of the same rounded size. glibc maps such
// blocks fresh from the kernel (or trims them from the heap's top) and gives them back on free,
// so without the cache every step of a training loop paid a page fault per 4 KB of each large
// output and gradient (an add of 1M floats spent more time in faults than in the add). Smaller
// blocks come from malloc's bins, which glibc keeps without faults.
//
// The cache holds at most LAMINA_HOST_CACHE_MB megabytes (default: a quarter of the physical
// memory, at most 2 GiB; 0 turns caching off). A block that would overflow it empties the cache
// first: a loop's working set is cached again after one step, and sizes no longer asked for do
// not pile up. LAMINA_EXACT_ALLOC turns caching off as well (sanitizer runs).
#include "allocator.h"

#include <pthread.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>

#include "block_cache.h"
#include "check.h"

namespace lamina {
namespace {

constexpr size_t kAlign = 64;                      // every host block
constexpr size_t kCacheFrom = size_t(256) << 10;   // cached from 256 KiB up,
constexpr size_t kCacheRound = size_t(64) << 10;   // in 64 KiB steps
constexpr size_t kPage = 4096;                     // alignment of cached blocks

size_t cache_limit() {
  static const size_t limit = [] {
    if (exact_alloc()) return size_t(0);
    if (const char* e = std::getenv("LAMINA_HOST_CACHE_MB"); e && *e) {
      char* end = nullptr;
      const long long mb = std::strtoll(e, &end, 10);
      LAMINA_CHECK(end && *end == '\0' && mb >= 0, ValueError,
                   "[alloc] LAMINA_HOST_CACHE_MB must be a count of megabytes >= 0, got '", e, "'");
      return size_t(mb) << 20;
    }
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    const size_t phys = pages > 0 && page > 0 ? size_t(pages) * size_t(page) : 0;
    return std::min(phys / 4, size_t(2) << 30);
  }();
  return limit;
}

struct HostCache {
  std::mutex mu;
  BlockCache blocks;
};

// Never destroyed: deleters may run during interpreter or process teardown. fork() holds the
// lock across the fork, so a child forked while another thread allocates gets it unlocked.
HostCache& host_cache() {
  static HostCache* c = [] {
    pthread_atfork([] { host_cache().mu.lock(); }, [] { host_cache().mu.unlock(); },
                   [] { host_cache().mu.unlock(); });
    return new HostCache();
  }();
  return *c;
}

void free_cached(BlockCache& blocks) {  // lock held
  blocks.drain([](void* q, size_t) { std::free(q); });
}

void release_cached_block(void* p, size_t size) noexcept {
  HostCache& c = host_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  if (size > cache_limit()) {
    c.blocks.drop(size);
    std::free(p);
    return;
  }
  if (c.blocks.cached() + size > cache_limit()) free_cached(c.blocks);
  c.blocks.put(p, size);
}

std::shared_ptr<void> cached_block(size_t size) {
  HostCache& c = host_cache();
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(c.mu);
    p = c.blocks.take(size);
    if (!p) {
      p = host_alloc_aligned(kPage, size);
      if (!p && c.blocks.cached() > 0) {  // drop the cache and try once more
        free_cached(c.blocks);
        p = host_alloc_aligned(kPage, size);
      }
      if (!p) return nullptr;
      c.blocks.add_new(size);
    }
  }
  return std::shared_ptr<void>(p, [size](void* q) { release_cached_block(q, size); });
}

}  // namespace

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
  size_t bytes = static_cast<size_t>(nbytes);  // unsigned: rounding 2**63 - 1 up cannot wrap
  std::shared_ptr<void> block;
  if (bytes >= kCacheFrom && cache_limit() > 0 && bytes <= SIZE_MAX - kCacheRound) {
    block = cached_block((bytes + kCacheRound - 1) / kCacheRound * kCacheRound);
  } else {
    if (!exact_alloc()) bytes = bytes == 0 ? kAlign : (bytes + kAlign - 1) / kAlign * kAlign;
    void* p = host_alloc_aligned(kAlign, bytes);
    if (!p && bytes == 0) p = host_alloc_aligned(kAlign, 1);  // posix_memalign(0) may give null
    if (p) block = std::shared_ptr<void>(p, [](void* q) { std::free(q); });
  }
  LAMINA_CHECK(block != nullptr, std::runtime_error, "[alloc] out of host memory allocating ",
               nbytes, " bytes");
  return block;
}

void host_empty_cache() {
  HostCache& c = host_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  free_cached(c.blocks);
}

int64_t host_memory_cached() {
  HostCache& c = host_cache();
  std::lock_guard<std::mutex> lock(c.mu);
  return int64_t(c.blocks.cached());
}

}  // namespace lamina
