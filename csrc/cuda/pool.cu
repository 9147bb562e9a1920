// 2-D pooling CUDA kernels: twins of cpu/pool.h over contiguous (P, H, W) planes. Forward:
// one thread per output, the scalar window code of the CPU reference (same tie and NaN rules).
// Backward of average pooling: one thread per input element gathering the outputs whose
// window covers it (no atomics); of max pooling: a zeroed dx and one atomicAdd per output.
#include <cmath>
#include <limits>

#include "../kernels/pool.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

__device__ __forceinline__ void atomic_add(float* p, float v) { atomicAdd(p, v); }
__device__ __forceinline__ void atomic_add(double* p, double v) { atomicAdd(p, v); }

// Flat index i of a (P, rows, cols) block as its plane, row and column.
struct PlanePos {
  int64_t p, r, c;
};
__device__ __forceinline__ PlanePos plane_pos(int64_t i, int64_t rows, int64_t cols) {
  return {i / (rows * cols), (i / cols) % rows, i % cols};
}

// x (P, H, W) -> y, idx (P, OH, OW); idx may be null.
template <typename T>
__global__ void __launch_bounds__(kBlock)
max_pool_kernel(Pool2d g, const T* x, T* y, int64_t* idx) {
  const int64_t n = g.P * g.OH * g.OW;
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const auto [p, oh, ow] = plane_pos(i, g.OH, g.OW);
    max_window(x + p * g.H * g.W, g, oh * g.sH - g.pH, ow * g.sW - g.pW, y + i,
               idx ? idx + i : nullptr);
  }
}

__device__ __forceinline__ int64_t avg_div(const Pool2d& g, int64_t h0, int64_t w0, bool cip,
                                           int64_t over) {
  if (over > 0) return over;
  if (cip) return (min(h0 + g.kH, g.H + g.pH) - h0) * (min(w0 + g.kW, g.W + g.pW) - w0);
  return (min(h0 + g.kH, g.H) - max(h0, int64_t(0))) * (min(w0 + g.kW, g.W) - max(w0, int64_t(0)));
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
avg_pool_kernel(Pool2d g, const T* x, T* y, bool cip, int64_t over) {
  const int64_t n = g.P * g.OH * g.OW;
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const auto [p, oh, ow] = plane_pos(i, g.OH, g.OW);
    const int64_t h0 = oh * g.sH - g.pH, w0 = ow * g.sW - g.pW;
    const T* xp = x + p * g.H * g.W;
    T s = 0;
    for (int64_t ih = max(h0, int64_t(0)); ih < min(h0 + g.kH, g.H); ++ih)
      for (int64_t iw = max(w0, int64_t(0)); iw < min(w0 + g.kW, g.W); ++iw)
        s += xp[ih * g.W + iw];
    y[i] = s / static_cast<T>(avg_div(g, h0, w0, cip, over));
  }
}

// Outputs o with o * s - p <= i < o * s - p + k, clipped to [0, n_out).
__device__ __forceinline__ void covering(int64_t i, int64_t k, int64_t s, int64_t p,
                                         int64_t n_out, int64_t* lo, int64_t* hi) {
  const int64_t a = i + p - k + 1;
  *lo = a <= 0 ? 0 : (a + s - 1) / s;
  *hi = min((i + p) / s + 1, n_out);
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
avg_pool_backward_kernel(Pool2d g, const T* dy, T* dx, bool cip, int64_t over) {
  const int64_t n = g.P * g.H * g.W;
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const auto [p, ih, iw] = plane_pos(i, g.H, g.W);
    int64_t oh0, oh1, ow0, ow1;
    covering(ih, g.kH, g.sH, g.pH, g.OH, &oh0, &oh1);
    covering(iw, g.kW, g.sW, g.pW, g.OW, &ow0, &ow1);
    const T* gp = dy + p * g.OH * g.OW;
    T s = 0;
    for (int64_t oh = oh0; oh < oh1; ++oh)
      for (int64_t ow = ow0; ow < ow1; ++ow)
        s += gp[oh * g.OW + ow] /
             static_cast<T>(avg_div(g, oh * g.sH - g.pH, ow * g.sW - g.pW, cip, over));
    dx[i] = s;
  }
}

template <typename T, bool MAX>
__global__ void __launch_bounds__(kBlock)
adaptive_kernel(int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW, const T* x, T* y,
                int64_t* idx) {
  const int64_t n = P * OH * OW;
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const auto [p, oh, ow] = plane_pos(i, OH, OW);
    const int64_t hs = a_start(oh, H, OH), he = a_end(oh, H, OH);
    const int64_t ws = a_start(ow, W, OW), we = a_end(ow, W, OW);
    const T* xp = x + p * H * W;
    if constexpr (MAX) {
      max_rect(xp, W, hs, he, 1, ws, we, 1, y + i, idx + i);
    } else {
      double s = 0;
      for (int64_t ih = hs; ih < he; ++ih)
        for (int64_t iw = ws; iw < we; ++iw) s += static_cast<double>(xp[ih * W + iw]);
      y[i] = static_cast<T>(s / static_cast<double>((he - hs) * (we - ws)));
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
adaptive_avg_backward_kernel(int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                             const T* dy, T* dx) {
  const int64_t n = P * H * W;
  for (int64_t i = flat_begin(); i < n; i += flat_step()) {
    const auto [p, ih, iw] = plane_pos(i, H, W);
    const T* gp = dy + p * OH * OW;
    T s = 0;
    for (int64_t oh = (ih * OH) / H; oh < min(((ih + 1) * OH + H - 1) / H, OH); ++oh) {
      const int64_t hs = a_start(oh, H, OH), he = a_end(oh, H, OH);
      if (ih < hs || ih >= he) continue;
      for (int64_t ow = (iw * OW) / W; ow < min(((iw + 1) * OW + W - 1) / W, OW); ++ow) {
        const int64_t ws = a_start(ow, W, OW), we = a_end(ow, W, OW);
        if (iw < ws || iw >= we) continue;
        s += gp[oh * OW + ow] / static_cast<T>((he - hs) * (we - ws));
      }
    }
    dx[i] = s;
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
max_backward_kernel(int64_t P, int64_t in_plane, int64_t out_plane, const T* dy,
                    const int64_t* idx, T* dx) {
  const int64_t n = P * out_plane;
  for (int64_t i = flat_begin(); i < n; i += flat_step())
    if (static_cast<uint64_t>(idx[i]) < static_cast<uint64_t>(in_plane))
      atomic_add(dx + (i / out_plane) * in_plane + idx[i], dy[i]);
}

}  // namespace

void max_pool2d(DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx) {
  LAMINA_DISPATCH_FLOAT(dt, "max_pool2d", [&] {
    LAMINA_LAUNCH(max_pool_kernel<scalar_t>, grid_for(g.P * g.OH * g.OW), kBlock, 0,
        g, typed<scalar_t>(x), typed<scalar_t>(y), idx);
  });
}

void avg_pool2d(DType dt, const Pool2d& g, const void* x, void* y, bool cip, int64_t over) {
  LAMINA_DISPATCH_FLOAT(dt, "avg_pool2d", [&] {
    LAMINA_LAUNCH(avg_pool_kernel<scalar_t>, grid_for(g.P * g.OH * g.OW), kBlock, 0,
        g, typed<scalar_t>(x), typed<scalar_t>(y), cip, over);
  });
}

void avg_pool2d_backward(DType dt, const Pool2d& g, const void* dy, void* dx, bool cip,
                         int64_t over) {
  LAMINA_DISPATCH_FLOAT(dt, "avg_pool2d_backward", [&] {
    LAMINA_LAUNCH(avg_pool_backward_kernel<scalar_t>, grid_for(g.P * g.H * g.W), kBlock, 0,
        g, typed<scalar_t>(dy), typed<scalar_t>(dx), cip, over);
  });
}

void adaptive_avg_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_avg_pool2d", [&] {
    LAMINA_LAUNCH((adaptive_kernel<scalar_t, false>), grid_for(P * OH * OW), kBlock, 0,
        P, H, W, OH, OW, typed<scalar_t>(x), typed<scalar_t>(y), nullptr);
  });
}

void adaptive_avg_pool2d_backward(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const void* dy, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_avg_pool2d_backward", [&] {
    LAMINA_LAUNCH(adaptive_avg_backward_kernel<scalar_t>, grid_for(P * H * W), kBlock, 0,
        P, H, W, OH, OW, typed<scalar_t>(dy), typed<scalar_t>(dx));
  });
}

void adaptive_max_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y, int64_t* idx) {
  LAMINA_DISPATCH_FLOAT(dt, "adaptive_max_pool2d", [&] {
    LAMINA_LAUNCH((adaptive_kernel<scalar_t, true>), grid_for(P * OH * OW), kBlock, 0,
        P, H, W, OH, OW, typed<scalar_t>(x), typed<scalar_t>(y), idx);
  });
}

void max_pool2d_backward(DType dt, int64_t P, int64_t in_plane, int64_t out_plane,
                         const void* dy, const int64_t* idx, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "max_pool2d_backward", [&] {
    LAMINA_CUDA_CHECK(cudaMemsetAsync(dx, 0, sizeof(scalar_t) * P * in_plane));
    LAMINA_LAUNCH(max_backward_kernel<scalar_t>, grid_for(P * out_plane), kBlock, 0,
        P, in_plane, out_plane, typed<scalar_t>(dy), idx,
        typed<scalar_t>(dx));
  });
}

}  // namespace lamina::cuda
