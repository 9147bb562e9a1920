// The fused GRU cell, forward and backward: one pass over (B, H), rows in parallel (the
// math is in kernels/gru.h).
#include "../kernels/gru.h"

#include <algorithm>
#include <cmath>

#include "../core/functors.h"
#include "../core/parallel.h"

namespace lamina::cpu {

namespace {

template <typename T>
void forward_t(int64_t B, int64_t H, const T* gx, const T* gh, const T* h, T* h_out, T* acts) {
  parallel_rows(B, H, 4096, [&](int64_t b) {
    const T* x = gx + b * 3 * H;
    const T* g = gh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const T r = sigmoid(x[j] + g[j]);
      const T z = sigmoid(x[H + j] + g[H + j]);
      const T n = std::tanh(x[2 * H + j] + r * g[2 * H + j]);
      const T hp = h ? h[b * H + j] : T(0);
      h_out[b * H + j] = (T(1) - z) * n + z * hp;
      if (acts) {
        T* a = acts + b * 3 * H;
        a[j] = r, a[H + j] = z, a[2 * H + j] = n;
      }
    }
  });
}

template <typename T>
void backward_t(int64_t B, int64_t H, const T* gh, const T* acts, const T* h, const T* dh,
                T* dgx, T* dgh, T* dh_prev) {
  parallel_rows(B, H, 4096, [&](int64_t b) {
    const T* a = acts + b * 3 * H;
    const T* g = gh + b * 3 * H;
    T* dx = dgx + b * 3 * H;
    T* dg = dgh + b * 3 * H;
    for (int64_t j = 0; j < H; ++j) {
      const T r = a[j], z = a[H + j], n = a[2 * H + j];
      const T d = dh[b * H + j];
      const T hp = h ? h[b * H + j] : T(0);
      const T dn = d * (T(1) - z) * (T(1) - n * n);  // through tanh
      const T dz = d * (hp - n) * z * (T(1) - z);   // through sigmoid
      const T dr = dn * g[2 * H + j] * r * (T(1) - r);
      dx[j] = dr, dx[H + j] = dz, dx[2 * H + j] = dn;
      dg[j] = dr, dg[H + j] = dz, dg[2 * H + j] = dn * r;
      dh_prev[b * H + j] = d * z;
    }
  });
}

}  // namespace

void gru_cell_forward(DType dt, int64_t B, int64_t H, const void* gx, const void* gh,
                      const void* h, void* h_out, void* acts) {
  LAMINA_DISPATCH_FLOAT(dt, "gru_cell", [&] {
    typed_call<scalar_t>(forward_t<scalar_t>, B, H, gx, gh, h, h_out, acts);
  });
}

void gru_cell_backward(DType dt, int64_t B, int64_t H, const void* gh, const void* acts,
                       const void* h, const void* dh, void* dgx, void* dgh, void* dh_prev) {
  LAMINA_DISPATCH_FLOAT(dt, "gru_cell_backward", [&] {
    typed_call<scalar_t>(backward_t<scalar_t>, B, H, gh, acts, h, dh, dgx, dgh, dh_prev);
  });
}

}  // namespace lamina::cpu
