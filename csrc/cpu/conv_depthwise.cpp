// Direct depthwise convolution loops (conv_depthwise.h). Every kernel tap (r, s) and output
// row oh pairs one input row with one output row: the valid output columns [lo, hi) are
// computed once, so the inner loops have no bounds checks (and vectorize for stride 1).
#include "conv_depthwise.h"

#include <algorithm>

#include "../core/parallel.h"

namespace lamina::cpu::conv_detail {

namespace {

// fn(r, s, oh, ih, lo, hi, iw_lo): output row oh reads input row ih through tap (r, s), output
// columns [lo, hi) (non-empty) reading input columns iw_lo + (ow - lo) * sw.
template <class Fn>
void for_taps(const ConvGeom& g, Fn&& fn) {
  for (int64_t r = 0; r < g.R; ++r) {
    for (int64_t s = 0; s < g.S; ++s) {
      const int64_t off = s * g.dw - g.pw;  // iw = ow * sw + off
      const int64_t lo = off >= 0 ? 0 : (-off + g.sw - 1) / g.sw;
      const int64_t hi = off > g.W - 1 ? 0 : std::min(g.OW, (g.W - 1 - off) / g.sw + 1);
      if (lo >= hi) continue;
      for (int64_t oh = 0; oh < g.OH; ++oh) {
        const int64_t ih = oh * g.sh - g.ph + r * g.dh;
        if (ih < 0 || ih >= g.H) continue;
        fn(r, s, oh, ih, lo, hi, lo * g.sw + off);
      }
    }
  }
}

}  // namespace

template <class T>
void depthwise_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t Kg = g.K / g.groups, P = g.OH * g.OW, HW = g.H * g.W, RS = g.R * g.S;
  parallel_for(0, g.N * g.K, 1, [&](int64_t b, int64_t e) {
    for (int64_t nk = b; nk < e; ++nk) {
      const int64_t n = nk / g.K, k = nk % g.K;
      const T* xp = x + (n * g.C + k / Kg) * HW;
      const T* wk = w + k * RS;
      T* yp = y + nk * P;
      std::fill(yp, yp + P, bias ? bias[k] : T(0));
      for_taps(g, [&](int64_t r, int64_t s, int64_t oh, int64_t ih, int64_t lo, int64_t hi,
                      int64_t iw) {
        const T wv = wk[r * g.S + s];
        T* yr = yp + oh * g.OW;
        const T* xr = xp + ih * g.W + iw - lo * g.sw;
        if (g.sw == 1) {
          for (int64_t ow = lo; ow < hi; ++ow) yr[ow] += wv * xr[ow];
        } else {
          for (int64_t ow = lo; ow < hi; ++ow) yr[ow] += wv * xr[ow * g.sw];
        }
      });
    }
  });
}

template <class T>
void depthwise_backward_data(const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t Kg = g.K / g.groups, P = g.OH * g.OW, HW = g.H * g.W, RS = g.R * g.S;
  // one thread per input plane (n, c): all of its Kg output planes add into it
  parallel_for(0, g.N * g.C, 1, [&](int64_t b, int64_t e) {
    for (int64_t nc = b; nc < e; ++nc) {
      const int64_t n = nc / g.C, c = nc % g.C;
      T* xp = dx + nc * HW;
      std::fill(xp, xp + HW, T(0));
      for (int64_t k = c * Kg; k < (c + 1) * Kg; ++k) {
        const T* yp = dy + (n * g.K + k) * P;
        const T* wk = w + k * RS;
        for_taps(g, [&](int64_t r, int64_t s, int64_t oh, int64_t ih, int64_t lo, int64_t hi,
                        int64_t iw) {
          const T wv = wk[r * g.S + s];
          const T* yr = yp + oh * g.OW;
          T* xr = xp + ih * g.W + iw - lo * g.sw;
          if (g.sw == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow] += wv * yr[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) xr[ow * g.sw] += wv * yr[ow];
          }
        });
      }
    }
  });
}

template <class T>
void depthwise_backward_weight(const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const int64_t Kg = g.K / g.groups, P = g.OH * g.OW, HW = g.H * g.W, RS = g.R * g.S;
  // one thread per output channel: the sums over images and positions stay private
  parallel_for(0, g.K, 1, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      T* wk = dw + k * RS;
      std::fill(wk, wk + RS, T(0));
      for (int64_t n = 0; n < g.N; ++n) {
        const T* xp = x + (n * g.C + k / Kg) * HW;
        const T* yp = dy + (n * g.K + k) * P;
        for_taps(g, [&](int64_t r, int64_t s, int64_t oh, int64_t ih, int64_t lo, int64_t hi,
                        int64_t iw) {
          const T* yr = yp + oh * g.OW;
          const T* xr = xp + ih * g.W + iw - lo * g.sw;
          T acc = 0;
          if (g.sw == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) acc += yr[ow] * xr[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) acc += yr[ow] * xr[ow * g.sw];
          }
          wk[r * g.S + s] += acc;
        });
      }
    }
  });
}

#define LAMINA_DW_INSTANTIATE(T)                                                            \
  template void depthwise_forward<T>(const ConvGeom&, const T*, const T*, const T*, T*);    \
  template void depthwise_backward_data<T>(const ConvGeom&, const T*, const T*, T*);        \
  template void depthwise_backward_weight<T>(const ConvGeom&, const T*, const T*, T*);
LAMINA_DW_INSTANTIATE(float)
LAMINA_DW_INSTANTIATE(double)
#undef LAMINA_DW_INSTANTIATE

}  // namespace lamina::cpu::conv_detail
