// Random fill on the device: twin of cpu/random.cpp. Both call lamina::random_value
// (core/philox.h), a counter-based generator, so element i depends only on (seed, offset + i).
#include "../core/philox.h"
#include "../kernels/random.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

// out (n) contiguous: out[i] = (T) random_value(K, seed, offset + i, a, b)
template <RandomKind K, typename T>
__global__ void __launch_bounds__(kBlock)
random_kernel(int64_t n, T* out, uint64_t seed, uint64_t offset, double a, double b) {
  for (int64_t i = flat_begin(); i < n; i += flat_step())
    out[i] = static_cast<T>(random_value(K, seed, offset + static_cast<uint64_t>(i), a, b));
}

template <RandomKind K, typename T>
void launch(int64_t n, void* out, uint64_t seed, uint64_t offset, double a, double b) {
  LAMINA_LAUNCH((random_kernel<K, T>), grid_for(n), kBlock, 0, n, typed<T>(out), seed, offset, a, b);
}

}  // namespace

void random(RandomKind kind, DType dt, int64_t n, void* out, uint64_t seed, uint64_t offset,
            double a, double b) {
  LAMINA_DISPATCH_NUMERIC(dt, "random", [&] {
    if (n <= 0) return;
    switch (kind) {
      case RandomKind::Uniform:
        launch<RandomKind::Uniform, scalar_t>(n, out, seed, offset, a, b);
        break;
      case RandomKind::Normal:
        launch<RandomKind::Normal, scalar_t>(n, out, seed, offset, a, b);
        break;
      case RandomKind::Integer:
        launch<RandomKind::Integer, scalar_t>(n, out, seed, offset, a, b);
        break;
      default: throw std::runtime_error("[random] unknown kind");
    }
  });
}

}  // namespace lamina::cuda
