// Caching device allocator. Freed blocks go back to a per-device free list keyed by their
// rounded size and are handed out again without cudaMalloc/cudaFree (which synchronise).
// All work runs on the legacy default stream, so a block reused by a later kernel is ordered
// after every earlier use. LAMINA_CUDA_NO_CACHE=1 turns caching off (for compute-sanitizer).
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

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

struct DeviceCache {
  std::map<size_t, std::vector<void*>> free_blocks;  // rounded size -> cached blocks
  int64_t allocated = 0;  // bytes in blocks handed out
  int64_t reserved = 0;   // bytes held from cudaMalloc (handed out + cached)
};

struct Allocator {
  std::mutex mu;
  std::vector<DeviceCache> devices;

  DeviceCache& cache(int device) {  // mu held
    if (device >= static_cast<int>(devices.size())) devices.resize(device + 1);
    return devices[device];
  }

  // cudaFree every cached block of one device (mu held). The list is taken first, so a failed
  // cudaFree can leak blocks but never free one twice.
  void release_cached(int device) {
    DeviceCache& c = cache(device);
    if (c.free_blocks.empty()) return;
    std::map<size_t, std::vector<void*>> blocks;
    blocks.swap(c.free_blocks);
    set_device(device);
    cudaError_t first = cudaSuccess;
    for (auto& [size, list] : blocks) {
      for (void* p : list) {
        cudaError_t err = cudaFree(p);
        if (err != cudaSuccess && first == cudaSuccess) first = err;
        c.reserved -= static_cast<int64_t>(size);
      }
    }
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
      DeviceCache& c = a.cache(device);
      c.allocated -= static_cast<int64_t>(size);
      c.reserved -= static_cast<int64_t>(size);
      return;
    }
    std::lock_guard<std::mutex> lock(a.mu);
    DeviceCache& c = a.cache(device);
    c.free_blocks[size].push_back(p);
    c.allocated -= static_cast<int64_t>(size);
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
    DeviceCache& c = a.cache(device);
    auto it = c.free_blocks.find(size);  // always empty when caching is off
    if (it != c.free_blocks.end() && !it->second.empty()) {
      p = it->second.back();
      it->second.pop_back();
      if (it->second.empty()) c.free_blocks.erase(it);
    } else {
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
      c.reserved += static_cast<int64_t>(size);
    }
    c.allocated += static_cast<int64_t>(size);
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
  return device >= 0 && device < static_cast<int>(a.devices.size()) ? a.devices[device].allocated
                                                                     : 0;
}

int64_t memory_reserved(int device) {
  Allocator& a = allocator();
  std::lock_guard<std::mutex> lock(a.mu);
  return device >= 0 && device < static_cast<int>(a.devices.size()) ? a.devices[device].reserved
                                                                     : 0;
}

}  // namespace lamina::cuda
