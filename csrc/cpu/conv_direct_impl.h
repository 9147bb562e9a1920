#pragma once
// Direct convolution rows for layers with few input channels (conv_direct.cpp), compiled once
// per ISA (simd/target.h): by conv_direct.cpp (generic) and the one-line conv_direct_avx2.cpp /
// conv_direct_avx512.cpp. The output columns are the vector lanes: a tile keeps kKB output
// channels x kNV vectors of one output row in registers and adds, for every tap (c, r, s), the
// vector of input values under it times the tap's broadcast weight. The input rows come zero
// padded and split by column phase (padded column j * sw + q is value j of phase row q), so
// every tap of every stride and dilation reads one unit-stride run. No STL in here (see
// conv_winograd_impl.h).
#include <cstdint>

#include "conv_direct.h"
#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS::conv_direct {

using conv_detail::kKB;  // output channels a weight block
// The register tile: kTK output channels (of a weight block) x kNV vectors of columns, with
// enough accumulators to cover the FMA latency and room for the input vectors and the weight
// broadcast (AVX-512: 16 of 32 registers; AVX2: 12 of 16).
#if defined(__AVX512F__)
constexpr int kTK = 8, kNV = 2;
#elif defined(__AVX2__)
constexpr int kTK = 4, kNV = 3;
#else
constexpr int kTK = 8, kNV = 1;
#endif
static_assert(kKB % kTK == 0, "a tile takes part of one weight block");

template <class T>
struct Vec;
template <>
struct Vec<float> {
  using S = simd::F;
};
template <>
struct Vec<double> {
  using S = simd::D;
};

template <class T>
using Rows = conv_detail::DirectRows<T>;

// Output row oh, channels [k0, k0 + kn) (kn <= kTK; weights wblk[t * kKB + kb], kb < kTK),
// columns [ow0, ow0 + n), n <= NV * L. KS: 0, or KS x KS taps known at compile time, a row's
// KS columns at unit stride (soff[s] == s): loops the compiler unrolls.
template <class T, int NV, int KS>
inline void tile(const Rows<T>& a, const T* wblk, int64_t k0, int64_t kn, int64_t oh,
                 int64_t ow0, int64_t n) {
  using S = typename Vec<T>::S;
  using V = typename S::V;
  constexpr int L = S::L;
  V acc[kTK][NV];
#pragma GCC unroll 16
  for (int kb = 0; kb < kTK; ++kb)
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[kb][v] = S::zero();
  const T* w = wblk;
  for (int64_t c = 0; c < a.Cg; ++c)
#pragma GCC unroll 8
    for (int64_t r = 0; r < (KS ? KS : a.R); ++r) {
      const int64_t rr = (oh - a.oh0) * a.sh + r * a.dh;
      const T* row = a.xb + (c * a.nr + rr) * a.rs + ow0;
      const int64_t ns = KS ? KS : a.S;
#pragma GCC unroll 8
      for (int64_t s = 0; s < ns; ++s, w += kKB) {
        const T* xp = row + (KS ? s : a.soff[s]);
        V xv[NV];
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) xv[v] = S::loadu(xp + v * L);
#pragma GCC unroll 16
        for (int kb = 0; kb < kTK; ++kb) {
          const V wv = S::set1(w[kb]);
#pragma GCC unroll 4
          for (int v = 0; v < NV; ++v) acc[kb][v] = S::fmadd(wv, xv[v], acc[kb][v]);
        }
      }
    }
  // Unrolled with constant indices only: an accumulator indexed by a run-time channel puts the
  // whole array on the stack (zeroed there, stored back after the loop: a quarter of a 27-tap
  // tile's time, perf).
#pragma GCC unroll 16
  for (int kb = 0; kb < kTK; ++kb) {
    if (kb >= kn) break;
    const int64_t k = k0 + kb;
    const V b = S::set1(a.bias ? a.bias[k] : T(0));
    T* yr = a.y + (k * a.OH + oh) * a.OW + ow0;
    if (n == NV * L) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) S::storeu(yr + v * L, S::add(acc[kb][v], b));
    } else {
      T t[NV * L];
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) S::storeu(t + v * L, S::add(acc[kb][v], b));
      for (int64_t i = 0; i < n; ++i) yr[i] = t[i];
    }
  }
}

// Every output of the band.
template <class T, int KS>
void band(const Rows<T>& a) {
  constexpr int64_t L = Vec<T>::S::L;
  constexpr int64_t W = kNV * L;  // output columns a tile
  const int64_t Kd = a.Cg * a.R * a.S;
  for (int64_t oh = a.oh0; oh < a.oh1; ++oh)
    for (int64_t k0 = 0; k0 < a.Kg; k0 += kTK) {
      const T* wblk = a.wp + (k0 / kKB) * Kd * kKB + k0 % kKB;
      const int64_t kn = a.Kg - k0 < kTK ? a.Kg - k0 : kTK;
      // A 1-vector tile has only kTK accumulators: with AVX2's 4 it waits on the FMA latency
      // as long as a 2-vector tile takes. So a row of 3q + 1 vectors ends in two 2-vector
      // tiles instead of 3 + 1 (32 columns: 8 FMA cycles a tap instead of 10).
      constexpr int64_t kPair = kNV == 3 ? 2 : 1;
      const int64_t full = a.OW / W, rest = a.OW % W;
      const bool pairs = kNV == 3 && full > 0 && rest > 0 && rest <= L;
      int64_t ow0 = 0;
      for (int64_t t = pairs ? 1 : 0; t < full; ++t, ow0 += W)
        tile<T, kNV, KS>(a, wblk, k0, kn, oh, ow0, W);
      if (pairs) {
        tile<T, kPair, KS>(a, wblk, k0, kn, oh, ow0, kPair * L);
        ow0 += kPair * L;
      }
      const int64_t n = a.OW - ow0;  // the last columns: as few vectors as they need
      if (n > (kNV - 1) * L) tile<T, kNV, KS>(a, wblk, k0, kn, oh, ow0, n);
      else if (kNV > 2 && n > L) tile<T, kPair, KS>(a, wblk, k0, kn, oh, ow0, n);
      else if (n > 0) tile<T, 1, KS>(a, wblk, k0, kn, oh, ow0, n);
    }
}

template <class T>
void rows(const Rows<T>& a) {
  // 3x3 taps, unit column stride and dilation: the tap loops unrolled. AVX2 has only 8 FMAs
  // a tap to hide the loops' own instructions behind.
  if (a.R == 3 && a.S == 3 && a.soff[1] == 1 && a.soff[2] == 2) {
    band<T, 3>(a);
  } else {
    band<T, 0>(a);
  }
}

template void rows<float>(const Rows<float>&);
template void rows<double>(const Rows<double>&);

}  // namespace lamina::cpu::LAMINA_CPU_NS::conv_direct
