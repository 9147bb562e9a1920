// Caching device allocator. Freed blocks go back to a per-device free list keyed by their
// rounded size and are handed out again without cudaMalloc/cudaFree (which synchronise).
// LAMINA_CUDA_NO_CACHE=1 turns caching off (for compute-sanitizer).
//
// Streams: the rule, not events. Every lamina kernel, copy and memset runs on the legacy
// default stream (LAMINA_LAUNCH names no stream), so a block handed out again is used by work
// queued after every earlier lamina use of it: reuse needs no synchronisation. The rule for
// memory shared with another library (DLPack, __cuda_array_interface__):
//   - work of a consumer on another stream that reads or writes lamina memory must be finished
//     (that stream synchronised, or an event on it waited for) before the consumer drops its
//     last reference: once lamina's reference count reaches zero the block may be reused at
//     once by the next lamina kernel;
//   - the same in reverse for memory lamina imports (from_dlpack): lamina's work on it is on
//     the legacy stream, so a producer that frees or reuses it on a non-blocking stream must
//     synchronise with the legacy stream first (lamina.cuda.synchronize()).
// Why no event per free (record on free, wait before reuse, as torch's record_stream): an
// event recorded on the legacy stream at free time guards nothing more than the stream order
// above already does (the legacy stream also waits for blocking streams); what it cannot see
// is a consumer's non-blocking stream, and lamina does not know that stream: DLPack's
// `stream` argument names the stream the consumer reads on first, not every stream it will
// use, and the handle may be destroyed by the time the block is freed (recording an event on
// a destroyed stream is undefined). So the consumer, which knows its streams, synchronises;
// lamina.cuda's module docstring states the same rule for users.
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "../core/block_cache.h"
#include "../core/device_runtime.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

constexpr size_t kSmallRound = 512;                // sizes up to kLargeAbove: 512 B multiples
constexpr size_t kLargeAbove = size_t(1) << 20;    // above 1 MiB: 2 MiB multiples
constexpr size_t kLargeRound = size_t(2) << 20;

size_t round_size(int64_t nbytes) {
  size_t n = nbytes > 0 ? static_cast<size_t>(nbytes) : 1;  // zero bytes still get a block
  size_t r = n > kLargeAbove ? kLargeRound : kSmallRound;
  return (n + r - 1) / r * r;
}

bool caching_enabled() {
  static const bool on = [] {
    const char* env = std::getenv("LAMINA_CUDA_NO_CACHE");
    return !(env && env[0] != '\0' && std::strcmp(env, "0") != 0);
  }();
  return on;
}

struct Allocator {
  std::mutex mu;
  std::vector<BlockCache> devices;  // free lists and byte counts per device

  BlockCache& cache(int device) {  // mu held
    if (device >= static_cast<int>(devices.size())) devices.resize(device + 1);
    return devices[device];
  }

  // cudaFree every cached block of one device (mu held); the first error is raised after all.
  void release_cached(int device) {
    BlockCache& c = cache(device);
    if (c.cached() == 0) return;
    set_device(device);
    cudaError_t first = cudaSuccess;
    c.drain([&](void* p, size_t) {
      cudaError_t err = cudaFree(p);
      if (err != cudaSuccess && first == cudaSuccess) first = err;
    });
    if (first != cudaSuccess) cudaGetLastError();
    LAMINA_CUDA_CHECK(first);
  }
};

// Never destroyed: deleters may run during interpreter or process teardown.
Allocator& allocator() {
  static Allocator* a = new Allocator();
  return *a;
}

// Give a block back. Runs inside shared_ptr deleters, so it must never throw; at exit the CUDA
// context may already be gone, and errors from cudaFree are then ignored.
void release_block(void* p, int device, size_t size) noexcept {
  try {
    Allocator& a = allocator();
    if (!caching_enabled()) {
      int prev = -1;
      const bool switch_device = cudaGetDevice(&prev) == cudaSuccess && prev != device;
      if (switch_device) cudaSetDevice(device);
      cudaFree(p);
      if (switch_device) cudaSetDevice(prev);  // leave set_device's per-thread cache valid
      cudaGetLastError();
      std::lock_guard<std::mutex> lock(a.mu);
      a.cache(device).drop(size);
      return;
    }
    std::lock_guard<std::mutex> lock(a.mu);
    a.cache(device).put(p, size);
  } catch (...) {
  }
}

}  // namespace

std::shared_ptr<void> allocate(int64_t nbytes, int device) {
  if (device < 0)
    throw std::runtime_error("[cuda] invalid device index " + std::to_string(device));
  const size_t size = round_size(nbytes);
  Allocator& a = allocator();
  void* p = nullptr;
  {
    std::lock_guard<std::mutex> lock(a.mu);
    BlockCache& c = a.cache(device);
    p = c.take(size);  // always nullptr when caching is off
    if (!p) {
      set_device(device);
      cudaError_t err = cudaMalloc(&p, size);
      if (err == cudaErrorMemoryAllocation) {  // drop the cache and try once more
        cudaGetLastError();
        a.release_cached(device);
        err = cudaMalloc(&p, size);
      }
      if (err != cudaSuccess) {
        cudaGetLastError();
        if (err == cudaErrorMemoryAllocation)
          throw std::runtime_error("[cuda] out of memory allocating " + std::to_string(nbytes) +
                                   " bytes on cuda:" + std::to_string(device));
        LAMINA_CUDA_CHECK(err);
      }
      c.add_new(size);
    }
  }
  return std::shared_ptr<void>(p, [device, size](void* q) { release_block(q, device, size); });
}

void empty_cache() {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  for (int d = 0; d < static_cast<int>(a.devices.size()); ++d) a.release_cached(d);
}

int64_t memory_allocated(int device) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  const bool known = device >= 0 && device < static_cast<int>(a.devices.size());
  return known ? int64_t(a.devices[device].allocated()) : 0;
}

int64_t memory_reserved(int device) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  const bool known = device >= 0 && device < static_cast<int>(a.devices.size());
  return known ? int64_t(a.devices[device].reserved()) : 0;
}

}  // namespace lamina::cuda
