// LSTM on the GPU, twins of cpu/lstm.h: the fused cell forward / backward kernels (one thread
// per (row, hidden unit), gates in torch's layout i | f | g | o, also for the saved acts of the
// layer), and the layer recurrence on the legacy default stream: the input projection of all
// steps as one cuda::gemm, per step the recurrent cuda::gemm and the cell kernel; BPTT per
// step the cell backward and dh = dgates W_hh, then dW_hh, dW_ih and dx as one GEMM each and
// db as column sums.
#include <cuda_runtime.h>

#include <cstdint>

#include "../core/dtype.h"
#include "../core/functors.h"
#include "../kernels/lstm.h"
#include "../kernels/matmul.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {

namespace {

// pre = gx + gh + b1 + b2 (each but gx optional); c = f c_prev + i g; h = o tanh(c);
// acts (optional, may alias gx: each thread reads its unit's pre-activations first).
template <typename T>
__global__ void cell_fwd_kernel(int64_t B, int64_t H, const T* gx, const T* gh, const T* b1,
                                const T* b2, const T* c_prev, T* c, T* h, T* acts) {
  const int64_t n = B * H;
  for (int64_t idx = flat_begin(); idx < n; idx += flat_step()) {
    const int64_t b = idx / H, j = idx - b * H;
    const int64_t row = b * 4 * H;
    T p[4];
#pragma unroll
    for (int q = 0; q < 4; ++q) {
      T v = gx[row + q * H + j];
      if (gh) v += gh[row + q * H + j];
      if (b1) v += b1[q * H + j];
      if (b2) v += b2[q * H + j];
      p[q] = v;
    }
    const T i = sigmoid(p[0]), f = sigmoid(p[1]), g = tanh(p[2]), o = sigmoid(p[3]);
    const T cn = f * (c_prev ? c_prev[idx] : T(0)) + i * g;
    c[idx] = cn;
    h[idx] = o * tanh(cn);
    if (acts) {
      acts[row + j] = i;
      acts[row + H + j] = f;
      acts[row + 2 * H + j] = g;
      acts[row + 3 * H + j] = o;
    }
  }
}

// dh = dh1 + dh2 (each optional); dc = dc_next + dh o (1 - tanh(c)^2) -> dgates, dc_prev
// (dc_prev may alias dc_next).
template <typename T>
__global__ void cell_bwd_kernel(int64_t B, int64_t H, const T* acts, const T* c_prev,
                                const T* c, const T* dh1, const T* dh2, const T* dc_next,
                                T* dgates, T* dc_prev) {
  const int64_t n = B * H;
  for (int64_t idx = flat_begin(); idx < n; idx += flat_step()) {
    const int64_t b = idx / H, j = idx - b * H;
    const int64_t row = b * 4 * H;
    const T i = acts[row + j], f = acts[row + H + j], g = acts[row + 2 * H + j];
    const T o = acts[row + 3 * H + j];
    T dh = T(0);
    if (dh1) dh += dh1[idx];
    if (dh2) dh += dh2[idx];
    const T tc = tanh(c[idx]);
    T dc = dh * o * (T(1) - tc * tc);
    if (dc_next) dc += dc_next[idx];
    const T cp = c_prev ? c_prev[idx] : T(0);
    dgates[row + j] = dc * g * i * (T(1) - i);
    dgates[row + H + j] = dc * cp * f * (T(1) - f);
    dgates[row + 2 * H + j] = dc * i * (T(1) - g * g);
    dgates[row + 3 * H + j] = dh * tc * o * (T(1) - o);
    if (dc_prev) dc_prev[idx] = dc * f;
  }
}

// out (cols,) = column sums of m (rows, cols): one thread per column, coalesced rows.
template <typename T>
__global__ void column_sums_kernel(const T* m, int64_t rows, int64_t cols, T* out) {
  for (int64_t c = flat_begin(); c < cols; c += flat_step()) {
    T acc = T(0);
    for (int64_t r = 0; r < rows; ++r) acc += m[r * cols + c];
    out[c] = acc;
  }
}

template <typename T>
void launch_cell_fwd(int64_t B, int64_t H, const T* gx, const T* gh, const T* b1, const T* b2,
                     const T* c_prev, T* c, T* h, T* acts) {
  LAMINA_LAUNCH(cell_fwd_kernel<T>, grid_for(B * H), kBlock, 0, B, H, gx, gh, b1, b2, c_prev, c, h, acts);
}

template <typename T>
void launch_cell_bwd(int64_t B, int64_t H, const T* acts, const T* c_prev, const T* c,
                     const T* dh1, const T* dh2, const T* dc_next, T* dgates, T* dc_prev) {
  LAMINA_LAUNCH(cell_bwd_kernel<T>, grid_for(B * H), kBlock, 0, B, H, acts, c_prev, c, dh1, dh2, dc_next,
                                                   dgates, dc_prev);
}

int current_device() {
  int dev = 0;
  LAMINA_CUDA_CHECK(cudaGetDevice(&dev));
  return dev;
}

template <typename T>
void layer_forward(DType dt, int64_t T_, int64_t B, int64_t I, int64_t H, const T* x,
                   const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh, bool reverse,
                   T* hs, T* cs, T* acts) {
  const int64_t G = 4 * H;
  const int dev = current_device();
  std::shared_ptr<void> gx_buf, gh_buf = allocate(B * G * int64_t(sizeof(T)), dev);
  T* gx = acts;
  if (!gx) {
    gx_buf = allocate(T_ * B * G * int64_t(sizeof(T)), dev);
    gx = static_cast<T*>(gx_buf.get());
  }
  T* gh = static_cast<T*>(gh_buf.get());
  if (I > 0) {
    gemm(dt, 1, T_ * B, G, I, x, 0, I, 1, w_ih, 0, 1, I, gx);
  } else {
    LAMINA_CUDA_CHECK(cudaMemsetAsync(gx, 0, size_t(T_ * B * G) * sizeof(T)));
  }
  for (int64_t s = 0; s < T_; ++s) {
    const int64_t t = reverse ? T_ - 1 - s : s;
    const int64_t prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
    gemm(dt, 1, B, G, H, hs + prev * B * H, 0, H, 1, w_hh, 0, 1, H, gh);
    launch_cell_fwd<T>(B, H, gx + t * B * G, gh, b_ih, b_hh, cs + prev * B * H,
                       cs + cur * B * H, hs + cur * B * H, acts ? acts + t * B * G : nullptr);
  }
}

template <typename T>
void layer_backward(DType dt, int64_t T_, int64_t B, int64_t I, int64_t H, const T* x,
                    const T* w_ih, const T* w_hh, const T* hs, const T* cs, const T* acts,
                    bool reverse, const T* dy, const T* dhn, const T* dcn, T* dx, T* dh0, T* dc0,
                    T* dw_ih, T* dw_hh, T* db) {
  const int64_t G = 4 * H, R = T_ * B;
  const int dev = current_device();
  std::shared_ptr<void> dg_buf = allocate(R * G * int64_t(sizeof(T)), dev);
  std::shared_ptr<void> dh_buf = allocate(B * H * int64_t(sizeof(T)), dev);
  T* dg = static_cast<T*>(dg_buf.get());
  T* dhrec = static_cast<T*>(dh_buf.get());
  const size_t state_bytes = size_t(B * H) * sizeof(T);
  if (dcn) {
    LAMINA_CUDA_CHECK(cudaMemcpyAsync(dc0, dcn, state_bytes, cudaMemcpyDeviceToDevice));
  } else {
    LAMINA_CUDA_CHECK(cudaMemsetAsync(dc0, 0, state_bytes));
  }
  for (int64_t s = 0; s < T_; ++s) {
    const int64_t t = reverse ? s : T_ - 1 - s;
    const int64_t prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
    const int64_t tnext = reverse ? t - 1 : t + 1;
    const bool first = s == 0;
    if (!first) gemm(dt, 1, B, H, G, dg + tnext * B * G, 0, G, 1, w_hh, 0, H, 1, dhrec);
    launch_cell_bwd<T>(B, H, acts + t * B * G, cs + prev * B * H, cs + cur * B * H,
                       dy ? dy + t * B * H : nullptr, first ? dhn : dhrec, dc0, dg + t * B * G,
                       dc0);
  }
  const int64_t tfirst = reverse ? T_ - 1 : 0;
  gemm(dt, 1, B, H, G, dg + tfirst * B * G, 0, G, 1, w_hh, 0, H, 1, dh0);
  gemm(dt, 1, G, H, R, dg, 0, 1, G, hs + (reverse ? B * H : 0), 0, H, 1, dw_hh);
  if (I > 0) {
    gemm(dt, 1, G, I, R, dg, 0, 1, G, x, 0, I, 1, dw_ih);
    if (dx) gemm(dt, 1, R, I, G, dg, 0, G, 1, w_ih, 0, I, 1, dx);
  }
  if (db) {
    LAMINA_LAUNCH(column_sums_kernel<T>, grid_for(G), kBlock, 0, dg, R, G, db);
  }
}

}  // namespace

void lstm_cell_forward(DType dt, int64_t B, int64_t H, const void* gx, const void* gh,
                       const void* b_ih, const void* b_hh, const void* c_prev, void* h, void* c,
                       void* acts) {
  if (B * H == 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "lstm_cell", [&] {
    typed_call<scalar_t>(launch_cell_fwd<scalar_t>, B, H, gx, gh, b_ih, b_hh, c_prev, c, h, acts);
  });
}

void lstm_cell_backward(DType dt, int64_t B, int64_t H, const void* acts, const void* c_prev,
                        const void* c, const void* dh, const void* dc, void* dgates,
                        void* dc_prev) {
  if (B * H == 0) return;
  LAMINA_DISPATCH_FLOAT(dt, "lstm_cell", [&] {
    typed_call<scalar_t>(launch_cell_bwd<scalar_t>, B, H, acts, c_prev, c, dh, nullptr, dc,
                         dgates, dc_prev);
  });
}

#include "../kernels/lstm_layer_entries.h"

}  // namespace lamina::cuda
