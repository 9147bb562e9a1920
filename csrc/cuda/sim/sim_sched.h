#pragma once
// The block scheduler's state, shared by sim_block.cpp (threads, barriers, blocks) and
// sim_warp.cpp (warp collectives). Internal to the simulator.
#include <cstdint>
#include <vector>

#include "sim_fiber.h"
#include "sim_internal.h"

#ifdef LAMINA_SIM_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace lamina::sim::detail {

#ifdef LAMINA_SIM_TSAN
inline void tsan_release(void* a) { __tsan_release(a); }
inline void tsan_acquire(void* a) { __tsan_acquire(a); }
#else
inline void tsan_release(void*) {}
inline void tsan_acquire(void*) {}
#endif

// Where a simulated thread is: ready to run, waiting at __syncthreads(), waiting in a warp
// collective, or finished with the kernel.
enum class State : unsigned char { Runnable, Barrier, Warp, Exited };
constexpr int kMma = 100;  // kind of the mma collective (beside the WarpOp values)

struct Worker;

// One simulated thread: a fiber (reused for the same linear thread index of every block the
// worker runs) and what it waits for.
struct SimThread {
  Fiber fiber;
  Worker* worker = nullptr;
  uint3 tid{};
  int lane = 0, warp = 0;
  State state = State::Runnable;
  // The warp collective this lane waits in: written by the lane before it yields, results
  // by the scheduler before it resumes the lane.
  int kind = 0;
  unsigned mask = 0;
  int arg = 0, width = 32;
  uint64_t in = 0, out = 0;
  uint32_t a[4] = {}, b[2] = {};
  float c[4] = {}, d[4] = {};
  void* acquire = nullptr;  // TSan address to acquire when resumed
};

struct WarpState {
  unsigned arrived = 0;  // lanes waiting in a collective
  unsigned exited = 0;
};

// The block scheduler of one OS thread, and the state of the block it runs.
struct Worker {
  Fiber sched;  // this OS thread's own context
  std::vector<SimThread*> threads;
  const LaunchSpec* spec = nullptr;
  int n = 0, live = 0, at_barrier = 0;
  unsigned bar_gen = 0;
  std::vector<int> bar_waiters, runnable, next;
  WarpState warps[32];
  unsigned sw_gen[32][32] = {};  // __syncwarp generations per (warp, lowest lane of mask)
  char sw_sync[32][32][2] = {};
  char bar_sync[2] = {};  // TSan addresses of barrier generations (even, odd)
  char block_end = 0;     // TSan address: exits of this block -> the next block
  SimThread* current = nullptr;
  uint64_t rng = 0;
  char* smem = nullptr;
  size_t smem_cap = 0;
};

// Name of a collective kind for messages.
const char* op_name(int kind);

// Reports a device fault of simulated thread t (kernel, block, thread named) and aborts.
[[noreturn]] LAMINA_SIM_NO_TSAN void fault_at(const Worker& w, const SimThread* t, const char* fmt, ...)
    __attribute__((format(printf, 3, 4)));

// The simulated thread running on this OS thread; `what` names the device function called
// (outside a kernel that is a bug, reported).
LAMINA_SIM_NO_TSAN SimThread* current(const char* what);

// Hands control back to the scheduler; returns when the scheduler resumes the thread.
LAMINA_SIM_NO_TSAN void yield(SimThread* t);

// Queues thread `index` of the block for the next round.
void make_runnable(Worker& w, int index);

inline SimThread* lane_thread(Worker& w, int warp, int lane) { return w.threads[32 * warp + lane]; }

// Lanes of `warp` that exist (the last warp of a block may be partial).
inline unsigned lanes_present(const Worker& w, int warp) {
  const int rest = w.n - 32 * warp;
  return rest >= 32 ? 0xffffffffu : (1u << rest) - 1u;
}

// Scheduler side of warp collectives (sim_warp.cpp): lane t arrived at its collective; lane t
// exited (a fault if lanes wait for it).
LAMINA_SIM_NO_TSAN void warp_arrive(Worker& w, SimThread* t);
LAMINA_SIM_NO_TSAN void warp_lane_exited(Worker& w, SimThread* t);

}  // namespace lamina::sim::detail
