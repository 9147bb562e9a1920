#pragma once
// 2-D pooling over contiguous planes: x (P, H, W) -> y (P, OH, OW), P = N * C. The sizes are
// checked by ops/pool.cpp (torch's rules), so every window of a non-dilated pooling holds at
// least one input element.
//
// Max pooling, like torch: the first maximum in row-major window order wins ties; NaN
// propagates (a window holding NaN gives NaN, its index that of the window's last NaN).
// Indices are flat offsets into each H * W plane.
#include <cstdint>
#include <limits>

#include "../core/dtype.h"
#include "../core/hd.h"
#include "kernel.h"

namespace lamina {

// One pooling geometry. Window (oh, ow) covers rows oh * sH - pH + kh * dH (kh < kH) and
// columns ow * sW - pW + kw * dW (kw < kW); positions outside the plane are padding.
struct Pool2d {
  int64_t P, H, W, OH, OW;
  int64_t kH, kW, sH, sW, pH, pW, dH, dW;
};

}  // namespace lamina

#define LAMINA_POOL_KERNELS(X)                                                             \
  /* y (P, OH, OW); idx (P, OH, OW) int64 or null (values only). */                         \
  X(max_pool2d, (DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx))          \
  /* Average over each window's elements inside the plane; divisor: divisor_override when   \
     > 0, else the window's size clipped to the padded plane (count_include_pad) or to the  \
     plane. */                                                                              \
  X(avg_pool2d, (DType dt, const Pool2d& g, const void* x, void* y, bool count_include_pad, \
                 int64_t divisor_override))                                                 \
  /* dy (P, OH, OW) -> dx (P, H, W), every element written. */                              \
  X(avg_pool2d_backward, (DType dt, const Pool2d& g, const void* dy, void* dx,              \
                          bool count_include_pad, int64_t divisor_override))                \
  /* Adaptive windows: rows [floor(oh * H / OH), ceil((oh + 1) * H / OH)), columns          \
     likewise. OH = OW = 1 is a plane mean / max. */                                        \
  X(adaptive_avg_pool2d, (DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,            \
                          int64_t OW, const void* x, void* y))                              \
  X(adaptive_avg_pool2d_backward, (DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,   \
                                   int64_t OW, const void* dy, void* dx))                   \
  X(adaptive_max_pool2d, (DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,            \
                          int64_t OW, const void* x, void* y, int64_t* idx))                \
  /* Backward of every max pooling: dx (P, in_plane) = 0, then                              \
     dx[p, idx[p, o]] += dy[p, o]. */                                                       \
  X(max_pool2d_backward, (DType dt, int64_t P, int64_t in_plane, int64_t out_plane,         \
                          const void* dy, const int64_t* idx, void* dx))

LAMINA_DECLARE_KERNELS(LAMINA_POOL_KERNELS)

namespace lamina {

// First in-plane position of a window starting at s0 with dilation d, and its end (exclusive).
LAMINA_HD int64_t first_in(int64_t s0, int64_t d) {
  return s0 >= 0 ? s0 : s0 + ((-s0 + d - 1) / d) * d;
}
LAMINA_HD int64_t end_in(int64_t s0, int64_t kn, int64_t d, int64_t n) {
  const int64_t e = s0 + (kn - 1) * d + 1;
  return e < n ? e : n;
}

// The max of rows hs, hs + dh, .. < he and columns ws, ws + dw, .. < we of plane x (row length
// W) -> *out, and its flat index -> *oidx unless null. Both devices' max pooling, plain and
// adaptive.
template <typename T>
LAMINA_HD void max_rect(const T* x, int64_t W, int64_t hs, int64_t he, int64_t dh, int64_t ws,
                        int64_t we, int64_t dw, T* out, int64_t* oidx) {
  T m = -std::numeric_limits<T>::infinity();
  int64_t mi = hs * W + ws;
  for (int64_t ih = hs; ih < he; ih += dh)
    for (int64_t iw = ws; iw < we; iw += dw) {
      const T v = x[ih * W + iw];
      if (v > m || v != v) {
        m = v;
        mi = ih * W + iw;
      }
    }
  *out = m;
  if (oidx) *oidx = mi;
}

// The exact max of one window: rows h0 + kh * dH, columns w0 + kw * dW, inside the plane.
template <typename T>
LAMINA_HD void max_window(const T* x, const Pool2d& g, int64_t h0, int64_t w0, T* out,
                          int64_t* oidx) {
  max_rect(x, g.W, first_in(h0, g.dH), end_in(h0, g.kH, g.dH, g.H), g.dH, first_in(w0, g.dW),
           end_in(w0, g.kW, g.dW, g.W), g.dW, out, oidx);
}

// Adaptive pooling: output o of n_out covers inputs [a_start, a_end) of n_in.
LAMINA_HD int64_t a_start(int64_t o, int64_t n_in, int64_t n_out) { return (o * n_in) / n_out; }
LAMINA_HD int64_t a_end(int64_t o, int64_t n_in, int64_t n_out) {
  return ((o + 1) * n_in + n_out - 1) / n_out;
}

}  // namespace lamina
