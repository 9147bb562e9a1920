#include "parallel.h"

#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace lamina {
namespace {

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
      if (--pending == 0) done.notify_all();
    }
  }

  void worker() {
    std::unique_lock<std::mutex> lk(mu);
    uint64_t seen = generation;
    for (;;) {
      wake.wait(lk, [&] { return stop || generation != seen; });
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
  p.error = nullptr;
  ++p.generation;
  p.wake.notify_all();
  p.run_chunks(lk);
  p.done.wait(lk, [&] { return p.pending == 0; });
  p.job = nullptr;
  std::exception_ptr err = p.error;
  p.error = nullptr;
  lk.unlock();
  if (err) std::rethrow_exception(err);
}

}  // namespace lamina
