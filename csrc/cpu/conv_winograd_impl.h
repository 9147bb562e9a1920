// The transforms of Winograd F(2x2, 3x3) (conv_winograd.cpp), compiled once per ISA
// (simd/target.h): by conv_winograd.cpp (generic) and the one-line conv_winograd_avx2.cpp /
// conv_winograd_avx512.cpp, so GCC vectorizes their loops at each ISA's width. Every loop runs
// along unit strides: the tiles of a row (input, gradient) or the output channels (output).
// No STL in here: an inline std:: template instantiated with AVX-512 flags could be the copy
// the linker keeps for the other paths.
#include <cstdint>
#include <cstring>

#include "../kernels/conv.h"
#include "simd/target.h"

namespace lamina::cpu::LAMINA_CPU_NS::winograd {

template <class T>
inline void fill_zero(T* p, int64_t n) {
  for (int64_t i = 0; i < n; ++i) p[i] = T(0);
}

inline int64_t clamp64(int64_t v, int64_t lo, int64_t hi) { return v < lo ? lo : v > hi ? hi : v; }

// Splits the L values of row d into its even (e[j] = d[2j]) and odd (o[j] = d[2j + 1])
// columns, so the transforms along a row of tiles read unit strides and vectorize.
template <class T>
inline void deinterleave(const T* __restrict d, int64_t L, T* __restrict e, T* __restrict o) {
  for (int64_t j = 0; j < L / 2; ++j) {
    e[j] = d[2 * j];
    o[j] = d[2 * j + 1];
  }
}

// h[b][j] = (the 4 values of row r under tile j) B, for the even / odd columns e, o of row r:
// tile j covers columns 2j .. 2j + 3 = e[j], o[j], e[j + 1], o[j + 1].
template <class T>
inline void row_transform(const T* __restrict e, const T* __restrict o, int64_t tw,
                          T* __restrict h) {
  T* __restrict h0 = h;
  T* __restrict h1 = h + tw;
  T* __restrict h2 = h + 2 * tw;
  T* __restrict h3 = h + 3 * tw;
  for (int64_t j = 0; j < tw; ++j) {
    h0[j] = e[j] - e[j + 1];
    h1[j] = o[j] + e[j + 1];
    h2[j] = e[j + 1] - o[j];
    h3[j] = o[j] - o[j + 1];
  }
}

// o[(4a + b) xs + j] = (B^T applied down the 4 rows h_0..h_3 of column b)[a], h_r at h + 4 r tw.
template <class T>
inline void column_transform(const T* __restrict h, int64_t tw, T* __restrict o, int64_t xs) {
  const T* __restrict a0 = h;
  const T* __restrict a1 = h + 4 * tw;
  const T* __restrict a2 = h + 8 * tw;
  const T* __restrict a3 = h + 12 * tw;
  T* __restrict o0 = o;
  T* __restrict o1 = o + 4 * xs;
  T* __restrict o2 = o + 8 * xs;
  T* __restrict o3 = o + 12 * xs;
  for (int64_t j = 0; j < tw; ++j) {
    o0[j] = a0[j] - a2[j];
    o1[j] = a1[j] + a2[j];
    o2[j] = a2[j] - a1[j];
    o3[j] = a1[j] - a3[j];
  }
}

// v[xi][c][t] (xi stride xs) for the tiles of tile rows [ti0, ti0 + nrows), tw per row:
// tile (ti, j) reads input rows 2 ti - ph + 0..3 and columns 2 j - pw + 0..3 of channel c
// (zero outside). xg: the group's first input channel of the image; scratch: 26 tw + 12.
template <class T>
void transform_input(const ConvGeom& g, const T* xg, int64_t Cg, int64_t ti0, int64_t nrows,
                     int64_t tw, T* v, int64_t xs, T* scratch) {
  const int64_t L = 2 * tw + 2, tb = nrows * tw, HW = g.H * g.W, half = tw + 1;
  const int64_t lo = clamp64(g.pw, 0, L), hi = clamp64(g.pw + g.W, lo, L);
  T* row = scratch;            // one zero-padded input row (L)
  T* eo = row + L;             // even and odd columns of the 4 rows (8 half)
  T* h = eo + 8 * half;        // h[r][b][j] (16 tw)
  for (int64_t c = 0; c < Cg; ++c) {
    const T* xc = xg + c * HW;
    for (int64_t i = 0; i < nrows; ++i) {
      const int64_t ih0 = 2 * (ti0 + i) - g.ph;
      for (int64_t r = 0; r < 4; ++r) {  // row[q] = x[ih0 + r, q - pw], 0 outside
        const int64_t ih = ih0 + r;
        if (ih < 0 || ih >= g.H) {
          fill_zero(row, L);
        } else {
          fill_zero(row, lo);
          std::memcpy(row + lo, xc + ih * g.W + (lo - g.pw), size_t(hi - lo) * sizeof(T));
          fill_zero(row + hi, L - hi);
        }
        deinterleave(row, L, eo + 2 * r * half, eo + (2 * r + 1) * half);
        row_transform(eo + 2 * r * half, eo + (2 * r + 1) * half, tw, h + 4 * r * tw);
      }
      T* o = v + c * tb + i * tw;
      for (int64_t b = 0; b < 4; ++b) {  // down the columns: B^T (h_0 .. h_3)
        column_transform(h + b * tw, tw, o + b * xs, xs);
      }
    }
  }
}

// out[2u + v][k] = bz[k] + (A^T M_k A)[u][v] for one tile, M_k's 16 values at s[xi * xs + k]
// (A^T = [1 1 1 0; 0 1 -1 -1]): one pass along k, 16 loads and 4 stores per k.
template <class T>
inline void output_tile(const T* s, int64_t xs, int64_t Kg, const T* __restrict bz,
                        T* __restrict out) {
  const T* __restrict p0 = s;
  const T* __restrict p1 = s + xs;
  const T* __restrict p2 = s + 2 * xs;
  const T* __restrict p3 = s + 3 * xs;
  const T* __restrict p4 = s + 4 * xs;
  const T* __restrict p5 = s + 5 * xs;
  const T* __restrict p6 = s + 6 * xs;
  const T* __restrict p7 = s + 7 * xs;
  const T* __restrict p8 = s + 8 * xs;
  const T* __restrict p9 = s + 9 * xs;
  const T* __restrict p10 = s + 10 * xs;
  const T* __restrict p11 = s + 11 * xs;
  const T* __restrict p12 = s + 12 * xs;
  const T* __restrict p13 = s + 13 * xs;
  const T* __restrict p14 = s + 14 * xs;
  const T* __restrict p15 = s + 15 * xs;
  T* __restrict o0 = out;
  T* __restrict o1 = out + Kg;
  T* __restrict o2 = out + 2 * Kg;
  T* __restrict o3 = out + 3 * Kg;
  for (int64_t k = 0; k < Kg; ++k) {
    // t = A^T M (rows 0 and 1, columns 0..3), then the outputs t A
    const T t00 = p0[k] + p4[k] + p8[k], t01 = p1[k] + p5[k] + p9[k];
    const T t02 = p2[k] + p6[k] + p10[k], t03 = p3[k] + p7[k] + p11[k];
    const T t10 = p4[k] - p8[k] - p12[k], t11 = p5[k] - p9[k] - p13[k];
    const T t12 = p6[k] - p10[k] - p14[k], t13 = p7[k] - p11[k] - p15[k];
    o0[k] = bz[k] + t00 + t01 + t02;
    o1[k] = bz[k] + t01 - t02 - t03;
    o2[k] = bz[k] + t10 + t11 + t12;
    o3[k] = bz[k] + t11 - t12 - t13;
  }
}

// y[k, 2 ti + u, 2 j + v] (+ bias[k]) = (A^T M A)[u][v] for the block's tiles, m[xi][t][k]
// (xi stride xs); yg: the group's first output channel of the image. A row of tiles at a time:
// the transform along k into stage ((4 tw + 1) Kg: tile j's 4 outputs at 4 j Kg), then the two
// output rows of each channel written left to right. (Storing each tile's outputs straight
// into the K planes walks a power-of-two stride through one L1 set: 1.4x slower at 32^2.)
template <class T>
void transform_output(const ConvGeom& g, const T* m, int64_t Kg, int64_t ti0, int64_t nrows,
                      int64_t tw, int64_t xs, const T* bias, T* yg, T* stage) {
  const int64_t P = g.OH * g.OW, half = g.OW / 2, Q = 4 * Kg;
  T* bz = stage + tw * Q;  // the bias, or zeros
  for (int64_t k = 0; k < Kg; ++k) bz[k] = bias ? bias[k] : T(0);
  for (int64_t i = 0; i < nrows; ++i) {
    const int64_t oh = 2 * (ti0 + i);
    for (int64_t j = 0; j < tw; ++j) output_tile(m + (i * tw + j) * Kg, xs, Kg, bz, stage + j * Q);
    for (int64_t u = 0; u < 2 && oh + u < g.OH; ++u) {
      for (int64_t k = 0; k < Kg; ++k) {
        const T* __restrict st = stage + 2 * u * Kg + k;  // (u, v = 0) of tile j at st[j Q]
        T* __restrict yr = yg + k * P + (oh + u) * g.OW;
        for (int64_t j = 0; j < half; ++j) {
          yr[2 * j] = st[j * Q];
          yr[2 * j + 1] = st[j * Q + Kg];
        }
        if (half < tw) yr[2 * half] = st[half * Q];  // odd OW: the last tile's first column
      }
    }
  }
}

// o[(4a + b) xs + j] = (A E_j A^T)[a][b] for the 2x2 tiles E_j of two rows, given as their
// even and odd columns eo = (e_0, o_0, e_1, o_1), tw each: row u of E_j A^T has
// ce[b] e_u[j] + co[b] o_u[j] at b (A^T's columns), then A adds the two rows.
template <class T>
inline void grad_columns(const T* __restrict eo, int64_t tw, T* __restrict o, int64_t xs) {
  const T* __restrict e0 = eo;
  const T* __restrict o0 = eo + tw;
  const T* __restrict e1 = eo + 2 * tw;
  const T* __restrict o1 = eo + 3 * tw;
  for (int b = 0; b < 4; ++b) {
    const T ce = b < 3 ? T(1) : T(0), co = b == 0 ? T(0) : b == 1 ? T(1) : T(-1);
    T* __restrict d0 = o + b * xs;
    T* __restrict d1 = o + (4 + b) * xs;
    T* __restrict d2 = o + (8 + b) * xs;
    T* __restrict d3 = o + (12 + b) * xs;
    for (int64_t j = 0; j < tw; ++j) {
      const T a0 = ce * e0[j] + co * o0[j], a1 = ce * e1[j] + co * o1[j];
      d0[j] = a0;
      d1[j] = a0 + a1;
      d2[j] = a0 - a1;
      d3[j] = -a1;
    }
  }
}

// d[xi][k][t] (xi stride xs) = (A dy_t A^T)[xi] for the block's tiles, A = A^T's transpose:
// the transform of the output gradient's 2x2 tiles (zero outside OH x OW), for the weight
// gradient. dyg: the group's first output channel of the image; rows: 8 tw scratch values.
template <class T>
void transform_grad(const ConvGeom& g, const T* dyg, int64_t Kg, int64_t ti0, int64_t nrows,
                    int64_t tw, T* d, int64_t xs, T* rows) {
  const int64_t P = g.OH * g.OW, tb = nrows * tw, L = 2 * tw;
  for (int64_t k = 0; k < Kg; ++k) {
    for (int64_t i = 0; i < nrows; ++i) {
      const int64_t oh = 2 * (ti0 + i);
      for (int64_t u = 0; u < 2; ++u) {  // rows[u][q] = dy[k, oh + u, q], 0 outside
        T* r = rows + u * L;
        if (oh + u < g.OH) {
          std::memcpy(r, dyg + k * P + (oh + u) * g.OW, size_t(g.OW) * sizeof(T));
          fill_zero(r + g.OW, L - g.OW);
        } else {
          fill_zero(r, L);
        }
      }
      T* eo = rows + 2 * L;  // even and odd columns of the 2 rows (4 tw)
      deinterleave(rows, L, eo, eo + tw);
      deinterleave(rows + L, L, eo + 2 * tw, eo + 3 * tw);
      grad_columns(eo, tw, d + k * tb + i * tw, xs);
    }
  }
}

#define LAMINA_WINOGRAD_INSTANTIATE(T)                                                        \
  template void transform_input<T>(const ConvGeom&, const T*, int64_t, int64_t, int64_t,      \
                                   int64_t, T*, int64_t, T*);                                 \
  template void transform_output<T>(const ConvGeom&, const T*, int64_t, int64_t, int64_t,     \
                                    int64_t, int64_t, const T*, T*, T*);                      \
  template void transform_grad<T>(const ConvGeom&, const T*, int64_t, int64_t, int64_t,       \
                                  int64_t, T*, int64_t, T*);
LAMINA_WINOGRAD_INSTANTIATE(float)
LAMINA_WINOGRAD_INSTANTIATE(double)
#undef LAMINA_WINOGRAD_INSTANTIATE

}  // namespace lamina::cpu::LAMINA_CPU_NS::winograd
