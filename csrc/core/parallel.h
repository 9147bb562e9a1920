#pragma once
// One thread pool for every CPU kernel. Between jobs a worker polls for at most 50 us (so
// back-to-back kernels skip a futex wake-up) and then sleeps on a condition variable: idle
// threads never keep spinning. The calling thread takes a share of the work, nested calls run
// serially, and a forked child rebuilds the pool on first use.
#include <cstdint>
#include <functional>

namespace lamina {

int get_num_threads();
void set_num_threads(int n);  // n >= 1

// Split [begin, end) into at most get_num_threads() contiguous chunks of at least `grain`
// items and run fn(chunk_begin, chunk_end) on each, in parallel. Exceptions are rethrown here.
void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn);

}  // namespace lamina
