// Fused softmax / log_softmax CUDA kernels: twins of cpu/softmax.cpp over an (O, R, I) block.
// I == 1 (softmax over contiguous rows): one block per row, block reductions for the max and
// the sum (in double). I > 1: one thread per (o, i) column walking r with stride I, so the
// threads of a warp read consecutive addresses.
#include <cmath>
#include <limits>

#include "../kernels/softmax.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

// x, y (O, R) contiguous; block o' handles rows o', o' + gridDim.x, ...
template <typename T>
__global__ void __launch_bounds__(kBlock)
forward_rows(int64_t O, int64_t R, const T* x, T* y, bool log) {
  for (int64_t o = blockIdx.x; o < O; o += gridDim.x) {
    const T* xr = x + o * R;
    T* yr = y + o * R;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) m = xr[r] > m ? xr[r] : m;
    m = block_reduce(m, -std::numeric_limits<T>::infinity(), Max());
    double s = 0;
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) {
      const T e = exp(xr[r] - m);
      if (!log) yr[r] = e;
      s += static_cast<double>(e);
    }
    s = block_reduce(s, 0.0, Add());
    if (log) {
      const T ls = static_cast<T>(::log(s));
      for (int64_t r = threadIdx.x; r < R; r += blockDim.x) yr[r] = (xr[r] - m) - ls;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t r = threadIdx.x; r < R; r += blockDim.x) yr[r] *= inv;
    }
  }
}

// x, y (O, R, I) contiguous, I > 1: one thread per (o, i).
template <typename T>
__global__ void __launch_bounds__(kBlock)
forward_cols(int64_t O, int64_t R, int64_t I, const T* x, T* y, bool log) {
  for (int64_t k = flat_begin(); k < O * I; k += flat_step()) {
    const int64_t off = (k / I) * R * I + k % I;
    const T* xc = x + off;
    T* yc = y + off;
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t r = 0; r < R; ++r) m = xc[r * I] > m ? xc[r * I] : m;
    double s = 0;
    for (int64_t r = 0; r < R; ++r) {
      const T e = exp(xc[r * I] - m);
      if (!log) yc[r * I] = e;
      s += static_cast<double>(e);
    }
    const T f = static_cast<T>(log ? ::log(s) : 1.0 / s);
    for (int64_t r = 0; r < R; ++r)
      yc[r * I] = log ? (xc[r * I] - m) - f : yc[r * I] * f;
  }
}

// y, dy, dx (O, R) contiguous.
template <typename T>
__global__ void __launch_bounds__(kBlock)
backward_rows(int64_t O, int64_t R, const T* y, const T* dy, T* dx, bool log) {
  for (int64_t o = blockIdx.x; o < O; o += gridDim.x) {
    const int64_t base = o * R;
    double s = 0;
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) {
      const double g = static_cast<double>(dy[base + r]);
      s += log ? g : g * static_cast<double>(y[base + r]);
    }
    const T st = static_cast<T>(block_reduce(s, 0.0, Add()));
    for (int64_t r = threadIdx.x; r < R; r += blockDim.x) {
      const int64_t k = base + r;
      dx[k] = log ? dy[k] - exp(y[k]) * st : y[k] * (dy[k] - st);
    }
  }
}

// y, dy, dx (O, R, I) contiguous, I > 1: one thread per (o, i).
template <typename T>
__global__ void __launch_bounds__(kBlock)
backward_cols(int64_t O, int64_t R, int64_t I, const T* y, const T* dy, T* dx, bool log) {
  for (int64_t k = flat_begin(); k < O * I; k += flat_step()) {
    const int64_t off = (k / I) * R * I + k % I;
    double s = 0;
    for (int64_t r = 0; r < R; ++r) {
      const double g = static_cast<double>(dy[off + r * I]);
      s += log ? g : g * static_cast<double>(y[off + r * I]);
    }
    const T st = static_cast<T>(s);
    for (int64_t r = 0; r < R; ++r) {
      const int64_t j = off + r * I;
      dx[j] = log ? dy[j] - exp(y[j]) * st : y[j] * (dy[j] - st);
    }
  }
}

unsigned row_grid(int64_t O) { return static_cast<unsigned>(std::min<int64_t>(O, kMaxBlocks)); }

}  // namespace

void softmax_forward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y,
                     bool log) {
  if (O * R * I <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax" : "softmax", [&] {
    auto* xp = typed<scalar_t>(x);
    auto* yp = typed<scalar_t>(y);
    if (I == 1) LAMINA_LAUNCH(forward_rows<scalar_t>, row_grid(O), kBlock, 0, O, R, xp, yp, log);
    else LAMINA_LAUNCH(forward_cols<scalar_t>, grid_for(O * I), kBlock, 0, O, R, I, xp, yp, log);
  });
}

void softmax_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* y, const void* dy,
                      void* dx, bool log) {
  if (O * R * I <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, log ? "log_softmax_backward" : "softmax_backward", [&] {
    auto* yp = typed<scalar_t>(y);
    auto* gp = typed<scalar_t>(dy);
    auto* dp = typed<scalar_t>(dx);
    if (I == 1) LAMINA_LAUNCH(backward_rows<scalar_t>, row_grid(O), kBlock, 0, O, R, yp, gp, dp, log);
    else LAMINA_LAUNCH(backward_cols<scalar_t>, grid_for(O * I), kBlock, 0, O, R, I, yp, gp, dp, log);
  });
}

}  // namespace lamina::cuda
