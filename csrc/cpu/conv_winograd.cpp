// Winograd F(2x2, 3x3) convolution (Lavin and Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2015). Each 2x2 block of outputs ("tile") of one image and output channel k comes
// from the 4x4 input patch d_c above it in every input channel c:
//     Y = A^T [ sum_c (G w[k,c] G^T) .* (B^T d_c B) ] A
// with B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1], G = [1 0 0; .5 .5 .5; .5 -.5 .5; 0 0 1],
// A^T = [1 1 1 0; 0 1 -1 -1]. The sum over c at each of the 16 points xi of the 4x4 transform
// domain is a GEMM, so one conv is 16 GEMMs of depth C: 16 multiplies per 4 outputs and
// channel pair instead of 36, and transforms that cost O(C + K) per tile.
//
// Per call: U[xi][c][k] = (G w[k,c] G^T)[xi], the weight transformed once and packed as the
// GEMM's B operand (shared by the threads).
// Per work item (image, group, block of tile rows), on one thread, all of it in L2:
//   V[xi][c][t] = (B^T d_c B)[xi] for the block's tiles t   input transform (zero outside)
//   M[xi][t][k] = V[xi]^T @ U[xi]                         16 GEMMs: M = tiles, N = Kg, K = Cg
//   y[k, 2i+u, 2j+v] = (A^T M A)[u][v] (+ bias)           output transform, inside OH x OW
// The input transform runs along a row of tiles (contiguous t), the output transform along
// the output channels (contiguous k). Why not M[xi] = U[xi]^T @ V[xi], so that both run along
// tiles? U would be the GEMM's A, re-packed for every item: on AVX2 that packing took longer
// than the 16 GEMMs (Zen 5, C256 @14^2).
#include "conv_winograd.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "conv_threads.h"
#include "scratch.h"

namespace lamina::cpu::conv_detail {

namespace {

using gemm_kernels::Kernel;
using gemm_kernels::Problem;
using gemm_kernels::Region;

constexpr int64_t kXi = 16;  // points of the 4x4 transform domain
// Tiles per work item: the GEMMs' M. Measured on Zen 5, 1 thread, AVX2 and AVX-512, items of
// 1 to 16 tile rows at C32->64 @32^2, C64->128 @16^2, C64 @56^2, C128 @28^2, C256 @14^2: about
// 128 tiles is within 10% of the best of each, 28 tiles 20-30% below. V and M (16 (Cg + Kg)
// values per tile) are kept within kItemBytes.
constexpr int64_t kItemTiles = 128;
constexpr int64_t kItemBytes = 2 << 20;

thread_local Scratch t_u;     // the transformed weight, or the weight gradient's sums (calling thread)
thread_local Scratch t_bpack; // U packed as the GEMM's B (calling thread)
thread_local Scratch t_v;     // V of a work item
thread_local Scratch t_m;     // M of a work item
thread_local Scratch t_rows;  // 4 zero-padded input rows
thread_local Scratch t_ws;    // the GEMM's packing workspace (gemm.h)
thread_local Scratch t_tile;  // a GEMM result of the weight gradient

// The distance between the 16 xi planes of V or M holding n values each: a whole number of
// 4 KB pages and one cache line, so the transforms' 16 streams fall in 16 different L1 sets
// (planes a multiple of 4 KB apart thrash a 12-way L1: 2.5x slower at 64 x 56^2).
template <class T>
int64_t xi_stride(int64_t n) {
  constexpr int64_t page = 4096 / sizeof(T), line = 64 / sizeof(T);
  return (n + page - 1) / page * page + line;
}

// u[xi][c][k] (one group) = (G w[k, c] G^T)[xi]; w (Kg, Cg, 3, 3).
template <class T>
void transform_weight(const T* w, int64_t Kg, int64_t Cg, T* u) {
  const int64_t xs = Cg * Kg;  // stride of xi
  parallel_for(0, Kg, grain(16), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      for (int64_t c = 0; c < Cg; ++c) {
        const T* f = w + (k * Cg + c) * 9;
        T q[3][4];  // q = f G^T (rows of f transformed)
        for (int r = 0; r < 3; ++r) {
          const T a = f[3 * r], b = f[3 * r + 1], d = f[3 * r + 2];
          q[r][0] = a;
          q[r][1] = T(0.5) * (a + b + d);
          q[r][2] = T(0.5) * (a - b + d);
          q[r][3] = d;
        }
        T* o = u + c * Kg + k;
        for (int b = 0; b < 4; ++b) {
          o[(0 + b) * xs] = q[0][b];
          o[(4 + b) * xs] = T(0.5) * (q[0][b] + q[1][b] + q[2][b]);
          o[(8 + b) * xs] = T(0.5) * (q[0][b] - q[1][b] + q[2][b]);
          o[(12 + b) * xs] = q[2][b];
        }
      }
    }
  });
}

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
  const int64_t lo = std::clamp<int64_t>(g.pw, 0, L), hi = std::clamp<int64_t>(g.pw + g.W, lo, L);
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
          std::fill(row, row + L, T(0));
        } else {
          std::fill(row, row + lo, T(0));
          std::memcpy(row + lo, xc + ih * g.W + (lo - g.pw), size_t(hi - lo) * sizeof(T));
          std::fill(row + hi, row + L, T(0));
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

// out[2u + v][k] = bz[k] + (A^T M_k A)[u][v] for one tile, M_k's 16 values at s[xi * xs + k]:
// column b of A^T M (t0 = m_b + m_4+b + m_8+b, t1 = m_4+b - m_8+b - m_12+b) adds
// A^T[v][b] t0 to out[v] and A^T[v][b] t1 to out[2 + v], A^T = [1 1 1 0; 0 1 -1 -1].
template <class T>
inline void output_tile(const T* __restrict s, int64_t xs, int64_t Kg, const T* __restrict bz,
                        T* __restrict out) {
  T* __restrict o0 = out;
  T* __restrict o1 = out + Kg;
  T* __restrict o2 = out + 2 * Kg;
  T* __restrict o3 = out + 3 * Kg;
  for (int64_t k = 0; k < Kg; ++k) o0[k] = o1[k] = o2[k] = o3[k] = bz[k];
  for (int b = 0; b < 4; ++b) {
    const T* __restrict q0 = s + b * xs;
    const T* __restrict q1 = s + (4 + b) * xs;
    const T* __restrict q2 = s + (8 + b) * xs;
    const T* __restrict q3 = s + (12 + b) * xs;
    const T c0 = b < 3 ? T(1) : T(0), c1 = b == 0 ? T(0) : b == 1 ? T(1) : T(-1);
    for (int64_t k = 0; k < Kg; ++k) {
      const T t0 = q0[k] + q1[k] + q2[k], t1 = q1[k] - q2[k] - q3[k];
      o0[k] += c0 * t0;
      o1[k] += c1 * t0;
      o2[k] += c0 * t1;
      o3[k] += c1 * t1;
    }
  }
}

// y[k, 2 ti + u, 2 j + v] (+ bias[k]) = (A^T M A)[u][v] for the block's tiles, m[xi][t][k]
// (xi stride xs); yg: the group's first output channel of the image. The transform runs along
// k into stage (5 Kg), then the 4 outputs of each k are stored.
template <class T>
void transform_output(const ConvGeom& g, const T* m, int64_t Kg, int64_t ti0, int64_t nrows,
                      int64_t tw, int64_t xs, const T* bias, T* yg, T* stage) {
  const int64_t P = g.OH * g.OW;
  const T* y00 = stage;
  const T* y01 = stage + Kg;
  const T* y10 = stage + 2 * Kg;
  const T* y11 = stage + 3 * Kg;
  T* bz = stage + 4 * Kg;  // the bias, or zeros
  for (int64_t k = 0; k < Kg; ++k) bz[k] = bias ? bias[k] : T(0);
  for (int64_t i = 0; i < nrows; ++i) {
    const int64_t oh = 2 * (ti0 + i);
    const bool row1 = oh + 1 < g.OH;
    for (int64_t j = 0; j < tw; ++j) {
      const int64_t ow = 2 * j;
      const bool col1 = ow + 1 < g.OW;
      output_tile(m + (i * tw + j) * Kg, xs, Kg, bz, stage);
      T* y0 = yg + oh * g.OW + ow;
      for (int64_t k = 0; k < Kg; ++k) y0[k * P] = y00[k];
      if (col1)
        for (int64_t k = 0; k < Kg; ++k) y0[k * P + 1] = y01[k];
      if (row1) {
        for (int64_t k = 0; k < Kg; ++k) y0[k * P + g.OW] = y10[k];
        if (col1)
          for (int64_t k = 0; k < Kg; ++k) y0[k * P + g.OW + 1] = y11[k];
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
          std::fill(r + g.OW, r + L, T(0));
        } else {
          std::fill(r, r + L, T(0));
        }
      }
      T* eo = rows + 2 * L;  // even and odd columns of the 2 rows (4 tw)
      deinterleave(rows, L, eo, eo + tw);
      deinterleave(rows + L, L, eo + 2 * tw, eo + 3 * tw);
      grad_columns(eo, tw, d + k * tb + i * tw, xs);
    }
  }
}

// dw[k, c] (3x3, one group) = G^T M[k, c] G, M = m[xi][k][c] (xi stride xs): the weight
// gradient from its sums in the transform domain.
template <class T>
void weight_from_domain(const T* m, int64_t Kg, int64_t Cg, int64_t xs, T* dw) {
  parallel_for(0, Kg, grain(16), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      for (int64_t c = 0; c < Cg; ++c) {
        const T* s = m + k * Cg + c;
        T q[4][3];  // q = M G (rows)
        for (int a = 0; a < 4; ++a) {
          const T m0 = s[(4 * a) * xs], m1 = s[(4 * a + 1) * xs];
          const T m2 = s[(4 * a + 2) * xs], m3 = s[(4 * a + 3) * xs];
          q[a][0] = m0 + T(0.5) * (m1 + m2);
          q[a][1] = T(0.5) * (m1 - m2);
          q[a][2] = T(0.5) * (m1 + m2) + m3;
        }
        T* o = dw + (k * Cg + c) * 9;
        for (int r = 0; r < 3; ++r) {
          o[r] = q[0][r] + T(0.5) * (q[1][r] + q[2][r]);
          o[3 + r] = T(0.5) * (q[1][r] - q[2][r]);
          o[6 + r] = T(0.5) * (q[1][r] + q[2][r]) + q[3][r];
        }
      }
    }
  });
}

// The work items of one call, (image, group, block of tile rows), and one item's block.
struct Item {
  int64_t n, gi, ti0, nrows, tb;  // image, group, first tile row, tile rows, tiles
};
struct Tiling {
  int64_t th, tw;       // tile rows and columns of an output plane
  int64_t nrows;        // tile rows per item
  int64_t G, per_image;
  int64_t count(int64_t N) const { return N * G * per_image; }
  Item at(int64_t it) const {
    const int64_t ti0 = (it % per_image) * nrows, nr = std::min(nrows, th - ti0);
    return Item{it / (G * per_image), (it / per_image) % G, ti0, nr, nr * tw};
  }
};

// Items of about kItemTiles tiles, their transform-domain blocks (16 values per tile for each
// of `channels`) within kItemBytes, and about 3 items a thread.
Tiling make_tiling(const ConvGeom& g, int64_t channels, int64_t elem) {
  const int64_t th = ceil_div(g.OH, 2), tw = ceil_div(g.OW, 2);
  int64_t nrows = std::min(ceil_div(kItemTiles, tw), th);
  nrows = std::max<int64_t>(1, std::min(nrows, kItemBytes / (kXi * channels * tw * elem)));
  const int64_t items = g.N * g.groups, want = 3 * get_num_threads();
  if (items * ceil_div(th, nrows) < want) nrows = std::max<int64_t>(1, th / ceil_div(want, items));
  return Tiling{th, tw, nrows, g.groups, ceil_div(th, nrows)};
}

// V of item b (xi stride *vs) from the input x: transform_input into the thread's scratch.
template <class T>
T* input_block(const ConvGeom& g, const T* x, const Tiling& tl, const Item& b, int64_t* vs) {
  const int64_t Cg = g.C / g.groups;
  *vs = xi_stride<T>(Cg * b.tb);
  T* v = t_v.get<T>(kXi * *vs);
  transform_input(g, x + (b.n * g.C + b.gi * Cg) * g.H * g.W, Cg, b.ti0, b.nrows, tl.tw, v, *vs,
                  t_rows.get<T>(26 * tl.tw + 12));
  return v;
}

}  // namespace

template <class T>
void winograd_forward(const Kernel& kern, const ConvGeom& g, const T* x, const T* w,
                      const T* bias, T* y) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G;
  const int64_t npad = ceil_div(Kg, kern.b.nr) * kern.b.nr;
  T* u = t_u.get<T>(G * kXi * Cg * Kg);
  for (int64_t gi = 0; gi < G; ++gi)
    transform_weight(w + gi * Kg * Cg * 9, Kg, Cg, u + gi * kXi * Cg * Kg);
  T* bp = t_bpack.get<T>(G * kXi * Cg * npad);  // (group, xi) at ((gi * 16 + xi) * Cg * npad)
  claim_items(G * kXi, [&](int64_t it, int64_t) {
    const Problem p{0, Kg, Cg, nullptr, 0, 0, u + it * Cg * Kg, Kg, 1, nullptr, 0};
    kern.pack_b(p, 0, Kg, bp + it * Cg * npad);
  });
  const Tiling tl = make_tiling(g, Cg + Kg, int64_t(sizeof(T)));
  const int64_t ws_elems = kern.b.kc * kern.b.nc + kern.b.mc * kern.b.kc;
  claim_items(tl.count(g.N), [&](int64_t it, int64_t) {
    const Item b = tl.at(it);
    const int64_t n = b.n, gi = b.gi, tb = b.tb;
    int64_t vs;
    const T* v = input_block(g, x, tl, b, &vs);
    const int64_t ms = xi_stride<T>(tb * Kg);
    T* m = t_m.get<T>(kXi * ms);
    void* ws = t_ws.get<T>(ws_elems);
    for (int64_t xi = 0; xi < kXi; ++xi) {
      // M[xi] (tb, Kg) = V[xi]^T (tb, Cg) @ U[xi] (Cg, Kg)
      const Problem p{tb, Kg, Cg, v + xi * vs, 1, tb, nullptr, 0, 0, m + xi * ms, Kg};
      kern.run_packed(p, Region{0, tb, 0, Kg}, bp + (gi * kXi + xi) * Cg * npad, ws);
    }
    transform_output(g, static_cast<const T*>(m), Kg, b.ti0, b.nrows, tl.tw, ms,
                     bias ? bias + gi * Kg : nullptr, y + (n * g.K + gi * Kg) * g.OH * g.OW,
                     t_rows.get<T>(5 * Kg));
  });
}

template <class T>
void winograd_backward_weight(const Kernel& kern, const ConvGeom& g, const T* x, const T* dy,
                              T* dw) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G;
  const Tiling tl = make_tiling(g, Cg + Kg, int64_t(sizeof(T)));
  const int64_t ms = xi_stride<T>(Kg * Cg), gsize = kXi * ms;  // one group's sums
  const int64_t nt = std::max<int64_t>(1, get_num_threads());
  T* partial = t_u.get<T>(nt * G * gsize);  // M[thread][group][xi][k][c]
  std::vector<char> used(size_t(nt), 0);
  const int64_t ws_elems = kern.b.kc * kern.b.nc + kern.b.mc * kern.b.kc;
  claim_items(tl.count(g.N), [&](int64_t it, int64_t th_id) {
    const Item b = tl.at(it);
    const int64_t n = b.n, gi = b.gi, tb = b.tb;
    int64_t vs;
    const T* v = input_block(g, x, tl, b, &vs);
    const int64_t ds = xi_stride<T>(Kg * tb);
    T* d = t_m.get<T>(kXi * ds);
    transform_grad(g, dy + (n * g.K + gi * Kg) * g.OH * g.OW, Kg, b.ti0, b.nrows, tl.tw, d, ds,
                   t_rows.get<T>(8 * tl.tw));
    T* mine = partial + th_id * G * gsize;
    if (!used[size_t(th_id)]) {
      std::fill(mine, mine + G * gsize, T(0));
      used[size_t(th_id)] = 1;
    }
    T* tile = t_tile.get<T>(Kg * Cg);
    void* ws = t_ws.get<T>(ws_elems);
    for (int64_t xi = 0; xi < kXi; ++xi) {
      // tile (Kg, Cg) = D[xi] (Kg, tb) @ V[xi]^T (tb, Cg), summed into the thread's M
      const Problem p{Kg, Cg, tb, d + xi * ds, tb, 1, v + xi * vs, 1, tb, tile, Cg};
      kern.run(p, Region{0, Kg, 0, Cg}, ws);
      T* acc = mine + gi * gsize + xi * ms;
      for (int64_t q = 0; q < Kg * Cg; ++q) acc[q] += tile[q];
    }
  });
  // the threads' sums into the first used one, then dw = G^T M G
  T* total = nullptr;
  for (int64_t t = 0; t < nt; ++t) {
    if (!used[size_t(t)]) continue;
    T* src = partial + t * G * gsize;
    if (!total) {
      total = src;
      continue;
    }
    parallel_for(0, G * gsize, grain(1 << 14), [&](int64_t i0, int64_t i1) {
      for (int64_t i = i0; i < i1; ++i) total[i] += src[i];
    });
  }
  for (int64_t gi = 0; gi < G; ++gi) {
    if (total) {
      weight_from_domain(static_cast<const T*>(total + gi * gsize), Kg, Cg, ms,
                         dw + gi * Kg * Cg * 9);
    } else {
      std::fill(dw + gi * Kg * Cg * 9, dw + (gi + 1) * Kg * Cg * 9, T(0));
    }
  }
}

template void winograd_forward<float>(const Kernel&, const ConvGeom&, const float*,
                                      const float*, const float*, float*);
template void winograd_forward<double>(const Kernel&, const ConvGeom&, const double*,
                                       const double*, const double*, double*);
template void winograd_backward_weight<float>(const Kernel&, const ConvGeom&, const float*,
                                              const float*, float*);
template void winograd_backward_weight<double>(const Kernel&, const ConvGeom&, const double*,
                                               const double*, double*);

}  // namespace lamina::cpu::conv_detail
