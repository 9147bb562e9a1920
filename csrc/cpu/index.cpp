#include "../kernels/index.h"

#include "../core/parallel.h"
#include "loops.h"

namespace lamina::cpu {

void index_select(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, const void* in,
                  const int64_t* index, void* out) {
  LAMINA_DISPATCH_ALL(dt, "index_select", [&] {
    auto* x = typed<scalar_t>(in);
    auto* y = typed<scalar_t>(out);
    parallel_for(0, O * n, grain_for(16384, I),
                 [&](int64_t lo, int64_t hi) {
      for (int64_t r = lo; r < hi; ++r) {
        int64_t o = r / n, j = r % n;
        const scalar_t* src = x + (o * S + index[j]) * I;
        scalar_t* dst = y + r * I;
        for (int64_t i = 0; i < I; ++i) dst[i] = src[i];
      }
    });
  });
}

void index_add(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, void* out,
               const int64_t* index, const void* src) {
  LAMINA_DISPATCH_NUMERIC(dt, "index_add", [&] {
    auto* y = typed<scalar_t>(out);
    auto* s = typed<scalar_t>(src);
    // rows of one o never collide across o, so split over O; within o, j runs in order
    parallel_for(0, O, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t o = lo; o < hi; ++o)
        for (int64_t j = 0; j < n; ++j) {
          scalar_t* dst = y + (o * S + index[j]) * I;
          const scalar_t* from = s + (o * n + j) * I;
          for (int64_t i = 0; i < I; ++i) dst[i] += from[i];
        }
    });
  });
}

void gather(DType dt, const Geometry& g, int64_t dim_stride, void* out, const int64_t* index,
            const void* in) {
  LAMINA_DISPATCH_ALL(dt, "gather", [&] {
    auto* y = typed<scalar_t>(out);
    auto* x = typed<scalar_t>(in);
    parallel_runs<3>(g, [&](const std::array<int64_t, 3>& off, int64_t n, const int64_t* st) {
      for (int64_t i = 0; i < n; ++i)
        y[off[0] + i * st[0]] = x[off[2] + i * st[2] + index[off[1] + i * st[1]] * dim_stride];
    });
  });
}

void scatter(DType dt, const Geometry& g, int64_t dim_stride, void* out, const int64_t* index,
             const void* src, bool accumulate) {
  LAMINA_DISPATCH_NUMERIC(dt, accumulate ? "scatter_add" : "scatter", [&] {
    auto* y = typed<scalar_t>(out);
    auto* s = typed<scalar_t>(src);
    // serial: two source elements may land on one destination (deterministic: index order)
    for_each_run<3>(g, 0, g.numel, [&](const std::array<int64_t, 3>& off, int64_t n,
                                       const int64_t* st) {
      for (int64_t i = 0; i < n; ++i) {
        scalar_t& dst = y[off[2] + i * st[2] + index[off[1] + i * st[1]] * dim_stride];
        const scalar_t v = s[off[0] + i * st[0]];
        if (accumulate) dst += v;
        else dst = v;
      }
    });
  });
}

}  // namespace lamina::cpu
