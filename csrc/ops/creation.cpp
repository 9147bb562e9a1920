// Creation ops and the global random generator (seed + counter offset, shared by all devices).
#include <cmath>
#include <mutex>

#include "../kernels/elementwise.h"
#include "../kernels/random.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

Tensor empty(const Shape& shape, DType dt, Device dev) { return Tensor::empty(shape, dt, dev); }

Tensor full(const Shape& shape, double value, DType dt, Device dev) {
  Tensor out = Tensor::empty(shape, dt, dev);
  if (out.numel() == 0) return out;
  Geometry g = make_geometry("full", out.shape(), {&out.strides()});
  LAMINA_KERNEL(dev, fill, dt, g, out.raw(), value);
  return out;
}

Tensor arange(double start, double end, double step, DType dt, Device dev) {
  LAMINA_CHECK(step != 0, ValueError, "[arange] step must be nonzero");
  LAMINA_CHECK(std::isfinite(start) && std::isfinite(end) && std::isfinite(step), ValueError,
               "[arange] start, end and step must be finite");
  LAMINA_CHECK((end - start) * step >= 0 || start == end, ValueError, "[arange] range [", start,
               ", ", end, ") cannot be walked with step ", step);
  LAMINA_CHECK(dt != DType::Bool, TypeError, "[arange] bool dtype is not supported");
  int64_t n = static_cast<int64_t>(std::ceil((end - start) / step));
  if (n < 0) n = 0;
  Tensor out = Tensor::empty({n}, dt, dev);
  if (n > 0) LAMINA_KERNEL(dev, arange, dt, n, out.raw(), start, step);
  return out;
}

Tensor linspace(double start, double end, int64_t steps, DType dt, Device dev) {
  LAMINA_CHECK(steps >= 0, ValueError, "[linspace] number of steps must be non-negative, got ",
               steps);
  LAMINA_CHECK(dt != DType::Bool, TypeError, "[linspace] bool dtype is not supported");
  Tensor out = Tensor::empty({steps}, dt, dev);
  if (steps == 0) return out;
  double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  if (dt == DType::Int64) {  // compute in double, then truncate like torch
    Tensor f = Tensor::empty({steps}, DType::Float64, dev);
    LAMINA_KERNEL(dev, arange, DType::Float64, steps, f.raw(), start, step);
    copy_(out, f);
  } else {
    LAMINA_KERNEL(dev, arange, dt, steps, out.raw(), start, step);
  }
  if (steps > 1) {  // make the last point exact
    Tensor last = slice(out, 0, steps - 1, steps, 1);
    Geometry g = make_geometry("linspace", last.shape(), {&last.strides()});
    LAMINA_KERNEL(dev, fill, dt, g, last.raw(), end);
  }
  return out;
}

Tensor eye(int64_t n, int64_t m, DType dt, Device dev) {
  LAMINA_CHECK(n >= 0 && m >= 0, ValueError, "[eye] sizes must be non-negative, got ", n, " and ",
               m);
  Tensor out = full({n, m}, 0.0, dt, dev);
  int64_t k = std::min(n, m);
  if (k == 0) return out;
  Tensor diag = out.view_as({k}, {m + 1}, 0);
  Geometry g = make_geometry("eye", diag.shape(), {&diag.strides()});
  LAMINA_KERNEL(dev, fill, dt, g, diag.raw(), 1.0);
  return out;
}

namespace {
std::mutex g_rng_mu;
uint64_t g_seed = 67280421310721ull;  // fixed default: runs are reproducible without a seed
uint64_t g_offset = 0;
}  // namespace

void manual_seed(uint64_t seed) {
  std::lock_guard<std::mutex> g(g_rng_mu);
  g_seed = seed;
  g_offset = 0;
}

uint64_t initial_seed() {
  std::lock_guard<std::mutex> g(g_rng_mu);
  return g_seed;
}

Tensor random(const char* op, RandomKind kind, const Shape& shape, double a, double b, DType dt,
              Device dev) {
  if (kind == RandomKind::Integer) {
    LAMINA_CHECK(b > a, ValueError, "[", op, "] expected low < high, got low=", a, ", high=", b);
  } else {
    LAMINA_CHECK(is_floating(dt), TypeError, "[", op, "] expected a floating dtype, got ",
                 dtype_name(dt));
  }
  if (kind == RandomKind::Normal)
    LAMINA_CHECK(b >= 0, ValueError, "[", op, "] std must be non-negative, got ", b);
  LAMINA_CHECK(dt != DType::Bool, TypeError, "[", op, "] bool dtype is not supported");
  Tensor out = Tensor::empty(shape, dt, dev);
  int64_t n = out.numel();
  uint64_t seed, offset;
  {
    std::lock_guard<std::mutex> g(g_rng_mu);
    seed = g_seed;
    offset = g_offset;
    g_offset += static_cast<uint64_t>(n);
  }
  if (n > 0) LAMINA_KERNEL(dev, random, kind, dt, n, out.raw(), seed, offset, a, b);
  return out;
}

}  // namespace lamina::ops
