// 2-D convolution on the CPU as implicit GEMMs on the packed GEMM kernels of gemm.h (the
// AVX-512 12 x 32 micro-kernel where the CPU has it). Never the whole column matrix: each
// thread builds the columns of one block of output positions (conv_cols.h, a few hundred KB
// that stay in L2). Per group g (Cg = C / groups input and Kg = K / groups output channels,
// Kd = Cg * R * S, P = OH * OW):
//
// forward, per (image, group, block of pb output positions):
//     Y[co, p] = W[co, k] @ Col[k, p]              (M = Kg, N = pb, K = Kd)
//   The weight is A: packed once per call into a buffer shared by the threads (pack_a); each
//   block's columns are packed as the B panels straight from the image's phase planes (no
//   column matrix: im2col and then packing it took a fifth of a stride-2 3x3 forward on Zen
//   1, the planes and panels a ninth), and the GEMM writes the output rows in place. (The
//   other orientation, Y^T = Col^T W^T with the weight as the shared B, left a (pb, Kg) tile
//   to transpose into Y with scalar code: a tenth of a stride-2 3x3 forward, a fifth of a 1x1
//   conv's forward and backward.) 1x1 stride-1 unpadded convs need no columns: B is the image
//   itself.
// backward-data:
//   stride 1, out channels per group <= in channels (or 1x1): the forward of dY with the
//     flipped, channel-transposed weight and padding d * (k - 1) - p (negative padding works:
//     the bounds checks do it), so the fast path above, no scatter.
//   otherwise (with stride > 1 dX is not a convolution of dY without zero insertion, which
//   would waste s^2 of the flops; see backward_data_impl for the stride-1 choice): col2im.
//   Per (image, group), block by block, dCol[k, p] = W^T[k, co] @ dY[co, p] (M = Kd,
//   N = pb, K = Kg; W^T packed once as A), then col2im adds the rows of dCol into dX
//   (conv_cols.h: runs of output positions, like im2col). One thread owns an image, so the
//   scatter needs no atomics.
// backward-weight, per (image, group, block of pb positions): the column block again and
//     dW[co, k] += dY[co, p] @ Col^T[p, k]         (M = Kg, N = Kd, K = pb)
//   accumulated by the GEMM into a partial sum per thread, the partials summed at the end.
// Depthwise convs (one input channel per group, < 8 outputs each) take direct plane loops
// instead (conv_depthwise.cpp): the GEMM would have 1..7 useful columns of 32. Convs of at
// most 4 input channels a group (first layers) take the direct kernel of conv_direct.cpp
// forward, and 3x3 stride-1 convs of 16 or more channels Winograd's (conv_winograd.cpp).
// Threads claim blocks one at a time (both cores stay busy when one of them starts late).
#include "../kernels/conv.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "../core/parallel.h"
#include "conv_cols.h"
#include "conv_depthwise.h"
#include "conv_direct.h"
#include "conv_threads.h"
#include "conv_winograd.h"
#include "gemm.h"
#include "matmul.h"
#include "scratch.h"

namespace lamina::cpu {

namespace {

using gemm_kernels::Kernel;
using gemm_kernels::Problem;
using gemm_kernels::Region;
using conv_detail::ceil_div;
using conv_detail::claim_items;
using conv_detail::col2im_add;
using conv_detail::conv_flops;
using conv_detail::grain;
using conv_detail::im2col;
using conv_detail::SerialScope;

thread_local Scratch t_ws;       // the GEMM's packing workspace (gemm.h: B block, A block)
thread_local Scratch t_col;      // a column block (packed as B panels in the forward)
thread_local Scratch t_planes;   // the phase planes of a chunk of images (calling thread)
thread_local Scratch t_own;      // the phase planes of a thread's own image
thread_local Scratch t_off;      // the tap offsets into them (calling thread)
thread_local Scratch t_wpack;    // the packed weight, shared by the threads (calling thread)
thread_local Scratch t_wflip;    // the flipped weight of backward-data (calling thread)
thread_local Scratch t_partial;  // per-thread weight-gradient sums (calling thread)

template <class T>
T* workspace(const Kernel& k) {
  return t_ws.get<T>(k.ws_elems());
}

// Bytes of a column block: big enough that the GEMM runs on long panels, small enough that
// the block and the packed A block stay in the 1 MB L2 (gemm.h). Measured on Zen 5 (1 thread,
// a loaded machine) for C64->128 @16^2, C128 @28^2, C256 @14^2 and the 7x7 stem: 384 KB, 1, 2
// and 4 MB all within the +-5% noise; the smallest kept.
constexpr int64_t kColBytes = 384 << 10;

// Bytes of the phase planes of one chunk of images in the forward (at least one image).
constexpr int64_t kPlaneBytes = 1 << 20;

// Positions per block: a multiple of `mult`, at most `cap`, and at least enough blocks that
// every thread gets about 3.
int64_t block_size(int64_t P, int64_t per_pos_bytes, int64_t mult, int64_t cap, int64_t items,
                   int64_t nt) {
  int64_t pb = kColBytes / std::max<int64_t>(per_pos_bytes, 1);
  pb = std::clamp<int64_t>(pb, mult, std::max(mult, cap));
  const int64_t want = 3 * nt;
  if (items * ceil_div(P, pb) < want) pb = ceil_div(P, ceil_div(want, items));
  pb = std::max<int64_t>(mult, pb / mult * mult);
  return std::min(pb, P);
}

// 1x1, stride 1, unpadded (as many positions out as in): the image itself is the column
// matrix of im2col (Kd = Cg rows of H * W positions), so it needs none.
inline bool plain_1x1(const ConvGeom& g) {
  return g.R == 1 && g.S == 1 && g.sh == 1 && g.sw == 1 && g.ph == 0 && g.pw == 0 &&
         g.OH == g.H && g.OW == g.W;
}

// The weight of every group packed as the GEMM's A operand (M, K) with strides (sam, sak) from
// the group's first element (group stride M * K): W_g (Kg, Kd) for the forward, W_g^T (Kd, Kg)
// for col2im. Group gi at the result + gi * mpad * K, mpad = M rounded up to MR.
template <class T>
const T* pack_weight(const Kernel& kern, const T* w, int64_t G, int64_t M, int64_t K,
                     int64_t sam, int64_t sak) {
  const int64_t mr = kern.b.mr, mpad = ceil_div(M, mr) * mr;
  T* ap = t_wpack.get<T>(G * mpad * K);
  const int64_t per = std::max<int64_t>(1, ceil_div(ceil_div(M, mr), 4));  // panels per task
  const int64_t tasks_per_group = ceil_div(ceil_div(M, mr), per);
  claim_items(G * tasks_per_group, [&](int64_t it, int64_t) {
    const int64_t gi = it / tasks_per_group, m0 = (it % tasks_per_group) * per * mr;
    const Problem p{M, 0, K, w + gi * M * K, sam, sak, nullptr, 0, 0, nullptr, 0};
    kern.pack_a(p, m0, std::min(M, m0 + per * mr), ap + gi * mpad * K);
  });
  return ap;
}

// Y[n, group] (Kg x P) = W_g (Kg x Kd) @ Col (Kd x P), block by block of output positions:
// the weight packed once as A and shared by the threads, each block's columns packed as B
// panels straight from the phase planes of its image (conv_cols.h pack_cols: the input split
// by stride phase and zero padded, once per image), the output rows written in place (+ bias
// while the block is hot). A plain 1x1 conv needs no columns: B is the image itself.
// With enough (image, group)s for every thread, a thread owns each: it splits the image into
// planes of its own and runs all its blocks, so one thread's reads of a fresh image overlap
// the other's GEMMs (a pass of all threads splitting first waited on memory: a tenth of a
// stride-2 forward on Zen 1). Otherwise the threads split a chunk of images together, then
// share its blocks.
template <class T>
void forward_impl(const Kernel& kern, const ConvGeom& g, const T* x, const T* w, const T* bias,
                  T* y) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, Kd = Cg * g.R * g.S;
  const int64_t P = g.OH * g.OW, HW = g.H * g.W, NG = g.N * G;
  const int64_t nt = conv_detail::t_serial ? 1 : get_num_threads();
  const int64_t mpad = ceil_div(Kg, kern.b.mr) * kern.b.mr, nr = kern.b.nr;
  const T* wp = pack_weight(kern, w, G, Kg, Kd, Kd, int64_t(1));
  auto add_bias = [&](T* yo, int64_t gi, int64_t p0, int64_t m) {
    if (bias)
      for (int64_t co = 0; co < Kg; ++co) {
        const T b = bias[gi * Kg + co];
        T* yr = yo + co * P + p0;
        for (int64_t j = 0; j < m; ++j) yr[j] += b;
      }
  };
  if (plain_1x1(g)) {
    const int64_t pb = block_size(P, (Kd + Kg) * int64_t(sizeof(T)), nr, P, NG, nt);
    const int64_t nblk = ceil_div(P, pb);
    claim_items(NG * nblk, [&](int64_t it, int64_t) {
      const int64_t ng = it / nblk, gi = ng % G, p0 = (it % nblk) * pb, m = std::min(pb, P - p0);
      T* yo = y + ng * Kg * P;  // (n * K + gi * Kg) * P
      const Problem p{Kg, P, Cg, nullptr, 0, 0, x + ng * Cg * HW, HW, 1, yo, P};
      kern.run_packed_a(p, Region{0, Kg, p0, p0 + m}, wp + gi * mpad * Kd, workspace<T>(kern));
      add_bias(yo, gi, p0, m);
    });
    return;
  }
  const conv_detail::Phases ph = conv_detail::phases(g);
  const int64_t pe = ph.elems(Cg, g);  // an (image, group)'s planes
  int64_t* off = t_off.get<int64_t>(Kd);
  conv_detail::tap_offsets(g, ph, Cg, off);
  // positions [p0, p0 + m) of (image, group) ng from its planes pl
  auto block = [&](const T* pl, int64_t ng, int64_t p0, int64_t m) {
    T* cols = t_col.get<T>(Kd * ceil_div(m, nr) * nr);
    conv_detail::pack_cols(g, ph, pl, static_cast<const int64_t*>(off), Kd, p0, m, kern.b.kc,
                           nr, cols);
    T* yo = y + ng * Kg * P;
    const Problem p{Kg, m, Kd, nullptr, 0, 0, nullptr, 0, 0, yo + p0, P};
    kern.run_prepacked(p, Region{0, Kg, 0, m}, wp + ng % G * mpad * Kd, cols);
    add_bias(yo, ng % G, p0, m);
  };
  // a block's packed columns and outputs share L2 with the packed weight
  const int64_t per_pos = (Kd + Kg) * int64_t(sizeof(T));
  if (NG % nt == 0 || NG >= 4 * nt) {
    const int64_t pb = block_size(P, per_pos, nr, P, NG, 1);
    claim_items(NG, [&](int64_t ng, int64_t) {
      T* pl = t_own.get<T>(pe + nr);  // + the reads past a run
      conv_detail::split_phases(g, ph, x + ng * Cg * HW, 0, Cg, pl);
      for (int64_t p0 = 0; p0 < P; p0 += pb) block(pl, ng, p0, std::min(pb, P - p0));
    });
    return;
  }
  const int64_t chunk = std::clamp<int64_t>(kPlaneBytes / (G * pe * int64_t(sizeof(T))), 1, g.N);
  const int64_t pb = block_size(P, per_pos, nr, P, chunk * G, nt);
  const int64_t nblk = ceil_div(P, pb);
  T* planes = t_planes.get<T>(chunk * G * pe + nr);
  for (int64_t n0 = 0; n0 < g.N; n0 += chunk) {
    const int64_t nc = std::min(chunk, g.N - n0);
    parallel_for(0, nc * g.C, grain(4), [&](int64_t c0, int64_t c1) {
      for (int64_t c = c0; c < c1; ++c)  // c = (image in the chunk, group, channel)
        conv_detail::split_phases(g, ph, x + (n0 * g.C + c / Cg * Cg) * HW, c % Cg,
                                  c % Cg + 1, planes + c / Cg * pe);
    });
    claim_items(nc * G * nblk, [&](int64_t it, int64_t) {
      const int64_t i = it / nblk, p0 = (it % nblk) * pb;
      block(planes + i * pe, n0 * G + i, p0, std::min(pb, P - p0));
    });
  }
}

// The forward by Winograd or the direct kernel where they apply, else by implicit GEMM.
template <class T>
void forward_any(const Kernel& kern, const ConvGeom& g, const T* x, const T* w, const T* bias,
                 T* y) {
  if (conv_detail::use_winograd(g)) return conv_detail::winograd_forward(kern, g, x, w, bias, y);
  if (conv_detail::use_direct(g)) return conv_detail::direct_forward(g, x, w, bias, y);
  forward_impl(kern, g, x, w, bias, y);
}

template <class T>
void backward_data_impl(const Kernel& kern, const ConvGeom& g, const T* dy, const T* w, T* dx) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, RS = g.R * g.S, Kd = Cg * RS;
  // Stride 1: the flipped forward unless it is the worse GEMM. Its product has N = Cg (the
  // flipped conv's output channels) against Kd' = Kg * R * S; col2im's has M = Cg * R * S,
  // N = block, K = Kg. Measured on Zen 5, 1 thread (GFLOP/s flipped / col2im): C32->64 @32^2
  // 99 / 140, C64->128 @16^2 113 / 156, C128->128 @28^2 161 / 147, C256->256 @14^2 161 / 116:
  // col2im wins where Kg > Cg. 1x1 unpadded convs are a plain GEMM when flipped; col2im needs
  // whole images per thread (no scatter races), so it wants N * groups >= 2 threads.
  const bool pointwise = g.R == 1 && g.S == 1 && g.ph == 0 && g.pw == 0;
  // With Winograd (a 3x3 flipped conv of enough channels) the flipped forward always wins.
  const bool col2im_better = Kg > Cg && !pointwise && g.N * G >= 2 * get_num_threads();
  const ConvGeom t{g.N,  g.K, g.OH, g.OW, g.C, g.H, g.W, g.R, g.S, 1, 1,
                   g.dh * (g.R - 1) - g.ph, g.dw * (g.S - 1) - g.pw, g.dh, g.dw, G};
  if (g.sh == 1 && g.sw == 1 && (!col2im_better || conv_detail::use_winograd(t))) {
    // dX = conv(dY, W') with W'[gi * Cg + ci, co, r, s] = W[gi * Kg + co, ci, R-1-r, S-1-s]
    T* wf = t_wflip.get<T>(g.C * Kg * RS);
    parallel_for(0, g.K, grain(16), [&](int64_t k0, int64_t k1) {  // k = gi * Kg + co
      for (int64_t k = k0; k < k1; ++k) {
        const int64_t gi = k / Kg, co = k % Kg;
        for (int64_t ci = 0; ci < Cg; ++ci) {
          const T* src = w + (k * Cg + ci) * RS;
          T* dst = wf + ((gi * Cg + ci) * Kg + co) * RS;
          for (int64_t q = 0; q < RS; ++q) dst[RS - 1 - q] = src[q];
        }
      }
    });
    forward_any(kern, t, dy, static_cast<const T*>(wf), static_cast<const T*>(nullptr), dx);
    return;
  }
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  const int64_t pb = std::min(
      P, std::max<int64_t>(kern.b.nr, kColBytes / (Kd * int64_t(sizeof(T))) / kern.b.nr *
                                          kern.b.nr));
  const int64_t mpad = ceil_div(Kd, kern.b.mr) * kern.b.mr;
  const T* wt = pack_weight(kern, w, G, Kd, Kg, int64_t(1), Kd);  // W_g^T, packed once
  claim_items(g.N * G, [&](int64_t it, int64_t) {
    const int64_t n = it / G, gi = it % G;
    T* dxg = dx + (n * g.C + gi * Cg) * HW;
    std::fill(dxg, dxg + Cg * HW, T(0));
    T* dcol = t_col.get<T>(Kd * pb);
    void* ws = workspace<T>(kern);
    const T* dyg = dy + (n * g.K + gi * Kg) * P;
    for (int64_t p0 = 0; p0 < P; p0 += pb) {
      const int64_t m = std::min(pb, P - p0);
      // dCol (Kd, m) = W_g^T (Kd, Kg) @ dY_g[:, p0:p0+m] (Kg, m)
      const Problem p{Kd, m, Kg, nullptr, 0, 0, dyg + p0, P, 1, dcol, m};
      kern.run_packed_a(p, Region{0, Kd, 0, m}, wt + gi * mpad * Kg, ws);
      col2im_add(g, static_cast<const T*>(dcol), Cg, p0, m, dxg);
    }
  });
}

template <class T>
void backward_weight_impl(const Kernel& kern, const ConvGeom& g, const T* x, const T* dy, T* dw) {
  const int64_t G = g.groups, Cg = g.C / G, Kg = g.K / G, Kd = Cg * g.R * g.S;
  const int64_t P = g.OH * g.OW, HW = g.H * g.W;
  const bool direct = plain_1x1(g);
  const int64_t nt = std::max<int64_t>(1, get_num_threads());
  const int64_t wsize = G * Kg * Kd;
  // blocks: a multiple of KC (the GEMM's reduction block), the column block within kColBytes
  // unless that is less than one KC
  const int64_t pb = block_size(P, Kd * int64_t(sizeof(T)), kern.b.kc, P, g.N * G, nt);
  const int64_t nblk = ceil_div(P, pb);
  T* partial = t_partial.get<T>(nt * wsize);
  std::vector<char> used(size_t(nt), 0);
  claim_items(g.N * G * nblk, [&](int64_t it, int64_t th) {
    const int64_t n = it / (G * nblk), gi = (it / nblk) % G, p0 = (it % nblk) * pb;
    const int64_t m = std::min(pb, P - p0);
    const T* xg = x + (n * g.C + gi * Cg) * HW;
    const T* B = xg + p0;
    if (!direct) {
      T* col = t_col.get<T>(Kd * pb);
      im2col(g, xg, Cg, p0, m, col);
      B = col;
    }
    const int64_t sbn = direct ? HW : m;
    T* part = partial + th * wsize + gi * Kg * Kd;
    if (!used[size_t(th)]) {
      std::fill(partial + th * wsize, partial + (th + 1) * wsize, T(0));
      used[size_t(th)] = 1;
    }
    // part (Kg, Kd) += dY_g[:, p0:p0+m] (Kg, m) @ Col^T (m, Kd)
    const Problem p{Kg, Kd, m, dy + (n * g.K + gi * Kg) * P + p0, P, 1, B, 1, sbn, part, Kd,
                    true};
    kern.run(p, Region{0, Kg, 0, Kd}, workspace<T>(kern));
  });
  parallel_for(0, wsize, grain(4096), [&](int64_t i0, int64_t i1) {
    std::fill(dw + i0, dw + i1, T(0));
    for (int64_t t = 0; t < nt; ++t) {
      if (!used[size_t(t)]) continue;
      const T* src = partial + t * wsize;
      for (int64_t i = i0; i < i1; ++i) dw[i] += src[i];
    }
  });
}

template <class T>
void backward_bias_impl(const ConvGeom& g, const T* dy, T* db) {
  const int64_t P = g.OH * g.OW;
  parallel_for(0, g.K, grain(8), [&](int64_t k0, int64_t k1) {
    for (int64_t k = k0; k < k1; ++k) {
      double acc = 0;
      for (int64_t n = 0; n < g.N; ++n) {
        // 16 running sums (vectors of them, not one add chain at the FPU's latency)
        const T* r = dy + (n * g.K + k) * P;
        T part[16] = {};
        int64_t i = 0;
        for (; i + 16 <= P; i += 16)
          for (int64_t j = 0; j < 16; ++j) part[j] += r[i + j];
        T s = 0;
        for (; i < P; ++i) s += r[i];
        for (int64_t j = 0; j < 16; ++j) s += part[j];
        acc += double(s);
      }
      db[k] = T(acc);
    }
  });
}

}  // namespace

void conv2d_forward(DType dt, const ConvGeom& g, const void* x, const void* w, const void* bias,
                    void* y) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_forward(g, typed<scalar_t>(x),
                                            typed<scalar_t>(w),
                                            typed<scalar_t>(bias),
                                            typed<scalar_t>(y));
    forward_any(kern, g, typed<scalar_t>(x), typed<scalar_t>(w), typed<scalar_t>(bias),
                typed<scalar_t>(y));
  });
}

void conv2d_backward_data(DType dt, const ConvGeom& g, const void* dy, const void* w, void* dx) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_backward_data(g, typed<scalar_t>(dy),
                                                  typed<scalar_t>(w),
                                                  typed<scalar_t>(dx));
    backward_data_impl(kern, g, typed<scalar_t>(dy),
                       typed<scalar_t>(w), typed<scalar_t>(dx));
  });
}

void conv2d_backward_weight(DType dt, const ConvGeom& g, const void* x, const void* dy,
                            void* dw) {
  const SerialScope serial(conv_flops(g));
  const Kernel kern = gemm_kernel(dt);
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    if (conv_detail::use_depthwise(g))
      return conv_detail::depthwise_backward_weight(g, typed<scalar_t>(x),
                                                    typed<scalar_t>(dy),
                                                    typed<scalar_t>(dw));
    if (conv_detail::use_winograd(g))
      return conv_detail::winograd_backward_weight(kern, g, typed<scalar_t>(x),
                                                   typed<scalar_t>(dy), typed<scalar_t>(dw));
    backward_weight_impl(kern, g, typed<scalar_t>(x),
                         typed<scalar_t>(dy), typed<scalar_t>(dw));
  });
}

void conv2d_backward_bias(DType dt, const ConvGeom& g, const void* dy, void* db) {
  const SerialScope serial(8.0 * double(g.N * g.K * g.OH * g.OW));  // a sum: cheap
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    backward_bias_impl(g, typed<scalar_t>(dy), typed<scalar_t>(db));
  });
}

}  // namespace lamina::cpu
