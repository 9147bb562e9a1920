// The driver of the direct convolution (conv_direct.h): work items are (image, group, band of
// output rows); each builds its band's input rows zero padded and split by column phase in a
// thread's scratch, then runs the per-ISA rows of conv_direct_impl.h on them.
#include "conv_direct.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_direct_impl.h"
#include "conv_threads.h"
#include "isa.h"
#include "scratch.h"

namespace lamina::cpu {
namespace avx2::conv_direct {
template <class T>
void rows(const conv_detail::DirectRows<T>& a);
}
namespace avx512::conv_direct {
template <class T>
void rows(const conv_detail::DirectRows<T>& a);
}

namespace conv_detail {

namespace {

thread_local Scratch t_band;  // one item's padded input rows

constexpr int64_t kBandBytes = 256 << 10;  // padded rows of one item, in L2 with the weight

}  // namespace

template <class T>
void direct_forward(const ConvGeom& g, const T* x, const T* w, const T* bias, T* y) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, Kd = Cg * g.R * g.S;
  const int64_t nkb = ceil_div(Kg, kKB);
  std::vector<T> wp(size_t(G * nkb * Kd * kKB), T(0));  // [gi][kblk][c][r][s][kb]
  for (int64_t gi = 0; gi < G; ++gi)
    for (int64_t k = 0; k < Kg; ++k)
      for (int64_t t = 0; t < Kd; ++t)
        wp[size_t(((gi * nkb + k / kKB) * Kd + t) * kKB + k % kKB)] = w[(gi * Kg + k) * Kd + t];
  // phase rows hold every column a tile reads: tiles are at most 128 bytes of columns wide
  const int64_t tile_cols = 128 / int64_t(sizeof(T));
  const int64_t wq = ceil_div(g.OW, tile_cols) * tile_cols + (g.S - 1) * g.dw / g.sw + 1;
  const int64_t rs = g.sw * wq;
  std::vector<int64_t> soff(size_t(g.S));
  for (int64_t s = 0; s < g.S; ++s) soff[size_t(s)] = (s * g.dw) % g.sw * wq + (s * g.dw) / g.sw;
  // bands: about 3 items a thread, each band's rows within kBandBytes
  const int64_t nt = get_num_threads();
  int64_t band = ceil_div(g.OH, std::clamp<int64_t>(ceil_div(3 * nt, g.N * G), 1, g.OH));
  auto rows_of = [&](int64_t b) { return (b - 1) * g.sh + (g.R - 1) * g.dh + 1; };
  while (band > 1 && Cg * rows_of(band) * rs * int64_t(sizeof(T)) > kBandBytes)
    band = ceil_div(band, 2);
  const int64_t nband = ceil_div(g.OH, band);
  claim_items(g.N * G * nband, [&](int64_t it, int64_t) {
    const int64_t n = it / (G * nband), gi = (it / nband) % G;
    const int64_t oh0 = (it % nband) * band, oh1 = std::min(g.OH, oh0 + band);
    const int64_t nr = rows_of(oh1 - oh0);
    T* xb = t_band.get<T>(Cg * nr * rs);
    const T* xg = x + (n * g.C + gi * Cg) * g.H * g.W;
    for (int64_t c = 0; c < Cg; ++c)
      for (int64_t rr = 0; rr < nr; ++rr) {
        const int64_t ih = oh0 * g.sh - g.ph + rr;
        for (int64_t q = 0; q < g.sw; ++q) {
          T* d = xb + (c * nr + rr) * rs + q * wq;
          if (ih < 0 || ih >= g.H) {
            std::fill(d, d + wq, T(0));
            continue;
          }
          // value j is column j * sw + q - pw: inside the row for j in [jlo, jhi)
          const T* src = xg + (c * g.H + ih) * g.W + q - g.pw;
          int64_t jlo, jhi;
          valid_range(q - g.pw, g.sw, g.W, wq, jlo, jhi);
          std::fill(d, d + jlo, T(0));
          if (g.sw == 1)
            std::memcpy(d + jlo, src + jlo, size_t(jhi - jlo) * sizeof(T));
          else
            for (int64_t j = jlo; j < jhi; ++j) d[j] = src[j * g.sw];
          std::fill(d + jhi, d + wq, T(0));
        }
      }
    const DirectRows<T> a{xb, nr, rs, soff.data(), wp.data() + gi * nkb * Kd * kKB,
                          bias ? bias + gi * Kg : nullptr, y + (n * g.K + gi * Kg) * g.OH * g.OW,
                          Cg, Kg, g.R, g.S, g.sh, g.dh, g.OH, g.OW, oh0, oh1};
    LAMINA_ISA(conv_direct::rows<T>)(a);
  });
}

template void direct_forward<float>(const ConvGeom&, const float*, const float*, const float*,
                                    float*);
template void direct_forward<double>(const ConvGeom&, const double*, const double*,
                                     const double*, double*);

}  // namespace conv_detail
}  // namespace lamina::cpu
