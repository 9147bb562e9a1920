#pragma once
// The fused LSTM cell of the CPU kernels (lstm.cpp): its formulas, the scalar code, and the
// per-ISA copies of lstm_impl.h picked by cpu::isa().
//
// Gate layout of a row of pre-activations / activations / gate gradients (4H values): blocks
// of nb hidden units; hidden unit j of block k = j / nb (nbk = min(nb, H - k nb) units in it)
// has gate q (0 i, 1 f, 2 g, 3 o) at column 4 nb k + q nbk + (j - k nb). nb >= H is torch's
// layout (i | f | g | o); the layer uses nb = the GEMM's panel width, so that a thread owning
// some blocks computes all four gates of its hidden units (lstm.cpp).
//
// forward:  pre = gx + gh + b1 + b2 (each optional but gx); i, f, o = sigmoid, g = tanh;
//           c = f c_prev + i g; h = o tanh(c); acts = (i, f, g, o) (optional; may alias gx:
//           each unit's four pre-activations are read before its activations are written)
// backward: dh = dh1 + dh2, dc = dc_next + dh o (1 - tanh(c)^2);
//           d pre_i = dc g i (1 - i), d pre_f = dc c_prev f (1 - f), d pre_g = dc i (1 - g^2),
//           d pre_o = dh tanh(c) o (1 - o); dc_prev = dc f (may alias dc_next)
#include <cmath>
#include <cstdint>

#include "../core/functors.h"
#include "isa.h"

namespace lamina::cpu::lstm {

template <typename T>
struct CellFwd {
  int64_t H, nb;
  const T* gx;        // (B, 4H) row stride ldgx
  int64_t ldgx;
  const T* gh;        // (B, 4H) row stride ldgh, or null
  int64_t ldgh;
  const T* b1;        // (4H,) or null
  const T* b2;        // (4H,) or null
  const T* c_prev;    // (B, H) row stride H, or null (zeros)
  T* c;               // (B, H) row stride H
  T* h;               // (B, H) row stride ldh
  int64_t ldh;
  T* acts;            // (B, 4H) row stride 4H, or null
};

template <typename T>
struct CellBwd {
  int64_t H, nb;
  const T* acts;      // (B, 4H) row stride 4H
  const T* c_prev;    // (B, H) row stride H, or null (zeros)
  const T* c;         // (B, H) row stride H
  const T* dh1;       // (B, H) row stride lddh1, or null
  int64_t lddh1;
  const T* dh2;       // (B, H) row stride lddh2, or null
  int64_t lddh2;
  const T* dc_next;   // (B, H) row stride H, or null
  T* dgates;          // (B, 4H) row stride 4H
  T* dc_prev;         // (B, H) row stride H, or null
};

// The code below has internal linkage: the SIMD files compile their own copies with their
// flags, which must not replace the portable path's.
namespace {

// Pointers of one block's segment in a row: the block's first gate column and unit.
struct Seg {
  int64_t g0;  // column of gate i of the block's first unit (gate q at g0 + q * n)
  int64_t j0;  // first hidden unit
  int64_t n;   // units in the block
};

inline Seg seg_of(int64_t H, int64_t nb, int64_t k) {
  const int64_t j0 = k * nb;
  const int64_t n = H - j0 < nb ? H - j0 : nb;
  return Seg{4 * nb * k, j0, n};
}

// Units [u0, u1) of segment s in row b, scalar.
template <typename T>
inline void fwd_scalar(const CellFwd<T>& a, int64_t b, const Seg& s, int64_t u0, int64_t u1) {
  const T* gx = a.gx + b * a.ldgx + s.g0;
  const T* gh = a.gh ? a.gh + b * a.ldgh + s.g0 : nullptr;
  const T* b1 = a.b1 ? a.b1 + s.g0 : nullptr;
  const T* b2 = a.b2 ? a.b2 + s.g0 : nullptr;
  const int64_t n = s.n;
  for (int64_t u = u0; u < u1; ++u) {
    T p[4];
    for (int q = 0; q < 4; ++q) {
      T v = gx[q * n + u];
      if (gh) v += gh[q * n + u];
      if (b1) v += b1[q * n + u];
      if (b2) v += b2[q * n + u];
      p[q] = v;
    }
    const T i = sigmoid(p[0]), f = sigmoid(p[1]), g = std::tanh(p[2]), o = sigmoid(p[3]);
    const int64_t j = s.j0 + u;
    const T cp = a.c_prev ? a.c_prev[b * a.H + j] : T(0);
    const T c = f * cp + i * g;
    a.c[b * a.H + j] = c;
    a.h[b * a.ldh + j] = o * std::tanh(c);
    if (a.acts) {
      T* ac = a.acts + b * 4 * a.H + s.g0;
      ac[u] = i, ac[n + u] = f, ac[2 * n + u] = g, ac[3 * n + u] = o;
    }
  }
}

template <typename T>
inline void bwd_scalar(const CellBwd<T>& a, int64_t b, const Seg& s, int64_t u0, int64_t u1) {
  const T* ac = a.acts + b * 4 * a.H + s.g0;
  T* dg = a.dgates + b * 4 * a.H + s.g0;
  const int64_t n = s.n;
  for (int64_t u = u0; u < u1; ++u) {
    const int64_t j = s.j0 + u;
    const T i = ac[u], f = ac[n + u], g = ac[2 * n + u], o = ac[3 * n + u];
    T dh = T(0);
    if (a.dh1) dh += a.dh1[b * a.lddh1 + j];
    if (a.dh2) dh += a.dh2[b * a.lddh2 + j];
    const T tc = std::tanh(a.c[b * a.H + j]);
    T dc = dh * o * (T(1) - tc * tc);
    if (a.dc_next) dc += a.dc_next[b * a.H + j];
    const T cp = a.c_prev ? a.c_prev[b * a.H + j] : T(0);
    dg[u] = dc * g * i * (T(1) - i);
    dg[n + u] = dc * cp * f * (T(1) - f);
    dg[2 * n + u] = dc * i * (T(1) - g * g);
    dg[3 * n + u] = dh * tc * o * (T(1) - o);
    if (a.dc_prev) a.dc_prev[b * a.H + j] = dc * f;
  }
}

// Rows [b0, b1), blocks [k0, k1), each segment whole through unit (fwd_scalar, bwd_scalar).
template <class A, class F>
void each_segment(const A& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1, F unit) {
  for (int64_t b = b0; b < b1; ++b)
    for (int64_t k = k0; k < k1; ++k) {
      const Seg s = seg_of(a.H, a.nb, k);
      unit(a, b, s, 0, s.n);
    }
}

// Rows [b0, b1), blocks [k0, k1): the entry points per path.
template <typename T>
void fwd_portable(const CellFwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  each_segment(a, b0, b1, k0, k1, fwd_scalar<T>);
}

template <typename T>
void bwd_portable(const CellBwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  each_segment(a, b0, b1, k0, k1, bwd_scalar<T>);
}

}  // namespace

#define LAMINA_LSTM_CELL_DECL(NS)                                                         \
  namespace NS {                                                                          \
  void cell_fwd(const CellFwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1); \
  void cell_fwd(const CellFwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1); \
  void cell_bwd(const CellBwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1); \
  void cell_bwd(const CellBwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1); \
  }
LAMINA_LSTM_CELL_DECL(generic)
LAMINA_LSTM_CELL_DECL(avx2)
LAMINA_LSTM_CELL_DECL(avx512)
#undef LAMINA_LSTM_CELL_DECL

// The cell of the widest ISA allowed (cpu/isa.h).
template <typename T>
void cell_fwd(const CellFwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  LAMINA_ISA(cell_fwd(a, b0, b1, k0, k1));
}
template <typename T>
void cell_bwd(const CellBwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  LAMINA_ISA(cell_bwd(a, b0, b1, k0, k1));
}

}  // namespace lamina::cpu::lstm
