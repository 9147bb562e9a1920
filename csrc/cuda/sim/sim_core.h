#pragma once
// The interface between the inline device-side headers (what kernel code calls) and the
// simulator's runtime (sim_*.cpp): the built-in index variables and the calls that make a
// simulated thread wait for other threads (barriers, warp collectives) or stop (errors).
//
// Execution model (see README.md): a launch runs its blocks on a few OS threads ("workers",
// block b on worker b % W); a block's threads are fibers on one worker, resumed in a seeded
// random order, each running until it exits or waits at __syncthreads() or a warp collective.
#include <cstddef>
#include <cstdint>

#include "sim_types.h"

// The built-in variables of the running simulated thread. They are per OS thread: the worker
// sets them whenever it resumes a fiber (a block's fibers never leave their worker). They
// are uint3 rather than dim3 so that they are trivially constructed thread_locals (no TLS
// init call per access); dim3 converts from uint3 where a kernel needs one.
extern thread_local uint3 threadIdx;
extern thread_local uint3 blockIdx;
extern thread_local uint3 blockDim;
extern thread_local uint3 gridDim;
inline constexpr int warpSize = 32;

namespace lamina::sim {

// Warp collectives: every lane named in `mask` must arrive at the same collective (same kind,
// same mask) before any of them continues, as with the .sync intrinsics on Volta and later.
enum class WarpOp : int {
  ShflIdx,   // value of lane (arg mod width) of the caller's width-segment
  ShflUp,    // value of lane - arg within the segment, else the caller's own
  ShflDown,  // value of lane + arg within the segment, else the caller's own
  ShflXor,   // value of lane ^ arg, the caller's own when that is in a later segment
  Ballot,    // bit L set when lane L's value is non-zero
  Any,
  All,
  SyncWarp,  // __syncwarp: memory ordering among the lanes of mask
};

// One lane's part of a warp collective: `value` holds up to 8 bytes of the lane's operand;
// returns the lane's result (bits of the same size for shuffles).
uint64_t warp_collective(WarpOp op, unsigned mask, uint64_t value, int arg, int width);

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 executed by the whole warp: each lane
// passes its fragments (PTX ISA layout, see sim_tf32.cpp) and gets its d fragment back.
void warp_mma_m16n8k8_tf32(float d[4], const uint32_t a[4], const uint32_t b[2],
                           const float c[4]);

// __syncthreads(): waits until every thread of the block that has not exited arrives.
void sync_threads();

// Base of the block's dynamic shared memory (the launch's smem bytes, 16-byte aligned, fresh
// per block, filled with 0xff bytes unless LAMINA_SIM_POISON=0).
void* dynamic_smem();

// Reports a fault of the running simulated thread (kernel, block and thread named) and
// aborts the process.
[[noreturn]] void device_fault(const char* what);

// The simulated thread's lane and warp (threadIdx linearised, x fastest).
int lane_id();
int warp_id();

}  // namespace lamina::sim
