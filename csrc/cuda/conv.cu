// 2-D convolution on the device: twin of cpu/conv.cpp. Implicit GEMMs on shared-memory tiles:
// one tiled kernel (64 x 64 tile of the product, K steps of 16, 256 threads with 4 x 4 outputs
// each, like cuda/matmul.cu) whose operand loads gather straight from the NCHW tensors, so no
// column matrix is ever built. Per group (grid z):
//   forward:         Y[co, (n, p)]      = W[co, (ci, r, s)] @ Col[(ci, r, s), (n, p)]
//   backward-data:   dX[ci, (n, ih, iw)] = W^T[ci, (co, r, s)] @ dCol[(co, r, s), (n, ih, iw)]
//                    where dCol gathers dY at oh = (ih + ph - r dh) / sh when that divides
//                    (a gather per input pixel: no atomics, no zero-inserted dY)
//   backward-weight: dW[co, (ci, r, s)] = dY[co, (n, p)] @ Col^T[(n, p), (ci, r, s)], the long
//                    reduction split over grid z chunks added with atomicAdd into a zeroed dW
//   bias:            one block per channel (grid-stride), a block reduction over N * OH * OW.
// Grid z walks the (group, chunk) units; grid y (N tiles) and z stop at 65535 and the blocks
// loop over the rest, so any number of groups works (a depthwise conv over 100k channels has
// 100k groups).
#include <climits>

#include "../kernels/conv.h"
#include "cuda_utils.cuh"
#include "gemm_tiles.cuh"

namespace lamina::cuda {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16;
constexpr int kThreads = 256;
constexpr int64_t kSplitChunk = 4096;  // backward-weight: reduction elements per grid-z chunk

enum Mode { kForward = 0, kBackData = 1, kBackWeight = 2 };

// The input value read by output position (n, oh, ow) through tap (ci, r, s) of group gi.
template <typename T>
__device__ __forceinline__ T im2col_at(const ConvGeom& g, const T* x, int64_t n, int64_t c,
                                       int64_t oh, int64_t ow, int64_t r, int64_t s) {
  const int64_t ih = oh * g.sh - g.ph + r * g.dh, iw = ow * g.sw - g.pw + s * g.dw;
  if (ih < 0 || ih >= g.H || iw < 0 || iw >= g.W) return T(0);
  return x[((n * g.C + c) * g.H + ih) * g.W + iw];
}

// A[m, k] of the group's product.
template <typename T, int MODE>
__device__ __forceinline__ T load_a(const ConvGeom& g, const T* a, int64_t gi, int64_t m,
                                    int64_t k) {
  const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups, RS = g.R * g.S;
  if (MODE == kForward) return a[(gi * Kg + m) * Cg * RS + k];  // W[co, k]
  if (MODE == kBackData) {                                       // W[co, ci, rs], k = (co, rs)
    const int64_t co = k / RS, rs = k % RS;
    return a[((gi * Kg + co) * Cg + m) * RS + rs];
  }
  const int64_t P = g.OH * g.OW, n = k / P, p = k % P;  // dY[n, co, p], k = (n, p)
  return a[(n * g.K + gi * Kg + m) * P + p];
}

// B[k, j] of the group's product.
template <typename T, int MODE>
__device__ __forceinline__ T load_b(const ConvGeom& g, const T* b, int64_t gi, int64_t k,
                                    int64_t j) {
  const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups, RS = g.R * g.S;
  if (MODE == kForward) {  // Col[(ci, r, s), (n, p)]
    const int64_t P = g.OH * g.OW, n = j / P, p = j % P;
    const int64_t ci = k / RS, rs = k % RS;
    return im2col_at(g, b, n, gi * Cg + ci, p / g.OW, p % g.OW, rs / g.S, rs % g.S);
  }
  if (MODE == kBackData) {  // dY[n, co, oh, ow] for input pixel j = (n, ih, iw), k = (co, r, s)
    const int64_t HW = g.H * g.W, n = j / HW, q = j % HW, ih = q / g.W, iw = q % g.W;
    const int64_t co = k / RS, rs = k % RS, r = rs / g.S, s = rs % g.S;
    const int64_t th = ih + g.ph - r * g.dh, tw = iw + g.pw - s * g.dw;
    if (th < 0 || tw < 0 || th % g.sh != 0 || tw % g.sw != 0) return T(0);
    const int64_t oh = th / g.sh, ow = tw / g.sw;
    if (oh >= g.OH || ow >= g.OW) return T(0);
    return b[((n * g.K + gi * Kg + co) * g.OH + oh) * g.OW + ow];
  }
  const int64_t P = g.OH * g.OW, n = k / P, p = k % P;  // Col^T[(n, p), (ci, r, s)]
  const int64_t ci = j / RS, rs = j % RS;
  return im2col_at(g, b, n, gi * Cg + ci, p / g.OW, p % g.OW, rs / g.S, rs % g.S);
}

// Writes (or, backward-weight, adds) the product's element [m, j].
template <typename T, int MODE>
__device__ __forceinline__ void store_c(const ConvGeom& g, T* out, const T* bias, int64_t gi,
                                        int64_t m, int64_t j, T v) {
  const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups, RS = g.R * g.S;
  if (MODE == kForward) {
    const int64_t P = g.OH * g.OW, n = j / P, p = j % P, co = gi * Kg + m;
    out[(n * g.K + co) * P + p] = v + (bias ? bias[co] : T(0));
  } else if (MODE == kBackData) {
    const int64_t HW = g.H * g.W, n = j / HW, q = j % HW;
    out[(n * g.C + gi * Cg + m) * HW + q] = v;
  } else {
    atomicAdd(out + (gi * Kg + m) * Cg * RS + j, v);
  }
}

// The group's product (M, Nn) = A (M, Kr) @ B (Kr, Nn); grid (M tiles, N tiles, units) where
// unit u = (group u / nchunks, reduction chunk u % nchunks of kchunk); blocks loop over the N
// tiles and units beyond gridDim.y, gridDim.z (both at most 65535). Block-uniform loops, so the
// barriers inside are reached by every thread.
template <typename T, int MODE>
__global__ void __launch_bounds__(kThreads)
    conv_gemm(ConvGeom g, const T* a, const T* b, const T* bias, T* out, int64_t M, int64_t Nn,
              int64_t Kr, int64_t kchunk, int64_t nchunks) {
  __shared__ T As[kBK][kBM + 1];
  __shared__ T Bs[kBK][kBN + 1];
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t ntm = (M + kBM - 1) / kBM, ntn = (Nn + kBN - 1) / kBN;
  const int64_t units = g.groups * nchunks;
  for (int64_t u = blockIdx.z; u < units; u += gridDim.z) {
    const int64_t gi = u / nchunks, chunk = u % nchunks;
    const int64_t k_begin = chunk * kchunk;
    const int64_t k_end = k_begin + kchunk < Kr ? k_begin + kchunk : Kr;
    for (int64_t tn = blockIdx.y; tn < ntn; tn += gridDim.y) {
      for (int64_t tm = blockIdx.x; tm < ntm; tm += gridDim.x) {
        const int64_t m0 = tm * kBM, n0 = tn * kBN;
        T acc[4][4];
        gemm_detail::simple_tile_zero(acc);
        for (int64_t k0 = k_begin; k0 < k_end; k0 += kBK) {
          // A: k fastest (contiguous rows of W); B: j fastest (contiguous output / input pixels)
#pragma unroll
          for (int l = 0; l < kBM * kBK / kThreads; ++l) {
            const int e = tid + l * kThreads, mm = e / kBK, kk = e % kBK;
            const int64_t m = m0 + mm, k = k0 + kk;
            As[kk][mm] = (m < M && k < k_end) ? load_a<T, MODE>(g, a, gi, m, k) : T(0);
          }
#pragma unroll
          for (int l = 0; l < kBK * kBN / kThreads; ++l) {
            const int e = tid + l * kThreads, nn = e % kBN, kk = e / kBN;
            const int64_t k = k0 + kk, j = n0 + nn;
            Bs[kk][nn] = (k < k_end && j < Nn) ? load_b<T, MODE>(g, b, gi, k, j) : T(0);
          }
          __syncthreads();
          gemm_detail::simple_tile_fma(As, Bs, ty, tx, acc);
          __syncthreads();
        }
        gemm_detail::simple_tile_store(acc, m0, n0, ty, tx, M, Nn, [&](int64_t m, int64_t j, T v) {
          store_c<T, MODE>(g, out, bias, gi, m, j, v);
        });
      }
    }
  }
}

// db[k] = sum over n, p of dy[n, k, p]: block b handles channels b, b + gridDim.x, ...
// (after the last barrier of a channel only thread 0 reads part[0], which only thread 0
// writes next: no barrier needed between channels).
template <typename T>
__global__ void __launch_bounds__(kBlock) bias_grad(ConvGeom g, const T* dy, T* db) {
  __shared__ T part[kBlock];
  const int64_t P = g.OH * g.OW, total = g.N * P;
  for (int64_t k = blockIdx.x; k < g.K; k += gridDim.x) {
    T s = T(0);
    for (int64_t i = threadIdx.x; i < total; i += blockDim.x) {
      const int64_t n = i / P, p = i % P;
      s += dy[(n * g.K + k) * P + p];
    }
    part[threadIdx.x] = s;
    __syncthreads();
    for (int w = kBlock / 2; w > 0; w /= 2) {
      if (static_cast<int>(threadIdx.x) < w) part[threadIdx.x] += part[threadIdx.x + w];
      __syncthreads();
    }
    if (threadIdx.x == 0) db[k] = part[0];
  }
}

template <typename T, int MODE>
void launch(const ConvGeom& g, const T* a, const T* b, const T* bias, T* out, int64_t M,
            int64_t Nn, int64_t Kr) {
  if (M <= 0 || Nn <= 0) return;
  int64_t kchunk = Kr > 0 ? Kr : 1, nchunks = 1;
  if (MODE == kBackWeight && Kr > kSplitChunk) {
    // split the reduction only while the (group, chunk) units fit one grid z (more chunks
    // would add atomics, not parallelism); at least one chunk however many groups there are
    const int64_t room = std::max<int64_t>(1, 65535 / std::max<int64_t>(g.groups, 1));
    nchunks = std::min<int64_t>((Kr + kSplitChunk - 1) / kSplitChunk, room);
    kchunk = (Kr + nchunks - 1) / nchunks;
  }
  const int64_t ntm = (M + kBM - 1) / kBM, ntn = (Nn + kBN - 1) / kBN;
  const int64_t units = g.groups * nchunks;  // the kernel loops over units beyond 65535
  const dim3 grid(static_cast<unsigned>(std::min<int64_t>(ntm, INT_MAX)),
                  static_cast<unsigned>(std::min<int64_t>(ntn, 65535)),
                  static_cast<unsigned>(std::min<int64_t>(units, 65535)));
  LAMINA_LAUNCH((conv_gemm<T, MODE>), grid, kThreads, 0, g, a, b, bias, out, M, Nn, Kr, kchunk, nchunks);
}

}  // namespace

void conv2d_forward(DType dt, const ConvGeom& g, const void* x, const void* w, const void* bias,
                    void* y) {
  LAMINA_DISPATCH_FLOAT(dt, "conv2d", [&] {
    const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups;
    launch<scalar_t, kForward>(g, typed<scalar_t>(w),
                               typed<scalar_t>(x),
                               typed<scalar_t>(bias), typed<scalar_t>(y),
                               Kg, g.N * g.OH * g.OW, Cg * g.R * g.S);
  });
}

void conv2d_backward_data(DType dt, const ConvGeom& g, const void* dy, const void* w, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups;
    launch<scalar_t, kBackData>(g, typed<scalar_t>(w),
                                typed<scalar_t>(dy), nullptr,
                                typed<scalar_t>(dx), Cg, g.N * g.H * g.W,
                                Kg * g.R * g.S);
  });
}

void conv2d_backward_weight(DType dt, const ConvGeom& g, const void* x, const void* dy,
                            void* dw) {
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    const int64_t Cg = g.C / g.groups, Kg = g.K / g.groups;
    LAMINA_CUDA_CHECK(
        cudaMemsetAsync(dw, 0, size_t(g.K * Cg * g.R * g.S) * sizeof(scalar_t), 0));
    launch<scalar_t, kBackWeight>(g, typed<scalar_t>(dy),
                                  typed<scalar_t>(x), nullptr,
                                  typed<scalar_t>(dw), Kg, Cg * g.R * g.S,
                                  g.N * g.OH * g.OW);
  });
}

void conv2d_backward_bias(DType dt, const ConvGeom& g, const void* dy, void* db) {
  LAMINA_DISPATCH_FLOAT(dt, "conv2d_backward", [&] {
    if (g.K <= 0) return;
    LAMINA_LAUNCH(bias_grad<scalar_t>, static_cast<unsigned>(std::min<int64_t>(g.K, kMaxBlocks)),
                  kBlock, 0,
        g, typed<scalar_t>(dy), typed<scalar_t>(db));
  });
}

}  // namespace lamina::cuda
