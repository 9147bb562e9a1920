#pragma once
// Strided iteration over a Geometry on the host: the flat range [begin, end) of the output is
// cut into runs along the innermost dim, and fn(offsets, n, inner_strides) handles each run.
#include <algorithm>
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

// Tile edge of the transposed case below: a TxT tile reads T cache lines of the transposed
// operand, which stay in L1 while the tile's T rows use them.
constexpr int64_t kTile = 8;

// True when some operand walks the innermost dim with a stride while its next dim is the
// contiguous one (a transposed view): iterating in tiles then keeps its lines in cache.
template <int N>
inline bool wants_tiles(const Geometry& g) {
  if (g.ndim < 2) return false;
  const int last = g.ndim - 1;
  if (g.shape[last] < 2 * kTile || g.shape[last - 1] < 2 * kTile) return false;
  for (int k = 0; k < N; ++k) {
    const int64_t s = g.strides[k][last];
    const int64_t s2 = g.strides[k][last - 1];
    if (s != 0 && s != 1 && s != -1 && (s2 == 1 || s2 == -1)) return true;
  }
  return false;
}

// The transposed case: the last two dims (A, B) are cut into kTile x kTile tiles; fn sees runs of
// at most kTile elements along the last dim. Tile rows (and the outer dims) are split across
// threads.
template <int N, typename F>
inline void parallel_tiles(const Geometry& g, F&& fn) {
  const int last = g.ndim - 1;
  const int64_t A = g.shape[last - 1], B = g.shape[last];
  const int64_t tiles_a = (A + kTile - 1) / kTile;
  const int64_t outer = g.numel / (A * B);
  int64_t st[N];
  for (int k = 0; k < N; ++k) st[k] = g.strides[k][last];
  parallel_for(0, outer * tiles_a, std::max<int64_t>(1, kElementwiseGrain / (kTile * B)),
               [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) {
      const int64_t o = t / tiles_a, a0 = (t % tiles_a) * kTile, a1 = std::min(A, a0 + kTile);
      std::array<int64_t, N> base{};
      int64_t rem = o;  // offsets of outer index o over dims [0, last - 1)
      for (int d = last - 2; d >= 0; --d) {
        const int64_t i = rem % g.shape[d];
        rem /= g.shape[d];
        for (int k = 0; k < N; ++k) base[k] += i * g.strides[k][d];
      }
      for (int64_t b0 = 0; b0 < B; b0 += kTile) {
        const int64_t nb = std::min(kTile, B - b0);
        for (int64_t a = a0; a < a1; ++a) {
          std::array<int64_t, N> off;
          for (int k = 0; k < N; ++k) off[k] = base[k] + a * g.strides[k][last - 1] + b0 * st[k];
          fn(off, nb, st);
        }
      }
    }
  });
}

// Run fn over the geometry, in parallel when it is large.
template <int N, typename F>
inline void parallel_runs(const Geometry& g, F&& fn) {
  if (wants_tiles<N>(g)) {
    parallel_tiles<N>(g, fn);
    return;
  }
  parallel_for(0, g.numel, kElementwiseGrain,
               [&](int64_t b, int64_t e) { for_each_run<N>(g, b, e, fn); });
}

// An (O, R, I) block reduced or scanned along R (softmax, scans): body(o, i0, n) for every o
// and block of kCols contiguous columns [i0, i0 + n), in parallel, about 16k elements a task.
constexpr int64_t kCols = 256;

template <typename F>
inline void for_column_blocks(int64_t O, int64_t R, int64_t I, const F& body) {
  const int64_t nb = (I + kCols - 1) / kCols;
  const int64_t work = std::max<int64_t>(1, R * std::min(I, kCols));
  parallel_for(0, O * nb, std::max<int64_t>(1, 16384 / work), [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const int64_t o = k / nb, i0 = (k % nb) * kCols;
      body(o, i0, std::min(kCols, I - i0));
    }
  });
}

}  // namespace lamina::cpu
