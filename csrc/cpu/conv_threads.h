#pragma once
// How the CPU conv kernels (conv.cpp, conv_winograd.cpp, conv_direct.cpp) share out their work:
// a small conv runs on the calling thread alone (SerialScope for the duration of one call),
// otherwise work items are claimed one at a time by the threads, so both cores stay busy when
// one starts late. Also the small geometry helpers they share.
#include <algorithm>
#include <atomic>
#include <cstdint>

#include "../core/parallel.h"
#include "../kernels/conv.h"

namespace lamina::cpu::conv_detail {

inline int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The valid range [lo, hi) of l in [0, len) with 0 <= iw0 + l * s < W.
inline void valid_range(int64_t iw0, int64_t s, int64_t W, int64_t len, int64_t& lo,
                        int64_t& hi) {
  lo = iw0 >= 0 ? 0 : (-iw0 + s - 1) / s;
  hi = iw0 > W - 1 ? 0 : (W - 1 - iw0) / s + 1;
  lo = std::min(lo, len);
  hi = std::clamp(hi, lo, len);
}

// Below this many flops a conv runs on the calling thread alone: about 20 us of one core,
// where waking the pool (several parallel regions per call) costs as much as it saves.
constexpr double kSerialFlops = 4e6;
inline thread_local bool t_serial = false;  // set for one call by SerialScope

struct SerialScope {
  bool saved;
  explicit SerialScope(double flops) : saved(t_serial) { t_serial = flops < kSerialFlops; }
  ~SerialScope() { t_serial = saved; }
  SerialScope(const SerialScope&) = delete;
  SerialScope& operator=(const SerialScope&) = delete;
};

// parallel_for's grain: everything in one chunk under SerialScope
inline int64_t grain(int64_t g) { return t_serial ? (int64_t(1) << 62) : g; }

inline double conv_flops(const ConvGeom& g) {
  return 2.0 * double(g.N) * double(g.K) * double(g.OH * g.OW) * double(g.C / g.groups) *
         double(g.R * g.S);
}

// Runs fn(item, thread) for items [0, n), claimed one at a time by the threads.
template <class Fn>
void claim_items(int64_t n, Fn&& fn) {
  const int64_t nt = t_serial ? 1 : std::min<int64_t>(get_num_threads(), n);
  if (nt <= 1) {
    for (int64_t i = 0; i < n; ++i) fn(i, int64_t(0));
    return;
  }
  std::atomic<int64_t> next{0};
  parallel_for(0, nt, 1, [&](int64_t lo, int64_t) {
    for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < n;) fn(it, lo);
  });
}

}  // namespace lamina::cpu::conv_detail
