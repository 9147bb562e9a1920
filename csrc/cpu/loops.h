#pragma once
// Strided iteration over a Geometry on the host: the flat range [begin, end) of the output is
// cut into runs along the innermost dim, and fn(offsets, n, inner_strides) handles each run.
#include <array>
#include <cstdint>

#include "../core/geometry.h"
#include "../core/parallel.h"

namespace lamina::cpu {

constexpr int64_t kElementwiseGrain = 32768;

template <int N, typename F>
inline void for_each_run(const Geometry& g, int64_t begin, int64_t end, F&& fn) {
  if (begin >= end) return;
  if (g.ndim == 0) {  // a single element
    std::array<int64_t, N> off{};
    int64_t st[N] = {};
    fn(off, int64_t(1), st);
    return;
  }
  const int last = g.ndim - 1;
  int64_t idx[kMaxDims];
  std::array<int64_t, N> off{};
  int64_t rem = begin;
  for (int d = last; d >= 0; --d) {
    idx[d] = rem % g.shape[d];
    rem /= g.shape[d];
    for (int k = 0; k < N; ++k) off[k] += idx[d] * g.strides[k][d];
  }
  int64_t inner[N];
  for (int k = 0; k < N; ++k) inner[k] = g.strides[k][last];
  int64_t pos = begin;
  while (pos < end) {
    int64_t n = g.shape[last] - idx[last];
    if (n > end - pos) n = end - pos;
    fn(off, n, inner);
    pos += n;
    if (pos >= end) break;
    // advance the multi-index by n along the last dim, carrying into outer dims
    for (int k = 0; k < N; ++k) off[k] += n * inner[k];
    idx[last] += n;
    for (int d = last; d > 0 && idx[d] == g.shape[d]; --d) {
      for (int k = 0; k < N; ++k) off[k] -= g.shape[d] * g.strides[k][d];
      idx[d] = 0;
      ++idx[d - 1];
      for (int k = 0; k < N; ++k) off[k] += g.strides[k][d - 1];
    }
  }
}

// Run fn over the geometry, in parallel when it is large.
template <int N, typename F>
inline void parallel_runs(const Geometry& g, F&& fn) {
  parallel_for(0, g.numel, kElementwiseGrain,
               [&](int64_t b, int64_t e) { for_each_run<N>(g, b, e, fn); });
}

}  // namespace lamina::cpu
