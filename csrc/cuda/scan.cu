// Scans (cumsum, cumprod) and cumprod's gradient: CUDA twins of cpu/scan.cpp over an (O, R, I)
// block. I == 1 (contiguous rows): one block per row; each thread scans a contiguous chunk,
// the block scans the chunk totals, and each thread rescans its chunk from its prefix (two
// reads of x). I > 1: one thread per (o, i) column walking r with stride I, so the threads of
// a warp read consecutive addresses. The gradient of cumprod: one thread per column.
#include <type_traits>

#include "../kernels/scan.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point<T>::value, double, T>;

template <ScanOp OP, typename A>
__device__ __forceinline__ A combine(A a, A b) {
  if (OP == ScanOp::Sum) return a + b;
  return a * b;
}

template <ScanOp OP, typename A>
__device__ __forceinline__ A identity() {
  return OP == ScanOp::Sum ? A(0) : A(1);
}

// x, y (O, R) contiguous; block o' handles rows o', o' + gridDim.x, ...
template <ScanOp OP, typename T>
__global__ void __launch_bounds__(kBlock)
scan_rows(int64_t O, int64_t R, bool reverse, const T* x, T* y) {
  using A = Acc<T>;
  __shared__ A part[kBlock];
  const int64_t chunk = (R + blockDim.x - 1) / blockDim.x;
  const int64_t p0 = threadIdx.x * chunk;
  const int64_t p1 = p0 + chunk < R ? p0 + chunk : R;
  for (int64_t o = blockIdx.x; o < O; o += gridDim.x) {
    const T* xr = x + o * R;
    T* yr = y + o * R;
    A a = identity<OP, A>();
    for (int64_t p = p0; p < p1; ++p) a = combine<OP>(a, static_cast<A>(xr[reverse ? R - 1 - p : p]));
    part[threadIdx.x] = a;
    __syncthreads();
    if (threadIdx.x == 0) {  // exclusive scan of the chunk totals
      A run = identity<OP, A>();
      for (unsigned t = 0; t < blockDim.x; ++t) {
        const A v = part[t];
        part[t] = run;
        run = combine<OP>(run, v);
      }
    }
    __syncthreads();
    a = part[threadIdx.x];
    for (int64_t p = p0; p < p1; ++p) {
      const int64_t r = reverse ? R - 1 - p : p;
      a = combine<OP>(a, static_cast<A>(xr[r]));
      yr[r] = static_cast<T>(a);
    }
    __syncthreads();  // part is reused by the next row
  }
}

// x, y (O, R, I) contiguous, I > 1: one thread per (o, i).
template <ScanOp OP, typename T>
__global__ void __launch_bounds__(kBlock)
scan_cols(int64_t O, int64_t R, int64_t I, bool reverse, const T* x, T* y) {
  using A = Acc<T>;
  for (int64_t k = flat_begin(); k < O * I; k += flat_step()) {
    const int64_t off = (k / I) * R * I + k % I;
    A a = identity<OP, A>();
    for (int64_t s = 0; s < R; ++s) {
      const int64_t j = off + (reverse ? R - 1 - s : s) * I;
      a = combine<OP>(a, static_cast<A>(x[j]));
      y[j] = static_cast<T>(a);
    }
  }
}

// x, y, dy, dx (O, R, I) contiguous: one thread per column (kernels/scan.h has the formula).
template <typename T>
__global__ void __launch_bounds__(kBlock)
cumprod_grad(int64_t O, int64_t R, int64_t I, const T* x, const T* y, const T* dy, T* dx) {
  for (int64_t c = flat_begin(); c < O * I; c += flat_step()) {
    const int64_t off = (c / I) * R * I + c % I;
    int64_t z = 0;
    while (z < R && x[off + z * I] != T(0)) ++z;
    double s = 0;
    for (int64_t k = z - 1; k >= 0; --k) {
      const int64_t j = off + k * I;
      s += static_cast<double>(dy[j]) * static_cast<double>(y[j]);
      dx[j] = static_cast<T>(s / static_cast<double>(x[j]));
    }
    if (z == R) continue;
    double t = 0, q = 1;
    for (int64_t j = z; j < R; ++j) {
      if (j > z) q *= static_cast<double>(x[off + j * I]);
      t += static_cast<double>(dy[off + j * I]) * q;
    }
    dx[off + z * I] =
        static_cast<T>((z > 0 ? static_cast<double>(y[off + (z - 1) * I]) : 1.0) * t);
    for (int64_t k = z + 1; k < R; ++k) dx[off + k * I] = T(0);
  }
}

template <ScanOp OP, typename T>
void launch_scan(int64_t O, int64_t R, int64_t I, bool reverse, const T* x, T* y) {
  if (I == 1) {
    const unsigned grid = static_cast<unsigned>(O < kMaxBlocks ? O : kMaxBlocks);
    LAMINA_LAUNCH((scan_rows<OP, T>), grid, kBlock, 0, O, R, reverse, x, y);
  } else {
    LAMINA_LAUNCH((scan_cols<OP, T>), grid_for(O * I), kBlock, 0, O, R, I, reverse, x, y);
  }
}

}  // namespace

void scan(ScanOp op, DType dt, int64_t O, int64_t R, int64_t I, bool reverse, const void* x,
          void* y) {
  if (O * R * I <= 0) return;
  LAMINA_DISPATCH_NUMERIC(dt, op == ScanOp::Sum ? "cumsum" : "cumprod", [&] {
    if (op == ScanOp::Sum)
      typed_call<scalar_t>(launch_scan<ScanOp::Sum, scalar_t>, O, R, I, reverse, x, y);
    else
      typed_call<scalar_t>(launch_scan<ScanOp::Prod, scalar_t>, O, R, I, reverse, x, y);
  });
}

void cumprod_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, const void* y,
                      const void* dy, void* dx) {
  if (O * R * I <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "cumprod_backward", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(cumprod_grad<T>, grid_for(O * I), kBlock, 0, O, R, I, typed<T>(x),
                  typed<T>(y), typed<T>(dy), typed<T>(dx));
  });
}

}  // namespace lamina::cuda
