#pragma once
// Declarations shared by the simulator's .cpp files (not for kernel code).
#include <cstdint>
#include <string>

#include "sim_api.h"
#include "sim_launch.h"

namespace lamina::sim {

// The simulated device: an H100 SXM (compute capability 9.0) as far as launches can tell.
namespace limits {
constexpr int kMaxThreadsPerBlock = 1024;
constexpr unsigned kMaxBlockDim[3] = {1024, 1024, 64};
constexpr unsigned kMaxGridDim[3] = {2147483647u, 65535u, 65535u};
constexpr int kSharedPerBlock = 48 * 1024;          // without cudaFuncSetAttribute
constexpr int kSharedPerBlockOptin = 232448;        // 227 KiB
constexpr int kSharedPerSM = 233472;                // 228 KiB
constexpr int kSMs = 132;
constexpr int kMajor = 9, kMinor = 0;
constexpr int kWarpSize = 32;
constexpr int kMaxThreadsPerSM = 2048;
constexpr int kRegsPerBlock = 65536;
constexpr int kL2Bytes = 50 * 1024 * 1024;
constexpr size_t kGlobalBytes = size_t(80) << 30;
}  // namespace limits

// Records `err` as the calling host thread's last error. `detail` (may be empty) is what
// cudaGetErrorString(err) returns until the next recorded error or launch.
cudaError_t record_error(cudaError_t err, const std::string& detail = std::string());
// CUDA's fixed message for `err` (cudaGetErrorString without the simulator's detail).
const char* error_string(cudaError_t err);
// Forgets the detail of an earlier launch error (a launch succeeded).
void clear_error_detail();

// The dynamic shared memory limit of a kernel (cudaFuncAttributeMaxDynamicSharedMemorySize).
int max_dynamic_smem(const void* func);

// Runs blocks [first, total) step `step` of a validated launch on the calling OS thread.
void run_blocks(const LaunchSpec& spec, uint64_t first, uint64_t step, uint64_t launch_seed);

// The seed of the resume order (LAMINA_SIM_SEED, default 0).
uint64_t base_seed();

// splitmix64: the simulator's hash / random step.
inline uint64_t mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace lamina::sim
