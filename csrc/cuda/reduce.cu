// Reduction CUDA kernels: twins of cpu/reduce.cpp over the middle axis of an (O, R, I) block.
// A block reduces `cols` outputs at once with `rows` threads each (cols * rows = kBlock):
// r is the fast thread index when I == 1 (rows are contiguous), the output column otherwise,
// so loads coalesce in both cases. Few outputs with long rows split R over several blocks and
// a second kernel combines the partial states in a fixed order (deterministic).
#include <cmath>
#include <limits>
#include <type_traits>

#include "../core/functors.h"
#include "../kernels/reduce.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

enum class Kind { Sum, Max, Min, Lse, Var };

template <typename T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, int64_t>;

template <typename T> struct ArgState { T v; int64_t i; };  // i < 0: no element yet
struct LseState { double m, s; };        // max of the range, sum of exp(x - m) over it
struct VarState { double n, mean, m2; };  // count, mean, sum of squared deviations

template <Kind K, typename T>
using state_t = std::conditional_t<
    K == Kind::Sum, acc_t<T>,
    std::conditional_t<K == Kind::Lse, LseState,
                       std::conditional_t<K == Kind::Var, VarState, ArgState<T>>>>;

struct Plan {
  int64_t R, I, outs;   // outs = O * I
  int cols, rows;       // block shape, both powers of two
  bool r_fast;          // I == 1: the threads of one column are consecutive
  int64_t tiles;        // ceil(outs / cols)
  int64_t chunk;        // r range of one block
  int splits;           // ceil(R / chunk)
};

constexpr int64_t kTargetBlocks = 1024;  // split R until about this many blocks run
constexpr int kMaxSplits = 1024;
constexpr int64_t kMaxTilesGrid = 1 << 20;

Plan make_plan(int64_t O, int64_t R, int64_t I) {
  Plan p{};
  p.R = R;
  p.I = I;
  p.outs = O * I;
  int rw = 1;
  while (rw < R && rw < kBlock) rw <<= 1;
  p.r_fast = I == 1;
  if (p.r_fast) {
    p.rows = rw;
  } else {
    int cw = 1;
    while (cw < I && cw < 32) cw <<= 1;
    p.rows = std::min(kBlock / cw, rw);
  }
  p.cols = kBlock / p.rows;
  p.tiles = (p.outs + p.cols - 1) / p.cols;
  int64_t want = p.tiles >= kTargetBlocks ? 1 : (kTargetBlocks + p.tiles - 1) / p.tiles;
  int64_t min_chunk = static_cast<int64_t>(p.rows) * 32;  // >= 32 loads per thread
  int64_t splits = std::min<int64_t>({want, (R + min_chunk - 1) / min_chunk, kMaxSplits});
  splits = std::max<int64_t>(splits, 1);
  p.chunk = (R + splits - 1) / splits;
  p.splits = static_cast<int>((R + p.chunk - 1) / p.chunk);
  return p;
}

__device__ __forceinline__ double nan_max(double a, double b) {
  return a != a ? a : (b != b ? b : (a > b ? a : b));
}

// Combine two states of one output; a's range comes before b's for Lse/Var (not needed for
// correctness, but it keeps the order fixed).
template <Kind K, typename S>
__device__ __forceinline__ S merge(const S& a, const S& b) {
  if constexpr (K == Kind::Sum) {
    return a + b;
  } else if constexpr (K == Kind::Max || K == Kind::Min) {
    if (a.i < 0) return b;
    if (b.i < 0) return a;
    const bool an = is_nan(a.v), bn = is_nan(b.v);
    if (an || bn) return (an && bn) ? (a.i < b.i ? a : b) : (an ? a : b);  // first NaN wins
    if (a.v == b.v) return a.i < b.i ? a : b;                                // ties: first index
    return (K == Kind::Max ? a.v > b.v : a.v < b.v) ? a : b;
  } else if constexpr (K == Kind::Lse) {
    if (a.m != a.m) return a;
    if (b.m != b.m) return b;
    const double m = a.m > b.m ? a.m : b.m;
    if (!isfinite(m)) return S{m, 0.0};  // all -inf or some +inf: the max is the answer
    return S{m, a.s * exp(a.m - m) + b.s * exp(b.m - m)};
  } else {  // Var: Chan et al. pairwise update
    const double n = a.n + b.n, d = b.mean - a.mean;
    return S{n, a.mean + d * (b.n / n), a.m2 + b.m2 + d * d * (a.n * b.n / n)};
  }
}

// Tree-combine the `rows` values of each column in shared memory; every thread gets its
// column's total. Every thread of the block must call it.
template <typename S, typename F>
__device__ S block_combine(S v, S* sm, const Plan& p, int c, int rl, F f) {
  const int tid = threadIdx.x;
  sm[tid] = v;
  __syncthreads();
  for (int s = p.rows / 2; s > 0; s >>= 1) {
    if (rl < s) sm[tid] = f(sm[tid], sm[p.r_fast ? tid + s : tid + s * p.cols]);
    __syncthreads();
  }
  S total = sm[p.r_fast ? c * p.rows : c];
  __syncthreads();
  return total;
}

// Write the reduction of output oi from its final state.
template <Kind K, typename T, typename S>
__device__ __forceinline__ void finish(const S& s, int64_t oi, const Plan& p, T* out,
                                       int64_t* idx, double scale, double correction) {
  if constexpr (K == Kind::Sum) {
    if constexpr (std::is_integral_v<T>) out[oi] = static_cast<T>(s);
    else out[oi] = static_cast<T>(static_cast<double>(s) * scale);
  } else if constexpr (K == Kind::Max || K == Kind::Min) {
    out[oi] = s.v;
    if (idx) idx[oi] = s.i;
  } else if constexpr (K == Kind::Lse) {
    out[oi] = static_cast<T>(isfinite(s.m) ? s.m + log(s.s) : s.m);
  } else {
    const double denom = static_cast<double>(p.R) - correction;
    out[oi] = static_cast<T>(denom > 0 ? s.m2 / denom : std::numeric_limits<double>::quiet_NaN());
  }
}

// in (O, R, I) contiguous; out (O, I); idx (O, I) int64 or null; part (outs, splits) states.
// Block (x: tile, y: split) reduces r in [y * chunk, (y + 1) * chunk) of outputs
// oi = tile * cols + c; with one split it writes the result, else its partial state.
template <Kind K, typename T>
__global__ void __launch_bounds__(kBlock)
reduce_kernel(Plan p, const T* in, T* out, int64_t* idx, double scale, double correction,
              state_t<K, T>* part) {
  using S = state_t<K, T>;
  using A = acc_t<T>;
  __shared__ __align__(16) unsigned char smem[kBlock * 16];
  const int tid = threadIdx.x;
  const int c = p.r_fast ? tid / p.rows : tid % p.cols;
  const int rl = p.r_fast ? tid % p.rows : tid / p.cols;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * p.chunk;
  const int64_t r1 = r0 + p.chunk < p.R ? r0 + p.chunk : p.R;
  const int64_t I = p.I;
  for (int64_t tile = blockIdx.x; tile < p.tiles; tile += gridDim.x) {
    const int64_t oi = tile * p.cols + c;
    const bool valid = oi < p.outs;
    const T* x = in + (valid ? (oi / I) * p.R * I + oi % I : 0);
    const int64_t rb = valid ? r0 + rl : r1;  // threads without an output load nothing
    S st;
    if constexpr (K == Kind::Sum) {
      A acc = 0;
      for (int64_t r = rb; r < r1; r += p.rows) acc += static_cast<A>(x[r * I]);
      st = block_combine(acc, reinterpret_cast<A*>(smem), p, c, rl,
                         [](A a, A b) { return a + b; });
    } else if constexpr (K == Kind::Max || K == Kind::Min) {
      S best{T(0), -1};
      for (int64_t r = rb; r < r1 && !is_nan(best.v); r += p.rows) {  // as the CPU loop
        const T v = x[r * I];
        if (best.i < 0 || is_nan(v) || (K == Kind::Max ? v > best.v : v < best.v)) best = S{v, r};
      }
      st = block_combine(best, reinterpret_cast<S*>(smem), p, c, rl,
                         [](const S& a, const S& b) { return merge<K>(a, b); });
    } else if constexpr (K == Kind::Lse) {  // max of the range, then sum of exp(x - max)
      double m = -std::numeric_limits<double>::infinity();
      for (int64_t r = rb; r < r1; r += p.rows) {
        const double v = static_cast<double>(x[r * I]);
        if (v > m || v != v) m = v;
      }
      m = block_combine(m, reinterpret_cast<double*>(smem), p, c, rl,
                        [](double a, double b) { return nan_max(a, b); });
      double s = 0;
      if (isfinite(m))
        for (int64_t r = rb; r < r1; r += p.rows) s += exp(static_cast<double>(x[r * I]) - m);
      s = block_combine(s, reinterpret_cast<double*>(smem), p, c, rl,
                        [](double a, double b) { return a + b; });
      st = S{m, s};
    } else {  // Var: mean of the range, then sum of squared deviations from it
      double sum = 0;
      for (int64_t r = rb; r < r1; r += p.rows) sum += static_cast<double>(x[r * I]);
      sum = block_combine(sum, reinterpret_cast<double*>(smem), p, c, rl,
                          [](double a, double b) { return a + b; });
      const double n = static_cast<double>(r1 - r0), mean = sum / n;
      double ss = 0;
      for (int64_t r = rb; r < r1; r += p.rows) {
        const double d = static_cast<double>(x[r * I]) - mean;
        ss += d * d;
      }
      ss = block_combine(ss, reinterpret_cast<double*>(smem), p, c, rl,
                         [](double a, double b) { return a + b; });
      st = S{n, mean, ss};
    }
    if (rl == 0 && valid) {
      if (p.splits == 1) finish<K, T>(st, oi, p, out, idx, scale, correction);
      else part[oi * p.splits + blockIdx.y] = st;
    }
  }
}

// part (outs, splits) states -> out (outs), combining the splits of each output in order.
template <Kind K, typename T>
__global__ void __launch_bounds__(kBlock)
combine_kernel(Plan p, const state_t<K, T>* part, T* out, int64_t* idx, double scale,
               double correction) {
  using S = state_t<K, T>;
  for (int64_t oi = flat_begin(); oi < p.outs; oi += flat_step()) {
    const S* q = part + oi * p.splits;
    S s = q[0];
    for (int k = 1; k < p.splits; ++k) s = merge<K>(s, q[k]);
    finish<K, T>(s, oi, p, out, idx, scale, correction);
  }
}

template <Kind K, typename T>
void run(int64_t O, int64_t R, int64_t I, const void* in, void* out, int64_t* idx,
         double scale, double correction) {
  using S = state_t<K, T>;
  if (O * I <= 0 || R <= 0) return;  // ops/ handles empty reductions
  const Plan p = make_plan(O, R, I);
  std::shared_ptr<void> ws;
  S* part = nullptr;
  if (p.splits > 1) {
    int dev = 0;
    LAMINA_CUDA_CHECK(cudaGetDevice(&dev));
    ws = allocate(p.outs * p.splits * static_cast<int64_t>(sizeof(S)), dev);
    part = static_cast<S*>(ws.get());
  }
  const dim3 grid(static_cast<unsigned>(std::min(p.tiles, kMaxTilesGrid)),
                  static_cast<unsigned>(p.splits));
  auto* y = typed<T>(out);
  LAMINA_LAUNCH((reduce_kernel<K, T>), grid, kBlock, 0, p, typed<T>(in), y, idx, scale,
                                        correction, part);
  if (p.splits > 1) {
    LAMINA_LAUNCH((combine_kernel<K, T>), grid_for(p.outs), kBlock, 0, p, part, y, idx, scale, correction);
  }
  // ws goes back to the cache here; later work on the same (default) stream is ordered after.
}

}  // namespace

void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale) {
  LAMINA_DISPATCH_NUMERIC(dt, "reduce", [&] {
    switch (op) {
      case ReduceOp::Sum: run<Kind::Sum, scalar_t>(O, R, I, in, out, idx, scale, 0); break;
      case ReduceOp::Max: run<Kind::Max, scalar_t>(O, R, I, in, out, idx, scale, 0); break;
      case ReduceOp::Min: run<Kind::Min, scalar_t>(O, R, I, in, out, idx, scale, 0); break;
      case ReduceOp::LogSumExp:
        if constexpr (std::is_floating_point_v<scalar_t>)
          run<Kind::Lse, scalar_t>(O, R, I, in, out, idx, scale, 0);
        else
          throw std::runtime_error("[logsumexp] needs a floating dtype");
        break;
      default: throw std::runtime_error("[reduce] unknown op");
    }
  });
}

void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out) {
  LAMINA_DISPATCH_FLOAT(dt, "var", [&] {
    run<Kind::Var, scalar_t>(O, R, I, in, out, nullptr, 1.0, correction);
  });
}

}  // namespace lamina::cuda
