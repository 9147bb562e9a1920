// Fused LayerNorm CUDA kernels: twins of cpu/layernorm.cpp over the rows of a contiguous
// (M, N) block.
// Forward: one warp per row; two passes over the row for the mean and the variance (sums in
// double, warp shuffles), a third writes y. Backward: one warp per row for dx (the two row
// sums in double); dw, db in two deterministic stages: blocks of (32 columns x 8 row lanes)
// sum a chunk of rows each into a partial row (double), then one thread per column adds the
// chunks' partials.
#include <algorithm>
#include <cmath>

#include "../kernels/layernorm.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

constexpr int kWarps = 8;          // rows (warps) per block of the row kernels
constexpr int kColRows = 8;        // row lanes per block of the parameter-gradient kernel
constexpr int64_t kChunkRows = 64; // rows per partial of the parameter gradients (at least)

__device__ __forceinline__ double warp_sum(double v) {
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// x, y (M, N); w, b (N,) or null; mean, rstd (M,)
template <typename T>
__global__ void __launch_bounds__(32 * kWarps)
forward_kernel(int64_t M, int64_t N, const T* __restrict__ x, const T* __restrict__ w,
               const T* __restrict__ b, double eps, T* __restrict__ y, T* __restrict__ mean,
               T* __restrict__ rstd) {
  const int lane = threadIdx.x & 31;
  const int64_t step = static_cast<int64_t>(gridDim.x) * kWarps;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + (threadIdx.x >> 5); row < M;
       row += step) {
    const T* xr = x + row * N;
    T* yr = y + row * N;
    double s = 0;
    for (int64_t j = lane; j < N; j += 32) s += static_cast<double>(xr[j]);
    const T m = static_cast<T>(warp_sum(s) / static_cast<double>(N));
    double v = 0;
    for (int64_t j = lane; j < N; j += 32) {
      const double d = static_cast<double>(xr[j] - m);
      v += d * d;
    }
    const T r = static_cast<T>(1.0 / sqrt(warp_sum(v) / static_cast<double>(N) + eps));
    if (lane == 0) {
      mean[row] = m;
      rstd[row] = r;
    }
    for (int64_t j = lane; j < N; j += 32) {
      T t = (xr[j] - m) * r;
      if (w) t = t * w[j];
      if (b) t = t + b[j];
      yr[j] = t;
    }
  }
}

// dy, x, dx (M, N); mean, rstd (M,); w (N,) or null.
//   dx = g * r + k1 - k2 * (x - m),  k1 = -r mean(g),  k2 = r^3 mean(g (x - m)),  g = dy * w
template <typename T>
__global__ void __launch_bounds__(32 * kWarps)
backward_dx_kernel(int64_t M, int64_t N, const T* __restrict__ dy, const T* __restrict__ x,
                   const T* __restrict__ mean, const T* __restrict__ rstd,
                   const T* __restrict__ w, T* __restrict__ dx) {
  const int lane = threadIdx.x & 31;
  const int64_t step = static_cast<int64_t>(gridDim.x) * kWarps;
  for (int64_t row = static_cast<int64_t>(blockIdx.x) * kWarps + (threadIdx.x >> 5); row < M;
       row += step) {
    const T* dyr = dy + row * N;
    const T* xr = x + row * N;
    T* dxr = dx + row * N;
    const T m = mean[row], r = rstd[row];
    double s1 = 0, s2 = 0;
    for (int64_t j = lane; j < N; j += 32) {
      const double g = static_cast<double>(w ? dyr[j] * w[j] : dyr[j]);
      s1 += g;
      s2 += g * static_cast<double>(xr[j] - m);
    }
    s1 = warp_sum(s1);
    s2 = warp_sum(s2);
    const double nd = static_cast<double>(N), rd = static_cast<double>(r);
    const T k1 = static_cast<T>(-rd * s1 / nd), k2 = static_cast<T>(rd * rd * rd * s2 / nd);
    for (int64_t j = lane; j < N; j += 32) {
      const T g = w ? dyr[j] * w[j] : dyr[j];
      dxr[j] = g * r + k1 - k2 * (xr[j] - m);
    }
  }
}

// Partial sums over the rows [c * rows, (c + 1) * rows) of chunk c = blockIdx.y
// for the 32 columns of blockIdx.x: pw, pb (chunks, N) double, either null.
template <typename T>
__global__ void __launch_bounds__(32 * kColRows)
backward_params_partial(int64_t M, int64_t N, int64_t rows, const T* __restrict__ dy,
                        const T* __restrict__ x, const T* __restrict__ mean,
                        const T* __restrict__ rstd, double* __restrict__ pw,
                        double* __restrict__ pb) {
  __shared__ double sw[kColRows][33];
  __shared__ double sb[kColRows][33];
  const int tx = threadIdx.x & 31, ty = threadIdx.x >> 5;
  const int64_t col = static_cast<int64_t>(blockIdx.x) * 32 + tx;
  const int64_t r0 = static_cast<int64_t>(blockIdx.y) * rows;
  const int64_t r1 = min(M, r0 + rows);
  double aw = 0, ab = 0;
  if (col < N) {
    for (int64_t r = r0 + ty; r < r1; r += kColRows) {
      const T d = dy[r * N + col];
      aw += static_cast<double>(d * ((x[r * N + col] - mean[r]) * rstd[r]));
      ab += static_cast<double>(d);
    }
  }
  sw[ty][tx] = aw;
  sb[ty][tx] = ab;
  __syncthreads();
  if (ty == 0 && col < N) {
    for (int k = 1; k < kColRows; ++k) {
      aw += sw[k][tx];
      ab += sb[k][tx];
    }
    const int64_t o = static_cast<int64_t>(blockIdx.y) * N + col;
    if (pw) pw[o] = aw;
    if (pb) pb[o] = ab;
  }
}

// dw, db (N,) = the sums over the chunks of pw, pb (chunks, N); either null.
template <typename T>
__global__ void __launch_bounds__(kBlock)
backward_params_final(int64_t N, int64_t chunks, const double* __restrict__ pw,
                      const double* __restrict__ pb, T* __restrict__ dw, T* __restrict__ db) {
  for (int64_t j = flat_begin(); j < N; j += flat_step()) {
    double aw = 0, ab = 0;
    for (int64_t c = 0; c < chunks; ++c) {
      if (pw) aw += pw[c * N + j];
      if (pb) ab += pb[c * N + j];
    }
    if (dw) dw[j] = static_cast<T>(aw);
    if (db) db[j] = static_cast<T>(ab);
  }
}

unsigned row_blocks(int64_t M) {
  return static_cast<unsigned>(std::min<int64_t>((M + kWarps - 1) / kWarps, kMaxBlocks));
}

}  // namespace

void layer_norm_forward(DType dt, int64_t M, int64_t N, const void* x, const void* w,
                        const void* b, double eps, void* y, void* mean, void* rstd) {
  if (M <= 0 || N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "layer_norm", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(forward_kernel<T>, row_blocks(M), 32 * kWarps, 0,
        M, N, typed<T>(x), typed<T>(w), typed<T>(b), eps,
        typed<T>(y), typed<T>(mean), typed<T>(rstd));
  });
}

void layer_norm_backward(DType dt, int64_t M, int64_t N, const void* dy, const void* x,
                         const void* mean, const void* rstd, const void* w, void* dx, void* dw,
                         void* db) {
  if (N <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "layer_norm_backward", [&] {
    using T = scalar_t;
    const T* dyp = typed<T>(dy);
    const T* xp = typed<T>(x);
    const T* mp = typed<T>(mean);
    const T* rp = typed<T>(rstd);
    if (dx && M > 0) {
      LAMINA_LAUNCH(backward_dx_kernel<T>, row_blocks(M), 32 * kWarps, 0, M, N, dyp, xp, mp, rp,
                                                            typed<T>(w),
                                                            typed<T>(dx));
    }
    if (!dw && !db) return;
    // chunks of at least kChunkRows rows, at most 65535 of them (gridDim.y)
    const int64_t rows = std::max<int64_t>(kChunkRows, (M + 65534) / 65535);
    const int64_t chunks = std::max<int64_t>(1, (M + rows - 1) / rows);
    int device = 0;
    LAMINA_CUDA_CHECK(cudaGetDevice(&device));
    const int64_t half = chunks * N;
    std::shared_ptr<void> scratch = allocate(2 * half * static_cast<int64_t>(sizeof(double)),
                                             device);
    double* pw = dw ? static_cast<double*>(scratch.get()) : nullptr;
    double* pb = db ? static_cast<double*>(scratch.get()) + half : nullptr;
    if (M > 0) {
      const dim3 grid(static_cast<unsigned>((N + 31) / 32), static_cast<unsigned>(chunks));
      LAMINA_LAUNCH(backward_params_partial<T>, grid, 32 * kColRows, 0, M, N, rows, dyp, xp, mp, rp, pw,
                                                          pb);
    }
    LAMINA_LAUNCH(backward_params_final<T>, grid_for(N), kBlock, 0, N, M > 0 ? chunks : 0, pw, pb,
                                                      typed<T>(dw), typed<T>(db));
  });
}

}  // namespace lamina::cuda
