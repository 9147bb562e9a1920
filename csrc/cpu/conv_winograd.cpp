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
#include "conv_winograd_impl.h"
#include "isa.h"
#include "scratch.h"

// The per-ISA transforms (conv_winograd_impl.h; the generic copy is included above).
#define LAMINA_WINOGRAD_TRANSFORMS                                                           \
  template <class T>                                                                         \
  void transform_input(const ConvGeom& g, const T* xg, int64_t Cg, int64_t ti0, int64_t nrows, \
                       int64_t tw, T* v, int64_t xs, T* scratch);                            \
  template <class T>                                                                         \
  void transform_output(const ConvGeom& g, const T* m, int64_t Kg, int64_t ti0,              \
                        int64_t nrows, int64_t tw, int64_t xs, const T* bias, T* yg,         \
                        T* stage);                                                           \
  template <class T>                                                                         \
  void transform_grad(const ConvGeom& g, const T* dyg, int64_t Kg, int64_t ti0,              \
                      int64_t nrows, int64_t tw, T* d, int64_t xs, T* rows);
namespace lamina::cpu::avx2::winograd {
LAMINA_WINOGRAD_TRANSFORMS
}
namespace lamina::cpu::avx512::winograd {
LAMINA_WINOGRAD_TRANSFORMS
}
#undef LAMINA_WINOGRAD_TRANSFORMS

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

thread_local Scratch t_u;     // the transformed weight, or the weight gradient's sums (caller)
thread_local Scratch t_bpack; // U packed as the GEMM's B (calling thread)
thread_local Scratch t_v;     // V of a work item
thread_local Scratch t_m;     // M of a work item
thread_local Scratch t_rows;  // 4 zero-padded input rows
thread_local Scratch t_ws;    // the GEMM's packing workspace (gemm.h)

// The distance between the 16 xi planes of V or M holding n values each: a whole number of
// 4 KB pages and one cache line, so the transforms' 16 streams fall in 16 different L1 sets
// (planes a multiple of 4 KB apart thrash a 12-way L1: 2.5x slower at 64 x 56^2).
template <class T>
int64_t xi_stride(int64_t n) {
  constexpr int64_t page = 4096 / sizeof(T), line = 64 / sizeof(T);
  return (n + page - 1) / page * page + line;
}

// kXi planes of n values each (plane stride *xs = xi_stride(n)) in the thread's scratch s.
template <class T>
T* xi_planes(Scratch& s, int64_t n, int64_t* xs) {
  *xs = xi_stride<T>(n);
  return s.get<T>(kXi * *xs);
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
  T* v = xi_planes<T>(t_v, Cg * b.tb, vs);
  LAMINA_ISA(winograd::transform_input<T>)(g, x + (b.n * g.C + b.gi * Cg) * g.H * g.W, Cg,
                                           b.ti0, b.nrows, tl.tw, v, *vs,
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
  const int64_t ws_elems = kern.ws_elems();
  claim_items(tl.count(g.N), [&](int64_t it, int64_t) {
    const Item b = tl.at(it);
    const int64_t n = b.n, gi = b.gi, tb = b.tb;
    int64_t vs, ms;
    const T* v = input_block(g, x, tl, b, &vs);
    T* m = xi_planes<T>(t_m, tb * Kg, &ms);
    void* ws = t_ws.get<T>(ws_elems);
    for (int64_t xi = 0; xi < kXi; ++xi) {
      // M[xi] (tb, Kg) = V[xi]^T (tb, Cg) @ U[xi] (Cg, Kg)
      const Problem p{tb, Kg, Cg, v + xi * vs, 1, tb, nullptr, 0, 0, m + xi * ms, Kg};
      kern.run_packed(p, Region{0, tb, 0, Kg}, bp + (gi * kXi + xi) * Cg * npad, ws);
    }
    LAMINA_ISA(winograd::transform_output<T>)(g, static_cast<const T*>(m), Kg, b.ti0, b.nrows,
                                              tl.tw, ms, bias ? bias + gi * Kg : nullptr,
                                              y + (n * g.K + gi * Kg) * g.OH * g.OW,
                                              t_rows.get<T>((4 * tl.tw + 1) * Kg));
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
  const int64_t ws_elems = kern.ws_elems();
  claim_items(tl.count(g.N), [&](int64_t it, int64_t th_id) {
    const Item b = tl.at(it);
    const int64_t n = b.n, gi = b.gi, tb = b.tb;
    int64_t vs, ds;
    const T* v = input_block(g, x, tl, b, &vs);
    T* d = xi_planes<T>(t_m, Kg * tb, &ds);
    LAMINA_ISA(winograd::transform_grad<T>)(g, dy + (n * g.K + gi * Kg) * g.OH * g.OW, Kg,
                                            b.ti0, b.nrows, tl.tw, d, ds,
                                            t_rows.get<T>(8 * tl.tw));
    T* mine = partial + th_id * G * gsize;
    if (!used[size_t(th_id)]) {
      std::fill(mine, mine + G * gsize, T(0));
      used[size_t(th_id)] = 1;
    }
    void* ws = t_ws.get<T>(ws_elems);
    for (int64_t xi = 0; xi < kXi; ++xi) {
      // the thread's M[gi][xi] (Kg, Cg) += D[xi] (Kg, tb) @ V[xi]^T (tb, Cg)
      const Problem p{Kg, Cg, tb, d + xi * ds, tb, 1, v + xi * vs, 1, tb,
                      mine + gi * gsize + xi * ms, Cg, true};
      kern.run(p, Region{0, Kg, 0, Cg}, ws);
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
