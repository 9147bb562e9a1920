#pragma once
// BlockCache: the bookkeeping of a caching allocator (host: core/allocator.cpp, device:
// cuda/allocator.cu). Freed blocks wait in free lists keyed by their rounded size and are handed
// out again only at exactly that size. The owner holds its lock around every call, and does the
// real allocation and release itself: the cache never frees anything.
#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace lamina {

class BlockCache {
 public:
  // A cached block of exactly `size` bytes, now counted as handed out; nullptr if none.
  void* take(size_t size) {
    auto it = free_.find(size);
    if (it == free_.end()) return nullptr;
    void* p = it->second.back();
    it->second.pop_back();
    if (it->second.empty()) free_.erase(it);
    allocated_ += size;
    return p;
  }
  // A block fresh from the system is handed out.
  void add_new(size_t size) {
    allocated_ += size;
    reserved_ += size;
  }
  // A handed-out block comes back and is kept.
  void put(void* p, size_t size) {
    free_[size].push_back(p);
    allocated_ -= size;
  }
  // A handed-out block comes back and goes to the system (the caller frees it).
  void drop(size_t size) {
    allocated_ -= size;
    reserved_ -= size;
  }
  // Empties the cache, then calls release(p, size) on every block that was in it. The lists are
  // taken first, so a release that fails can leak blocks but never see one twice.
  template <class F>
  void drain(F&& release) {
    std::map<size_t, std::vector<void*>> blocks;
    blocks.swap(free_);
    for (auto& [size, list] : blocks) {
      reserved_ -= size * list.size();
      for (void* p : list) release(p, size);
    }
  }

  size_t allocated() const { return allocated_; }  // bytes in blocks handed out
  size_t reserved() const { return reserved_; }    // handed out + cached
  size_t cached() const { return reserved_ - allocated_; }

 private:
  std::map<size_t, std::vector<void*>> free_;  // rounded size -> cached blocks
  size_t allocated_ = 0;
  size_t reserved_ = 0;
};

}  // namespace lamina
