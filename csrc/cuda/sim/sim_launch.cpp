// Kernel launches: validation against the device limits (the errors CUDA gives), the worker
// pool that runs blocks in parallel, per-kernel attributes, tracing and launch counts.
//
// Blocks run on W workers (LAMINA_SIM_WORKERS, default 2): the launching thread and W - 1
// pool threads, block b on worker b % W. Blocks of one worker run one after another; the
// workers run at the same time. So two blocks that race on global memory (next to each other
// in the grid, hence on different workers) are seen by ThreadSanitizer, and each worker's
// static shared memory (thread_local) is its own.
#include <unistd.h>

#include <algorithm>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "sim_fiber.h"
#include "sim_internal.h"

namespace lamina::sim {
namespace {

std::mutex g_attr_mu;
std::unordered_map<const void*, int>& attr_map() {
  static auto* m = new std::unordered_map<const void*, int>();
  return *m;
}

int env_int(const char* name, int fallback) {
  const char* e = std::getenv(name);
  return e && *e ? std::atoi(e) : fallback;
}

// --- worker pool (threads wait on condition variables; never spin) ---
// Three locks, each passed in one direction only, so that ThreadSanitizer sees no ordering
// between the blocks of the launching thread and those of the pool threads: `mu` hands out a
// launch, `start_mu` tells the launcher that a pool thread picked it up, `done_mu` that it
// finished. (A pool thread relocks `mu` to wait for the next launch right after its blocks:
// were the launcher to take `mu` again before running its own blocks, it would be ordered
// after the pool's blocks and a race between them would go unreported.)
struct Pool {
  std::mutex mu;
  std::condition_variable cv_job;
  const LaunchSpec* spec = nullptr;
  uint64_t seed = 0, step = 1, generation = 0;
  int threads = 0;  // pool threads (workers - 1)
  std::mutex start_mu;
  std::condition_variable cv_started;
  int started = 0;  // pool threads that have picked up the current launch
  std::mutex done_mu;
  std::condition_variable cv_done;
  int pending = 0;  // pool threads that have not finished the current launch
  pid_t pid = 0;
};

Pool* g_pool = nullptr;  // leaked: pool threads outlive static destruction
std::mutex g_launch_mu;  // one launch at a time (the legacy stream serialises them anyway)

void pool_thread(Pool* p, int index) {
  uint64_t seen = 0;
  for (;;) {
    const LaunchSpec* spec;
    uint64_t seed, step;
    {
      std::unique_lock<std::mutex> lock(p->mu);
      p->cv_job.wait(lock, [&] { return p->generation != seen; });
      seen = p->generation;
      spec = p->spec;
      seed = p->seed;
      step = p->step;
    }
    {
      std::lock_guard<std::mutex> lock(p->start_mu);
      if (++p->started == p->threads) p->cv_started.notify_all();
    }
    if (static_cast<uint64_t>(index) < step) run_blocks(*spec, index, step, seed);
    std::lock_guard<std::mutex> lock(p->done_mu);
    if (--p->pending == 0) p->cv_done.notify_all();
  }
}

int workers() {
  static const int n = [] {
    const int v = env_int("LAMINA_SIM_WORKERS", 2);
    return v < 1 ? 1 : (v > 64 ? 64 : v);
  }();
  return n;
}

Pool& pool() {  // g_launch_mu held
  if (!g_pool || g_pool->pid != getpid()) {  // first use, or a forked child: new threads
    g_pool = new Pool();
    g_pool->pid = getpid();
    g_pool->threads = workers() - 1;
    for (int i = 1; i < workers(); ++i) std::thread(pool_thread, g_pool, i).detach();
  }
  return *g_pool;
}

// --- tracing and counts ---
std::mutex g_count_mu;
struct Counts {
  std::map<std::string, size_t> index;
  std::vector<std::pair<std::string, long long>> list;
};
Counts& counts() {
  static auto* c = new Counts();
  return *c;
}

void count_and_trace(const LaunchSpec& s, const char* outcome) {
  static const char* trace = std::getenv("LAMINA_SIM_TRACE");
  std::lock_guard<std::mutex> lock(g_count_mu);
  Counts& c = counts();
  auto it = c.index.find(s.name);
  if (it == c.index.end()) {
    it = c.index.emplace(s.name, c.list.size()).first;
    c.list.emplace_back(s.name, 0);
  }
  ++c.list[it->second].second;
  if (!trace || !*trace || std::strcmp(trace, "0") == 0) return;
  const bool to_stderr = std::strcmp(trace, "1") == 0 || std::strcmp(trace, "stderr") == 0;
  FILE* f = to_stderr ? stderr : std::fopen(trace, "a");
  if (!f) return;
  std::fprintf(f, "[lamina sim] launch %s grid (%u,%u,%u) block (%u,%u,%u) smem %zu: %s\n",
               s.name, s.grid.x, s.grid.y, s.grid.z, s.block.x, s.block.y, s.block.z, s.smem,
               outcome);
  if (!to_stderr) std::fclose(f);
}

// The error CUDA gives for this configuration, with the reason; cudaSuccess when it may run.
cudaError_t check_config(const LaunchSpec& s, std::string* why) {
  char buf[512];
  const unsigned b[3] = {s.block.x, s.block.y, s.block.z};
  const unsigned g[3] = {s.grid.x, s.grid.y, s.grid.z};
  const char* axis = "xyz";
  for (int i = 0; i < 3; ++i) {
    if (b[i] == 0 || b[i] > limits::kMaxBlockDim[i]) {
      std::snprintf(buf, sizeof buf, "block.%c = %u (must be 1..%u)", axis[i], b[i],
                    limits::kMaxBlockDim[i]);
      *why = buf;
      return cudaErrorInvalidConfiguration;
    }
    if (g[i] == 0 || g[i] > limits::kMaxGridDim[i]) {
      std::snprintf(buf, sizeof buf, "grid.%c = %u (must be 1..%u)", axis[i], g[i],
                    limits::kMaxGridDim[i]);
      *why = buf;
      return cudaErrorInvalidConfiguration;
    }
  }
  const uint64_t threads = uint64_t(b[0]) * b[1] * b[2];
  if (threads > static_cast<uint64_t>(limits::kMaxThreadsPerBlock)) {
    std::snprintf(buf, sizeof buf, "%llu threads per block (at most %d)",
                  static_cast<unsigned long long>(threads), limits::kMaxThreadsPerBlock);
    *why = buf;
    return cudaErrorInvalidConfiguration;
  }
  const int limit = max_dynamic_smem(s.func);
  if (s.smem > static_cast<size_t>(limit)) {
    std::snprintf(buf, sizeof buf,
                  "%zu bytes of dynamic shared memory, above the kernel's limit of %d bytes "
                  "(default %d; cudaFuncSetAttribute(MaxDynamicSharedMemorySize) raises it up "
                  "to %d)",
                  s.smem, limit, limits::kSharedPerBlock, limits::kSharedPerBlockOptin);
    *why = buf;
    return cudaErrorInvalidValue;
  }
  return cudaSuccess;
}

std::string clean_name(const char* name) {  // "(k<a, b>)" -> "k<a, b>"
  std::string n = name ? name : "?";
  while (n.size() >= 2 && n.front() == '(' && n.back() == ')') n = n.substr(1, n.size() - 2);
  return n;
}

}  // namespace

int max_dynamic_smem(const void* func) {
  std::lock_guard<std::mutex> lock(g_attr_mu);
  auto it = attr_map().find(func);
  return it == attr_map().end() ? limits::kSharedPerBlock : it->second;
}

uint64_t base_seed() {
  static const uint64_t s = [] {
    const char* e = std::getenv("LAMINA_SIM_SEED");
    return e && *e ? std::strtoull(e, nullptr, 0) : 0ull;
  }();
  return s;
}

void run_launch(const LaunchSpec& spec_in) {
  const std::string name = clean_name(spec_in.name);
  LaunchSpec spec = spec_in;
  spec.name = name.c_str();
  std::string why;
  const cudaError_t err = check_config(spec, &why);
  if (err != cudaSuccess) {
    count_and_trace(spec, "rejected");
    record_error(err, std::string(error_string(err)) + " (lamina sim: launch of kernel '" +
                          name + "' with " + why + ")");
    return;
  }
  count_and_trace(spec, "run");
  clear_error_detail();

  std::lock_guard<std::mutex> lock(g_launch_mu);
  static uint64_t launch_number = 0;
  const uint64_t seed = mix64(base_seed() ^ mix64(++launch_number));
  const uint64_t total = uint64_t(spec.grid.x) * spec.grid.y * spec.grid.z;
  const uint64_t w = std::min<uint64_t>(static_cast<uint64_t>(workers()), total);
  if (w <= 1) {
    run_blocks(spec, 0, 1, seed);
    return;
  }
  Pool& p = pool();
  {
    std::lock_guard<std::mutex> dl(p.done_mu);
    p.pending = p.threads;
  }
  {
    std::lock_guard<std::mutex> sl(p.start_mu);
    p.started = 0;
  }
  {
    std::lock_guard<std::mutex> pl(p.mu);
    p.spec = &spec;
    p.seed = seed;
    p.step = w;
    ++p.generation;
  }
  p.cv_job.notify_all();
#ifdef LAMINA_SIM_TSAN
  {
    // Under ThreadSanitizer, start this thread's blocks only once every pool thread has
    // picked up the launch: a pool thread that took the job (through the mutex) after them
    // would be ordered after them, and a race between blocks of different workers unseen.
    std::unique_lock<std::mutex> sl(p.start_mu);
    p.cv_started.wait(sl, [&] { return p.started == p.threads; });
  }
#endif
  run_blocks(spec, 0, w, seed);
  std::unique_lock<std::mutex> dl(p.done_mu);
  p.cv_done.wait(dl, [&] { return p.pending == 0; });
}

std::vector<std::pair<std::string, long long>> launch_counts() {
  std::lock_guard<std::mutex> lock(g_count_mu);
  return counts().list;
}

std::string describe() {
  return "lamina CUDA simulator (kernels run on the CPU; limits of an NVIDIA H100, sm_90; " +
         std::to_string(workers()) + " workers, seed " + std::to_string(base_seed()) + ")";
}

}  // namespace lamina::sim

// cudaFuncSetAttribute / cudaFuncGetAttributes (declared in sim_api.h).
cudaError_t cudaFuncSetAttribute(const void* func, cudaFuncAttribute attr, int value) {
  using namespace lamina::sim;
  if (!func) return record_error(cudaErrorInvalidDeviceFunction);
  if (attr == cudaFuncAttributePreferredSharedMemoryCarveout) {
    return value < -1 || value > 100 ? record_error(cudaErrorInvalidValue) : cudaSuccess;
  }
  if (attr != cudaFuncAttributeMaxDynamicSharedMemorySize) return record_error(cudaErrorInvalidValue);
  if (value < 0 || value > limits::kSharedPerBlockOptin)
    return record_error(cudaErrorInvalidValue,
                        "invalid argument (lamina sim: cudaFuncSetAttribute("
                        "MaxDynamicSharedMemorySize, " + std::to_string(value) +
                        "): at most " + std::to_string(limits::kSharedPerBlockOptin) +
                        " bytes per block on this device)");
  std::lock_guard<std::mutex> lock(g_attr_mu);
  attr_map()[func] = value;
  return cudaSuccess;
}

cudaError_t cudaFuncGetAttributes(cudaFuncAttributes* a, const void* func) {
  using namespace lamina::sim;
  if (!a || !func) return record_error(cudaErrorInvalidValue);
  *a = cudaFuncAttributes{};
  a->maxThreadsPerBlock = limits::kMaxThreadsPerBlock;
  a->maxDynamicSharedSizeBytes = max_dynamic_smem(func);
  a->ptxVersion = a->binaryVersion = 10 * limits::kMajor + limits::kMinor;
  a->preferredShmemCarveout = -1;
  return cudaSuccess;
}
