// The block scheduler: runs the threads of one block as fibers on the calling OS thread.
//
// CUDA semantics modelled:
//  - Every thread of a block runs until it exits or waits: at __syncthreads() (the barrier
//    opens when every thread that has not exited is there; exited threads no longer count,
//    as on Volta and later) or in a warp collective (it completes when every lane named in
//    its mask has arrived with the same mask and intrinsic). Waiting threads resume in the
//    next round; each round resumes its threads in a new random order (seeded: LAMINA_SIM_SEED,
//    the launch and the block), so code that is only right in one interleaving can fail.
//  - A deadlock (nothing can run, threads still wait) is a device fault: a message names the
//    kernel, block and thread, and the process aborts. Warp collectives: sim_warp.cpp.
//  - ThreadSanitizer: each simulated thread is a TSan fiber; a barrier is a release by every
//    arriving thread and an acquire by every leaving one, on one of two addresses alternating
//    per barrier generation (a thread can be at most one generation ahead of another), so a
//    shared-memory write and another thread's access with no barrier between them is a race.
//    Shuffles and votes create no ordering (the hardware gives none); __syncwarp does.
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "sim_sched.h"

#ifdef LAMINA_SIM_ASAN
#include <sanitizer/common_interface_defs.h>
#endif

thread_local uint3 threadIdx;
thread_local uint3 blockIdx;
thread_local uint3 blockDim;
thread_local uint3 gridDim;

namespace lamina::sim {

bool poison_enabled();  // sim_runtime.cpp

namespace detail {

LAMINA_SIM_NO_TSAN void fault_at(const Worker& w, const SimThread* t, const char* fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  std::fprintf(stderr,
               "[lamina sim] device fault in kernel '%s', block (%u,%u,%u), thread (%u,%u,%u) "
               "(warp %d, lane %d): %s\n",
               w.spec ? w.spec->name : "?", blockIdx.x, blockIdx.y, blockIdx.z,
               t ? t->tid.x : 0, t ? t->tid.y : 0, t ? t->tid.z : 0, t ? t->warp : -1,
               t ? t->lane : -1, msg);
  std::fflush(stderr);
  std::abort();
}

// After a sanitizer report: which simulated thread was running (the report's frames show the
// kernel's code; this adds the block and thread).
LAMINA_SIM_NO_TSAN void report_current_thread(const char* what);

namespace {

struct WorkerHolder {
  Worker* w = nullptr;
  ~WorkerHolder() {
    if (!w) return;
    for (SimThread* t : w->threads) {
      fiber_free(&t->fiber);
      delete t;
    }
    std::free(w->smem);
    delete w;
    w = nullptr;
  }
};
thread_local WorkerHolder tls_holder;

}  // namespace

Worker& this_worker() {
  if (!tls_holder.w) {
    tls_holder.w = new Worker();
    fiber_adopt_current(&tls_holder.w->sched);
#ifdef LAMINA_SIM_ASAN
    __sanitizer_set_death_callback(
        [] { report_current_thread("the AddressSanitizer report above came from"); });
#endif
  }
  return *tls_holder.w;
}

void report_current_thread(const char* what) {
  const Worker* w = tls_holder.w;
  if (!w || !w->current || !w->spec) return;
  const SimThread* t = w->current;
  std::fprintf(stderr,
               "[lamina sim] %s kernel '%s', block (%u,%u,%u), thread (%u,%u,%u) (warp %d, "
               "lane %d)\n",
               what, w->spec->name, blockIdx.x, blockIdx.y, blockIdx.z, t->tid.x, t->tid.y,
               t->tid.z, t->warp, t->lane);
}

LAMINA_SIM_NO_TSAN SimThread* current(const char* what) {
  Worker* w = tls_holder.w;
  if (!w || !w->current) {
    std::fprintf(stderr, "[lamina sim] %s called outside a kernel\n", what);
    std::abort();
  }
  return w->current;
}

LAMINA_SIM_NO_TSAN void yield(SimThread* t) {
  fiber_switch(&t->fiber, &t->worker->sched, false);
  if (t->acquire) {
    tsan_acquire(t->acquire);
    t->acquire = nullptr;
  }
}

namespace {

// Entry of every fiber: run the kernel as the thread the scheduler assigned, report the exit,
// and start over for the next block.
LAMINA_SIM_NO_TSAN void thread_main(void* p) {
  SimThread* t = static_cast<SimThread*>(p);
  fiber_entered(&t->worker->sched);
  for (;;) {
    const LaunchSpec* s = t->worker->spec;
    s->entry(s->closure);
    t->state = State::Exited;
    // An exited thread counts as arrived at every later barrier: what it wrote is ordered
    // before the threads that pass the next one (and before the next block on this worker).
    tsan_release(&t->worker->bar_sync[t->worker->bar_gen & 1]);
    tsan_release(&t->worker->block_end);
    fiber_switch(&t->fiber, &t->worker->sched, false);
  }
}

}  // namespace

void make_runnable(Worker& w, int index) {
  w.threads[index]->state = State::Runnable;
  w.next.push_back(index);
}

namespace {

void maybe_open_barrier(Worker& w) {
  if (w.at_barrier == 0 || w.at_barrier != w.live) return;
  ++w.bar_gen;
  for (int i : w.bar_waiters) make_runnable(w, i);
  w.bar_waiters.clear();
  w.at_barrier = 0;
}

LAMINA_SIM_NO_TSAN void thread_exited(Worker& w, SimThread* t) {
  warp_lane_exited(w, t);
  --w.live;
  maybe_open_barrier(w);
}

[[noreturn]] LAMINA_SIM_NO_TSAN void deadlock(Worker& w) {
  char buf[768];
  int len = std::snprintf(buf, sizeof buf, "%d of %d threads can never continue: %d wait at "
                          "__syncthreads()", w.live, w.n, w.at_barrier);
  for (int warp = 0; warp * 32 < w.n && len < 600; ++warp) {
    const unsigned waiting = w.warps[warp].arrived;
    if (!waiting) continue;
    const SimThread* o = lane_thread(w, warp, __builtin_ctz(waiting));
    len += std::snprintf(buf + len, sizeof buf - len, "; warp %d lanes 0x%08x wait in %s (mask "
                         "0x%08x)", warp, waiting, op_name(o->kind), o->mask);
  }
  const SimThread* t = w.bar_waiters.empty() ? nullptr : w.threads[w.bar_waiters.front()];
  for (int i = 0; !t && i < w.n; ++i)
    if (w.threads[i]->state != State::Exited) t = w.threads[i];
  fault_at(w, t, "deadlock: %s (a barrier waits for every thread that has not exited, a warp "
           "collective for every lane of its mask)", buf);
}

LAMINA_SIM_NO_TSAN void handle(Worker& w, SimThread* t, int index) {
  switch (t->state) {
    case State::Exited: thread_exited(w, t); break;
    case State::Barrier:
      ++w.at_barrier;
      w.bar_waiters.push_back(index);
      maybe_open_barrier(w);
      break;
    case State::Warp: warp_arrive(w, t); break;
    case State::Runnable: w.next.push_back(index); break;
  }
}

LAMINA_SIM_NO_TSAN void prepare_smem(Worker& w, size_t bytes) {
#ifdef LAMINA_SIM_ASAN
  // A fresh allocation of exactly the requested size: ASan reports accesses past it.
  void* p = nullptr;
  if (posix_memalign(&p, 16, bytes ? bytes : 1) != 0) std::abort();
  w.smem = static_cast<char*>(p);
#else
  if (bytes > w.smem_cap) {
    std::free(w.smem);
    void* p = nullptr;
    if (posix_memalign(&p, 64, bytes) != 0) std::abort();
    w.smem = static_cast<char*>(p);
    w.smem_cap = bytes;
  }
#endif
  if (bytes && poison_enabled()) std::memset(w.smem, 0xff, bytes);  // NaN patterns
}

LAMINA_SIM_NO_TSAN void run_block(Worker& w, uint64_t b, uint64_t seed) {
  const LaunchSpec& s = *w.spec;
  const uint64_t gx = s.grid.x, gy = s.grid.y;
  blockIdx = uint3{static_cast<unsigned>(b % gx), static_cast<unsigned>((b / gx) % gy),
                   static_cast<unsigned>(b / (gx * gy))};
  const unsigned bx = s.block.x, by = s.block.y;
  w.n = static_cast<int>(s.block.x * s.block.y * s.block.z);
  while (static_cast<int>(w.threads.size()) < w.n) {
    SimThread* t = new SimThread();
    t->worker = &w;
    fiber_make(&t->fiber, &thread_main, t);
#ifdef LAMINA_SIM_TSAN
    char name[64];
    std::snprintf(name, sizeof name, "lamina sim: linear thread %zu of the block", w.threads.size());
    __tsan_set_fiber_name(t->fiber.tsan, name);
#endif
    w.threads.push_back(t);
  }
  for (int i = 0; i < w.n; ++i) {
    SimThread* t = w.threads[i];
    const unsigned u = static_cast<unsigned>(i);
    t->tid = uint3{u % bx, (u / bx) % by, u / (bx * by)};
    t->lane = i & 31;
    t->warp = i >> 5;
    t->state = State::Runnable;
    t->acquire = nullptr;
  }
  for (WarpState& ws : w.warps) ws = WarpState{};
  w.live = w.n;
  w.at_barrier = 0;
  w.bar_waiters.clear();
  w.rng = mix64(seed ^ mix64(b + 1));
  prepare_smem(w, s.smem);

  w.runnable.clear();
  for (int i = 0; i < w.n; ++i) w.runnable.push_back(i);
  w.next.clear();
  while (!w.runnable.empty()) {
    for (size_t k = w.runnable.size(); k > 1; --k) {  // a new order every round
      w.rng = mix64(w.rng);
      std::swap(w.runnable[k - 1], w.runnable[w.rng % k]);
    }
    for (int i : w.runnable) {
      SimThread* t = w.threads[i];
      w.current = t;
      threadIdx = t->tid;
      fiber_switch(&w.sched, &t->fiber, true);
      handle(w, t, i);
    }
    w.current = nullptr;
    w.runnable.swap(w.next);
    w.next.clear();
  }
  if (w.live > 0) deadlock(w);
  tsan_acquire(&w.block_end);  // the next block on this worker comes after this one
#ifdef LAMINA_SIM_ASAN
  std::free(w.smem);
  w.smem = nullptr;
#endif
}

}  // namespace
}  // namespace detail

using namespace detail;

LAMINA_SIM_NO_TSAN void run_blocks(const LaunchSpec& spec, uint64_t first, uint64_t step,
                                   uint64_t launch_seed) {
  Worker& w = this_worker();
  w.spec = &spec;
  blockDim = uint3{spec.block.x, spec.block.y, spec.block.z};
  gridDim = uint3{spec.grid.x, spec.grid.y, spec.grid.z};
  const uint64_t total = uint64_t(spec.grid.x) * spec.grid.y * spec.grid.z;
  for (uint64_t b = first; b < total; b += step) run_block(w, b, launch_seed);
  w.spec = nullptr;
}

// --- the device-side entry points (sim_core.h), called by the running simulated thread ---

LAMINA_SIM_NO_TSAN void sync_threads() {
  SimThread* t = current("__syncthreads()");
  Worker& w = *t->worker;
  void* s = &w.bar_sync[w.bar_gen & 1];
  tsan_release(s);
  t->acquire = s;
  t->state = State::Barrier;
  yield(t);
}

LAMINA_SIM_NO_TSAN void* dynamic_smem() { return current("dynamic_smem()")->worker->smem; }


void device_fault(const char* what) {
  SimThread* t = current("__trap()");
  fault_at(*t->worker, t, "%s", what);
}

}  // namespace lamina::sim

#ifdef LAMINA_SIM_TSAN
// ThreadSanitizer calls this after printing a report, on the thread that made the second
// access (a weak default in the runtime; this definition wins in executables).
extern "C" void __tsan_on_report(const void*) {
  lamina::sim::detail::report_current_thread("the ThreadSanitizer report above: the second access is by");
}
#endif
