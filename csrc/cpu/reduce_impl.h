// Reduction kernel bodies over the middle axis of a contiguous (O, R, I) block, included once
// per instruction set (simd/target.h), like elementwise_impl.h.
// Two layouts: rows (I == 1: each output reduces R contiguous values, vectorised along r) and
// columns (I > 1: vectorised along i, r outermost). A lone long row (O * I small) is cut into
// fixed blocks reduced in parallel and combined in block order, so results do not depend on
// the thread count. The inner loops are written for the auto-vectoriser (fixed-width lane
// arrays); the vector paths replace the hottest ones with hand-written vector code through the
// hooks of reduce_vec.h:
//   vec_sum_row(x, n, &s) -> bool             s = sum of x (n) contiguous; false: not handled
//   vec_extreme_row<IS_MAX>(x, n, &v, &nan)   v = max/min of x (n), nan = any NaN; same
//   vec_find(x, n, v, &j) -> bool             j = first index with x[j] == v (v is there)
//   exp_sum_row(x, n, m) -> double            sum_i exp(x[i] - m), x (n) contiguous, m finite
//   exp_sum_cols(x, m, s, n)                  s[i] += exp(x[i] - m[i]) for i < n
#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "../core/dtype.h"
#include "../core/functors.h"
#include "../core/op_kinds.h"
#include "../core/parallel.h"

#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS {

#if LAMINA_CPU_VECTOR
#include "reduce_vec.h"
#else
template <typename T, typename A>
inline bool vec_sum_row(const T*, int64_t, A*) { return false; }
template <bool IS_MAX, typename T>
inline bool vec_extreme_row(const T*, int64_t, T*, bool*) { return false; }
template <typename T>
inline bool vec_find(const T*, int64_t, T, int64_t*) { return false; }
template <typename T>
inline double exp_sum_row(const T* x, int64_t n, T m) {
  double s = 0;
  for (int64_t i = 0; i < n; ++i) s += std::exp(static_cast<double>(x[i]) - m);
  return s;
}
template <typename T>
inline void exp_sum_cols(const T* x, const T* m, double* s, int64_t n) {
  for (int64_t i = 0; i < n; ++i) s[i] += std::exp(static_cast<double>(x[i]) - m[i]);
}
#endif

namespace {

template <typename T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

constexpr int64_t kGrain = 32768;       // elements per parallel chunk
constexpr int64_t kBlock = 1 << 16;     // block of a lone long row
constexpr int64_t kColBlock = 512;      // columns per task in the column layout

template <typename A, int W>
inline A tree_sum(A* d) {
  for (int w = W / 2; w > 0; w /= 2)
    for (int k = 0; k < w; ++k) d[k] += d[k + w];
  return d[0];
}

// sum of x (n) contiguous. float: 32 float lanes, each adding 16 terms before it is flushed
// into 32 double lanes (at least as accurate as a float pairwise sum); double, int64: 16 lanes.
template <typename T>
acc_t<T> sum_row(const T* x, int64_t n) {
  using A = acc_t<T>;
  if (A s; vec_sum_row(x, n, &s)) return s;
  if constexpr (std::is_same_v<T, float>) {
    constexpr int W = 32;
    double d[W] = {};
    int64_t i = 0;
    while (i + W <= n) {
      float f[W];
      for (int k = 0; k < W; ++k) f[k] = x[i + k];
      const int64_t end = std::min(n - W, i + 15 * W);  // 16 groups at most
      for (i += W; i <= end; i += W)
        for (int k = 0; k < W; ++k) f[k] += x[i + k];
      for (int k = 0; k < W; ++k) d[k] += f[k];
    }
    for (int k = 0; i < n; ++i, ++k) d[k] += x[i];
    return tree_sum<double, W>(d);
  } else {
    constexpr int W = 16;
    A d[W] = {};
    int64_t i = 0;
    for (; i + W <= n; i += W)
      for (int k = 0; k < W; ++k) d[k] += static_cast<A>(x[i + k]);
    for (int k = 0; i < n; ++i, ++k) d[k] += static_cast<A>(x[i]);
    return tree_sum<A, W>(d);
  }
}

// acc (n) += sum over r < R of x[r * ld + i], i < n; float adds 16 rows in float lanes first.
template <typename T>
void sum_cols(const T* x, int64_t R, int64_t ld, int64_t n, acc_t<T>* acc) {
  using A = acc_t<T>;
  if constexpr (std::is_same_v<T, float>) {
    float f[kColBlock];
    for (int64_t r0 = 0; r0 < R; r0 += 16) {
      const int64_t r1 = std::min(R, r0 + 16);
      for (int64_t i = 0; i < n; ++i) f[i] = x[r0 * ld + i];
      for (int64_t r = r0 + 1; r < r1; ++r)
        for (int64_t i = 0; i < n; ++i) f[i] += x[r * ld + i];
      for (int64_t i = 0; i < n; ++i) acc[i] += f[i];
    }
  } else {
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < n; ++i) acc[i] += static_cast<A>(x[r * ld + i]);
  }
}

// Run fn(o, i0, i1) over every (row o, column block [i0, i1)) of an (O, R, I) block, in parallel
// with chunks of about kGrain elements.
template <typename F>
void for_col_blocks(int64_t O, int64_t R, int64_t I, F&& fn) {
  const int64_t nb = (I + kColBlock - 1) / kColBlock;
  const int64_t per_task = R * std::min(I, kColBlock);
  parallel_for(0, O * nb, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, per_task)),
               [&](int64_t b, int64_t e) {
    for (int64_t t = b; t < e; ++t) {
      const int64_t o = t / nb, i0 = (t % nb) * kColBlock;
      fn(o, i0, std::min(I, i0 + kColBlock));
    }
  });
}

// Reduce each of O rows of R contiguous values: join(o, parts, nparts) gets the results of
// part(o, r0, r1) over blocks [r0, r1) of row o, in order. A lone long row is cut into kBlock
// blocks reduced in parallel; otherwise a row is one block. (Plain arrays, no std::vector: the
// ISA copies of this file must not share out-of-line template code with other ISAs.)
template <typename P, typename Part, typename Join>
void rows_parallel(int64_t O, int64_t R, Part&& part, Join&& join) {
  if (O < 2 && R >= 2 * kBlock && get_num_threads() > 1) {
    const int64_t nb = (R + kBlock - 1) / kBlock;
    P* parts = new P[nb];
    try {
      for (int64_t o = 0; o < O; ++o) {
        parallel_for(0, nb, 1, [&](int64_t b, int64_t e) {
          for (int64_t k = b; k < e; ++k)
            parts[k] = part(o, k * kBlock, std::min(R, (k + 1) * kBlock));
        });
        join(o, parts, nb);
      }
    } catch (...) {
      delete[] parts;
      throw;
    }
    delete[] parts;
    return;
  }
  parallel_for(0, O, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, R)),
               [&](int64_t b, int64_t e) {
    for (int64_t o = b; o < e; ++o) {
      const P one = part(o, 0, R);
      join(o, &one, 1);
    }
  });
}

template <typename T>
void sum_t(int64_t O, int64_t R, int64_t I, const T* in, T* out, double scale) {
  using A = acc_t<T>;
  auto finish = [&](A s) {
    if constexpr (std::is_integral_v<T>) return static_cast<T>(s);
    else return static_cast<T>(static_cast<double>(s) * scale);
  };
  if (I == 1) {
    rows_parallel<A>(
        O, R, [&](int64_t o, int64_t r0, int64_t r1) { return sum_row(in + o * R + r0, r1 - r0); },
        [&](int64_t o, const A* parts, int64_t np) {
          A s = 0;
          for (int64_t k = 0; k < np; ++k) s += parts[k];
          out[o] = finish(s);
        });
    return;
  }
  for_col_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t i1) {
    A acc[kColBlock] = {};
    sum_cols(in + o * R * I + i0, R, I, i1 - i0, acc);
    for (int64_t i = i0; i < i1; ++i) out[o * I + i] = finish(acc[i - i0]);
  });
}

// Maximum (IS_MAX) or minimum of x (n) contiguous, n >= 1, found in lanes; *nan says whether
// a NaN is among them (the value is then meaningless).
template <typename T, bool IS_MAX>
T extreme_row(const T* x, int64_t n, bool* nan) {
  if (T v; vec_extreme_row<IS_MAX>(x, n, &v, nan)) return v;
  constexpr int W = 16;
  int64_t i = 0;
  T best = x[0];
  bool bad = false;
  if (n >= W) {
    T b[W];  // a lane takes v when v beats it or is a NaN; a NaN lane stays NaN
    for (int k = 0; k < W; ++k) b[k] = x[k];
    for (i = W; i + W <= n; i += W)
      for (int k = 0; k < W; ++k) {
        const T v = x[i + k];
        b[k] = ((IS_MAX ? v > b[k] : v < b[k]) || is_nan(v)) ? v : b[k];
      }
    for (int k = 0; k < W; ++k) {
      bad |= is_nan(b[k]);
      if (IS_MAX ? b[k] > best : b[k] < best) best = b[k];
    }
  }
  for (; i < n; ++i) {
    const T v = x[i];
    bad |= is_nan(v);
    if (IS_MAX ? v > best : v < best) best = v;
  }
  *nan = bad;
  return best;
}

// Index of the first maximum (IS_MAX) or minimum of x (n) contiguous, n >= 1; the first NaN
// wins over everything (torch semantics).
template <typename T, bool IS_MAX>
int64_t arg_extreme_row(const T* x, int64_t n) {
  bool nan = false;
  const T best = extreme_row<T, IS_MAX>(x, n, &nan);
  if (nan) {
    for (int64_t j = 0; j < n; ++j)
      if (is_nan(x[j])) return j;
  }
  if (int64_t j; vec_find(x, n, best, &j)) return j;
  constexpr int W = 16;
  int64_t j = 0;
  for (; j + W <= n; j += W) {  // find the block of the first hit, then the hit
    int hit = 0;
    for (int k = 0; k < W; ++k) hit |= x[j + k] == best;
    if (hit) break;
  }
  for (; j < n; ++j)
    if (x[j] == best) return j;
  return 0;
}

template <typename T, bool IS_MAX>
void extreme_t(int64_t O, int64_t R, int64_t I, const T* in, T* out, int64_t* idx) {
  if (I == 1) {
    rows_parallel<int64_t>(
        O, R,
        [&](int64_t o, int64_t r0, int64_t r1) {
          return r0 + arg_extreme_row<T, IS_MAX>(in + o * R + r0, r1 - r0);
        },
        [&](int64_t o, const int64_t* parts, int64_t np) {
          const T* x = in + o * R;
          int64_t bi = parts[0];
          for (int64_t k = 1; k < np && !is_nan(x[bi]); ++k) {
            const T v = x[parts[k]];
            if (is_nan(v) || (IS_MAX ? v > x[bi] : v < x[bi])) bi = parts[k];
          }
          out[o] = x[bi];
          if (idx) idx[o] = bi;
        });
    return;
  }
  // columns: a lane takes v when v beats it or is a NaN, and never leaves a NaN
  for_col_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t i1) {
    const T* x = in + o * R * I + i0;
    const int64_t n = i1 - i0;
    T best[kColBlock];
    int64_t bi[kColBlock] = {};
    for (int64_t i = 0; i < n; ++i) best[i] = x[i];
    for (int64_t r = 1; r < R; ++r)
      for (int64_t i = 0; i < n; ++i) {
        const T v = x[r * I + i];
        const bool take = IS_MAX ? !(v <= best[i]) : !(v >= best[i]);
        if (take && best[i] == best[i]) {
          best[i] = v;
          bi[i] = r;
        }
      }
    for (int64_t i = 0; i < n; ++i) {
      out[o * I + i0 + i] = best[i];
      if (idx) idx[o * I + i0 + i] = bi[i];
    }
  });
}

template <typename T>
void logsumexp_t(int64_t O, int64_t R, int64_t I, const T* in, T* out) {
  if (I == 1) {
    parallel_for(0, O, grain_for(8192, R),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* x = in + o * R;
        bool nan = false;
        const T m = extreme_row<T, true>(x, R, &nan);
        if (nan) {
          out[o] = std::numeric_limits<T>::quiet_NaN();
          continue;
        }
        if (!std::isfinite(m)) {  // all -inf, any +inf, or NaN: the max says it all
          out[o] = m;
          continue;
        }
        out[o] = static_cast<T>(static_cast<double>(m) + std::log(exp_sum_row(x, R, m)));
      }
    });
    return;
  }
  for_col_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t i1) {
    const T* x = in + o * R * I + i0;
    const int64_t n = i1 - i0;
    T m[kColBlock];
    double s[kColBlock] = {};
    for (int64_t i = 0; i < n; ++i) m[i] = x[i];
    for (int64_t r = 1; r < R; ++r)
      for (int64_t i = 0; i < n; ++i) {
        const T v = x[r * I + i];
        m[i] = (v > m[i] || v != v) ? v : m[i];
      }
    for (int64_t r = 0; r < R; ++r) exp_sum_cols(x + r * I, m, s, n);
    for (int64_t i = 0; i < n; ++i)
      out[o * I + i0 + i] =
          std::isfinite(m[i]) ? static_cast<T>(static_cast<double>(m[i]) + std::log(s[i])) : m[i];
  });
}

// out = sum_r (x - mean)^2 / (R - correction), in double
template <typename T>
void var_t(int64_t O, int64_t R, int64_t I, double correction, const T* in, T* out) {
  const double denom = static_cast<double>(R) - correction;
  auto finish = [&](double ss) {
    return static_cast<T>(denom > 0 ? ss / denom : std::numeric_limits<double>::quiet_NaN());
  };
  if (I == 1) {
    parallel_for(0, O, std::max<int64_t>(1, kGrain / std::max<int64_t>(1, R)),
                 [&](int64_t b, int64_t e) {
      for (int64_t o = b; o < e; ++o) {
        const T* x = in + o * R;
        const double mean = static_cast<double>(sum_row(x, R)) / static_cast<double>(R);
        constexpr int W = 16;
        double d[W] = {};
        int64_t i = 0;
        for (; i + W <= R; i += W)
          for (int k = 0; k < W; ++k) {
            const double v = static_cast<double>(x[i + k]) - mean;
            d[k] += v * v;
          }
        for (int k = 0; i < R; ++i, ++k) {
          const double v = static_cast<double>(x[i]) - mean;
          d[k] += v * v;
        }
        out[o] = finish(tree_sum<double, W>(d));
      }
    });
    return;
  }
  for_col_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t i1) {
    const T* x = in + o * R * I + i0;
    const int64_t n = i1 - i0;
    double mean[kColBlock] = {}, ss[kColBlock] = {};
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < n; ++i) mean[i] += static_cast<double>(x[r * I + i]);
    for (int64_t i = 0; i < n; ++i) mean[i] /= static_cast<double>(R);
    for (int64_t r = 0; r < R; ++r)
      for (int64_t i = 0; i < n; ++i) {
        const double v = static_cast<double>(x[r * I + i]) - mean[i];
        ss[i] += v * v;
      }
    for (int64_t i = 0; i < n; ++i) out[o * I + i0 + i] = finish(ss[i]);
  });
}

}  // namespace

void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale) {
  LAMINA_DISPATCH_NUMERIC(dt, "reduce", [&] {
    auto* x = typed<scalar_t>(in);
    auto* y = typed<scalar_t>(out);
    switch (op) {
      case ReduceOp::Sum: sum_t<scalar_t>(O, R, I, x, y, scale); break;
      case ReduceOp::Max: extreme_t<scalar_t, true>(O, R, I, x, y, idx); break;
      case ReduceOp::Min: extreme_t<scalar_t, false>(O, R, I, x, y, idx); break;
      case ReduceOp::LogSumExp:
        if constexpr (std::is_floating_point_v<scalar_t>) logsumexp_t<scalar_t>(O, R, I, x, y);
        else throw std::runtime_error("[logsumexp] needs a floating dtype");
        break;
      default: throw std::runtime_error("[reduce] unknown op");
    }
  });
}

void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out) {
  LAMINA_DISPATCH_FLOAT(dt, "var", [&] {
    var_t<scalar_t>(O, R, I, correction, typed<scalar_t>(in),
                    typed<scalar_t>(out));
  });
}

}  // namespace lamina::cpu::LAMINA_CPU_NS
