#include "reduce.h"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "../core/functors.h"
#include "../core/parallel.h"

namespace lamina::cpu {
namespace {

template <typename T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

// Sum of rows of a (O, R, I) block; full reductions (O*I == 1) split R across threads.
template <typename T>
void sum_t(int64_t O, int64_t R, int64_t I, const T* in, T* out, double scale) {
  using A = acc_t<T>;
  if (O * I == 1) {
    int nt = get_num_threads();
    std::vector<A> part(nt, A(0));
    int64_t step = (R + nt - 1) / nt;
    parallel_for(0, nt, 1, [&](int64_t b, int64_t e) {
      for (int64_t t = b; t < e; ++t) {
        int64_t r0 = t * step, r1 = std::min(R, r0 + step);
        A s = 0;
        for (int64_t r = r0; r < r1; ++r) s += static_cast<A>(in[r]);
        part[t] = s;
      }
    });
    A s = 0;
    for (A p : part) s += p;
    out[0] = static_cast<T>(static_cast<double>(s) * scale);
    if constexpr (std::is_integral_v<T>) out[0] = static_cast<T>(s);
    return;
  }
  parallel_for(0, O, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, R * I)),
               [&](int64_t b, int64_t e) {
    std::vector<A> acc(I);
    for (int64_t o = b; o < e; ++o) {
      const T* x = in + o * R * I;
      for (int64_t i = 0; i < I; ++i) acc[i] = 0;
      for (int64_t r = 0; r < R; ++r)
        for (int64_t i = 0; i < I; ++i) acc[i] += static_cast<A>(x[r * I + i]);
      for (int64_t i = 0; i < I; ++i) {
        if constexpr (std::is_integral_v<T>) out[o * I + i] = static_cast<T>(acc[i]);
        else out[o * I + i] = static_cast<T>(static_cast<double>(acc[i]) * scale);
      }
    }
  });
}

template <typename T, bool IS_MAX>
void extreme_t(int64_t O, int64_t R, int64_t I, const T* in, T* out, int64_t* idx) {
  parallel_for(0, O * I, std::max<int64_t>(1, 32768 / std::max<int64_t>(1, R)),
               [&](int64_t b, int64_t e) {
    for (int64_t oi = b; oi < e; ++oi) {
      int64_t o = oi / I, i = oi % I;
      const T* x = in + o * R * I + i;
      T best = x[0];
      int64_t bi = 0;
      for (int64_t r = 1; r < R && !is_nan(best); ++r) {
        T v = x[r * I];
        if (is_nan(v) || (IS_MAX ? v > best : v < best)) {
          best = v;
          bi = r;
        }
      }
      out[oi] = best;
      if (idx) idx[oi] = bi;
    }
  });
}

template <typename T>
void logsumexp_t(int64_t O, int64_t R, int64_t I, const T* in, T* out) {
  parallel_for(0, O * I, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, R)),
               [&](int64_t b, int64_t e) {
    for (int64_t oi = b; oi < e; ++oi) {
      int64_t o = oi / I, i = oi % I;
      const T* x = in + o * R * I + i;
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t r = 0; r < R; ++r) {
        double v = static_cast<double>(x[r * I]);
        if (v > m || std::isnan(v)) m = v;
      }
      if (!std::isfinite(m)) {  // all -inf, any +inf, or NaN: the max says it all
        out[oi] = static_cast<T>(m);
        continue;
      }
      double s = 0;
      for (int64_t r = 0; r < R; ++r) s += std::exp(static_cast<double>(x[r * I]) - m);
      out[oi] = static_cast<T>(m + std::log(s));
    }
  });
}

template <typename T>
void var_t(int64_t O, int64_t R, int64_t I, double correction, const T* in, T* out) {
  parallel_for(0, O * I, std::max<int64_t>(1, 8192 / std::max<int64_t>(1, R)),
               [&](int64_t b, int64_t e) {
    for (int64_t oi = b; oi < e; ++oi) {
      int64_t o = oi / I, i = oi % I;
      const T* x = in + o * R * I + i;
      double mean = 0;
      for (int64_t r = 0; r < R; ++r) mean += static_cast<double>(x[r * I]);
      mean /= static_cast<double>(R);
      double ss = 0;
      for (int64_t r = 0; r < R; ++r) {
        double d = static_cast<double>(x[r * I]) - mean;
        ss += d * d;
      }
      double denom = static_cast<double>(R) - correction;
      out[oi] = static_cast<T>(denom > 0 ? ss / denom : std::numeric_limits<double>::quiet_NaN());
    }
  });
}

}  // namespace

void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale) {
  LAMINA_DISPATCH_NUMERIC(dt, "reduce", [&] {
    auto* x = static_cast<const scalar_t*>(in);
    auto* y = static_cast<scalar_t*>(out);
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
    var_t<scalar_t>(O, R, I, correction, static_cast<const scalar_t*>(in),
                    static_cast<scalar_t*>(out));
  });
}

}  // namespace lamina::cpu
