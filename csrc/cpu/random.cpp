#include "../kernels/random.h"

#include <cmath>

#include "../core/parallel.h"

namespace lamina::cpu {

void random(RandomKind kind, DType dt, int64_t n, void* out, uint64_t seed, uint64_t offset,
            double a, double b) {
  using std::cos; using std::log; using std::sqrt;
  LAMINA_DISPATCH_NUMERIC(dt, "random", [&] {
    auto* o = typed<scalar_t>(out);
    parallel_for(0, n, 16384, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i)
        o[i] = static_cast<scalar_t>(random_value(kind, seed, offset + static_cast<uint64_t>(i), a, b));
    });
  });
}

}  // namespace lamina::cpu
