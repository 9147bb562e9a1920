#pragma once
// One thread pool for every CPU kernel. Between jobs a worker polls for at most 50 us (so
// back-to-back kernels skip a futex wake-up) and then sleeps on a condition variable: idle
// threads never keep spinning. The calling thread takes a share of the work, nested calls run
// serially, and a forked child rebuilds the pool on first use.
#include <algorithm>
#include <cstdint>
#include <functional>

namespace lamina {

int get_num_threads();
void set_num_threads(int n);  // n >= 1

// Split [begin, end) into at most get_num_threads() contiguous chunks of at least `grain`
// items and run fn(chunk_begin, chunk_end) on each, in parallel. Exceptions are rethrown here.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

// The grain of a parallel_for whose items cost per_item elements each: about `work` elements
// a chunk, at least one item.
inline int64_t grain_for(int64_t work, int64_t per_item) {
  return std::max<int64_t>(1, work / std::max<int64_t>(per_item, 1));
}

// body(r) for every row r in [0, rows), in parallel, rows of `cols` elements, about `work`
// elements a chunk.
template <typename F>
void parallel_rows(int64_t rows, int64_t cols, int64_t work, const F& body) {
  parallel_for(0, rows, grain_for(work, cols), [&](int64_t b, int64_t e) {
    for (int64_t r = b; r < e; ++r) body(r);
  });
}

}  // namespace lamina
