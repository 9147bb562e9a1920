#pragma once
// Kernel launch under the simulator: what `kernel<<<grid, block, smem>>>(args...)` does,
// as a function. The SIM branch of LAMINA_LAUNCH (csrc/cuda/cuda_utils.cuh) calls
//   ::lamina::sim::launch(#kernel, kernel, grid, block, smem, args...);
// then checks cudaGetLastError() as on the device. The launch validates the configuration
// against the device limits with the errors CUDA gives (recorded as the thread's last error,
// the kernel not run), else runs every block to completion before it returns (launches are
// synchronous: a later memcpy or synchronize always sees the kernel's writes).
#include <cstddef>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "sim_core.h"

namespace lamina::sim {

// One launch: `entry(closure)` runs the kernel body as the current simulated thread.
struct LaunchSpec {
  const char* name;  // the kernel expression as written at the launch site
  const void* func;  // the kernel's address (cudaFuncSetAttribute is keyed by it)
  dim3 grid, block;
  size_t smem;       // dynamic shared memory bytes
  void (*entry)(const void* closure);
  const void* closure;
};

// Validates and runs a launch (sim_launch.cpp).
void run_launch(const LaunchSpec& spec);

// Arguments convert to the kernel's parameter types as in a call (implicitly), once, at the
// launch; every simulated thread then gets its own copy of the parameters, as each device
// thread reads them from the kernel's parameter space.
template <typename T>
inline T launch_arg(std::common_type_t<T> v) {
  return v;
}

template <typename... P>
struct KernelCall {
  void (*kernel)(P...);
  std::tuple<std::decay_t<P>...> params;
  static void run(const void* self) {
    const auto* c = static_cast<const KernelCall*>(self);
    std::apply(c->kernel, c->params);
  }
};

// The kernel must name one function (explicit template arguments: the simulator needs its
// address; `k<<<>>>` could deduce them from the arguments, a function pointer cannot).
template <typename... P, typename... A>
void launch(const char* name, void (*kernel)(P...), dim3 grid, dim3 block, size_t smem,
            A&&... args) {
  static_assert(sizeof...(P) == sizeof...(A),
                "kernel launched with the wrong argument count, or a kernel template whose "
                "arguments <<<>>> would deduce from the call: write them all out");
  KernelCall<P...> call{kernel,
                        std::tuple<std::decay_t<P>...>(
                            launch_arg<std::decay_t<P>>(std::forward<A>(args))...)};
  run_launch(LaunchSpec{name, reinterpret_cast<const void*>(kernel), grid, block, smem,
                        &KernelCall<P...>::run, &call});
}

// --- test-tool extras (not CUDA API) ---
// Kernels launched so far in this process (name as at the launch site) with their launch
// counts, in first-launch order.
std::vector<std::pair<std::string, long long>> launch_counts();
// A one-line description of the simulator ("lamina CUDA simulator: ...").
std::string describe();

}  // namespace lamina::sim
