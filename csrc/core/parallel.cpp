#include "parallel.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lamina {
namespace {

// A thread that runs out of work polls (unlocked, with pause) for this long before it sleeps
// on the condition variable: the VM's futex wake takes 15-150 us, so back-to-back kernels
// would otherwise pay two wake-ups each (worker start, caller done). Bounded: idle threads
// still end up asleep.
constexpr int64_t kSpinNs = 50000;

inline int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
}

// Poll pred() for up to kSpinNs; true when it became true.
template <typename P>
inline bool spin_until(P&& pred) {
  const int64_t t0 = now_ns();
  for (int i = 0;; ++i) {
    if (pred()) return true;
    if ((i & 63) == 63 && now_ns() - t0 > kSpinNs) return false;
    cpu_relax();
  }
}

int default_threads() {
  if (const char* env = std::getenv("OMP_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1u, std::thread::hardware_concurrency());
}

struct Pool {
  std::mutex mu;
  std::condition_variable wake, done;
  std::vector<std::thread> workers;
  const std::function<void(int64_t)>* job = nullptr;  // job(chunk_index)
  int64_t nchunks = 0;
  int64_t next_chunk = 0;
  int64_t pending = 0;
  uint64_t generation = 0;
  std::atomic<uint64_t> generation_seen{0};  // copy of generation for unlocked polling
  std::atomic<int64_t> pending_seen{0};       // copy of pending for unlocked polling
  int sleepers = 0;                            // workers waiting on `wake` (under mu)
  bool stop = false;
  std::exception_ptr error;

  void run_chunks(std::unique_lock<std::mutex>& lk) {
    while (next_chunk < nchunks) {
      int64_t c = next_chunk++;
      const auto* fn = job;
      lk.unlock();
      try {
        (*fn)(c);
      } catch (...) {
        std::lock_guard<std::mutex> g(mu);
        if (!error) error = std::current_exception();
      }
      lk.lock();
      pending_seen.store(--pending, std::memory_order_release);
      if (pending == 0) done.notify_all();
    }
  }

  void worker() {
    std::unique_lock<std::mutex> lk(mu);
    uint64_t seen = generation;
    for (;;) {
      lk.unlock();
      spin_until([&] { return generation_seen.load(std::memory_order_acquire) != seen; });
      lk.lock();
      ++sleepers;
      wake.wait(lk, [&] { return stop || generation != seen; });
      --sleepers;
      if (stop) return;
      seen = generation;
      run_chunks(lk);
    }
  }

  void start(int n) {
    for (int i = 0; i < n - 1; ++i) workers.emplace_back([this] { worker(); });
  }

  void shutdown() {
    {
      std::lock_guard<std::mutex> g(mu);
      stop = true;
      generation_seen.fetch_add(1, std::memory_order_release);  // end the workers' polling
    }
    wake.notify_all();
    for (auto& t : workers) t.join();
    workers.clear();
    stop = false;
  }
};

int g_num_threads = 0;  // 0: not yet read from the environment
Pool* g_pool = nullptr;
std::mutex g_pool_mu;  // serialises top-level parallel regions
thread_local bool t_in_parallel = false;

void after_fork_in_child() {
  // The child has only the forking thread: the workers are gone. Leak the old pool (its
  // mutexes may be held by threads that no longer exist) and build a new one on demand.
  g_pool = nullptr;
  new (&g_pool_mu) std::mutex();
  t_in_parallel = false;
}

Pool& pool() {
  static bool registered = (pthread_atfork(nullptr, nullptr, after_fork_in_child), true);
  (void)registered;
  if (!g_pool) {
    g_pool = new Pool();
    g_pool->start(get_num_threads());
  }
  return *g_pool;
}

}  // namespace

int get_num_threads() {
  if (g_num_threads == 0) g_num_threads = default_threads();
  return g_num_threads;
}

void set_num_threads(int n) {
  if (n < 1) n = 1;
  std::lock_guard<std::mutex> g(g_pool_mu);
  if (g_pool) {
    g_pool->shutdown();
    delete g_pool;
    g_pool = nullptr;
  }
  g_num_threads = n;
}

void parallel_for(int64_t begin, int64_t end, int64_t grain,
                  const std::function<void(int64_t, int64_t)>& fn) {
  int64_t n = end - begin;
  if (n <= 0) return;
  grain = std::max<int64_t>(grain, 1);
  int64_t nthreads = get_num_threads();
  int64_t chunks = std::min<int64_t>(nthreads, (n + grain - 1) / grain);
  if (chunks <= 1 || t_in_parallel) {
    fn(begin, end);
    return;
  }
  std::lock_guard<std::mutex> region(g_pool_mu);
  Pool& p = pool();
  int64_t step = (n + chunks - 1) / chunks;
  std::function<void(int64_t)> job = [&](int64_t c) {
    int64_t b = begin + c * step, e = std::min(end, b + step);
    if (b >= e) return;
    struct Flag {
      Flag() { t_in_parallel = true; }
      ~Flag() { t_in_parallel = false; }
    } flag;
    fn(b, e);
  };
  std::unique_lock<std::mutex> lk(p.mu);
  p.job = &job;
  p.nchunks = chunks;
  p.next_chunk = 0;
  p.pending = chunks;
  p.pending_seen.store(chunks, std::memory_order_relaxed);
  p.error = nullptr;
  ++p.generation;
  p.generation_seen.store(p.generation, std::memory_order_release);
  if (p.sleepers > 0) p.wake.notify_all();  // polling workers see generation_seen
  p.run_chunks(lk);
  if (p.pending != 0) {
    lk.unlock();
    spin_until([&] { return p.pending_seen.load(std::memory_order_acquire) == 0; });
    lk.lock();
  }
  p.done.wait(lk, [&] { return p.pending == 0; });
  p.job = nullptr;
  std::exception_ptr err = p.error;
  p.error = nullptr;
  lk.unlock();
  if (err) std::rethrow_exception(err);
}

}  // namespace lamina
