// The fused GRU cell, forward and backward: the CUDA twin of cpu/gru.cpp, one thread per
// (b, j) element of the hidden state.
#include "../core/functors.h"
#include "../kernels/gru.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

template <typename T>
__global__ void __launch_bounds__(kBlock)
forward_kernel(int64_t B, int64_t H, const T* gx, const T* gh, const T* h, T* h_out, T* acts) {
  for (int64_t k = flat_begin(); k < B * H; k += flat_step()) {
    const int64_t b = k / H, j = k % H, row = b * 3 * H;
    const T r = sigmoid(gx[row + j] + gh[row + j]);
    const T z = sigmoid(gx[row + H + j] + gh[row + H + j]);
    const T n = tanh(gx[row + 2 * H + j] + r * gh[row + 2 * H + j]);
    const T hp = h ? h[k] : T(0);
    h_out[k] = (T(1) - z) * n + z * hp;
    if (acts) {
      acts[row + j] = r;
      acts[row + H + j] = z;
      acts[row + 2 * H + j] = n;
    }
  }
}

template <typename T>
__global__ void __launch_bounds__(kBlock)
backward_kernel(int64_t B, int64_t H, const T* gh, const T* acts, const T* h, const T* dh,
                T* dgx, T* dgh, T* dh_prev) {
  for (int64_t k = flat_begin(); k < B * H; k += flat_step()) {
    const int64_t b = k / H, j = k % H, row = b * 3 * H;
    const T r = acts[row + j], z = acts[row + H + j], n = acts[row + 2 * H + j];
    const T d = dh[k];
    const T hp = h ? h[k] : T(0);
    const T dn = d * (T(1) - z) * (T(1) - n * n);
    const T dz = d * (hp - n) * z * (T(1) - z);
    const T dr = dn * gh[row + 2 * H + j] * r * (T(1) - r);
    dgx[row + j] = dr;
    dgx[row + H + j] = dz;
    dgx[row + 2 * H + j] = dn;
    dgh[row + j] = dr;
    dgh[row + H + j] = dz;
    dgh[row + 2 * H + j] = dn * r;
    dh_prev[k] = d * z;
  }
}

}  // namespace

void gru_cell_forward(DType dt, int64_t B, int64_t H, const void* gx, const void* gh,
                      const void* h, void* h_out, void* acts) {
  if (B * H <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "gru_cell", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(forward_kernel<T>, grid_for(B * H), kBlock, 0, B, H, typed<T>(gx),
                  typed<T>(gh), typed<T>(h), typed<T>(h_out), typed<T>(acts));
  });
}

void gru_cell_backward(DType dt, int64_t B, int64_t H, const void* gh, const void* acts,
                       const void* h, const void* dh, void* dgx, void* dgh, void* dh_prev) {
  if (B * H <= 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "gru_cell_backward", [&] {
    using T = scalar_t;
    LAMINA_LAUNCH(backward_kernel<T>, grid_for(B * H), kBlock, 0, B, H, typed<T>(gh),
                  typed<T>(acts), typed<T>(h), typed<T>(dh), typed<T>(dgx), typed<T>(dgh),
                  typed<T>(dh_prev));
  });
}

}  // namespace lamina::cuda
