// Batched GEMM on the device: twin of cpu/matmul.cpp. C (batch, M, N) contiguous = A @ B with
// A, B read through their strides (transposed views and stride-0 batch broadcasts need no copy).
//   float32: a SIMT SGEMM (block tile 128 x 128, or 64 x 64 when the big tiles would leave SMs
//     idle; BK = 8; warp tiling; double-buffered shared memory fed by a register prefetch of the
//     next K tile; 16-byte global loads where alignment allows), or, when TF32 is allowed
//     (lamina.backends.cuda.matmul.allow_tf32) and the device has tensor cores for it
//     (sm_80+), the mma.sync TF32 GEMM of matmul_tc.cu.
//   float64, int64: the plain tiled kernel below.
#include <atomic>
#include <climits>

#include "../kernels/matmul.h"
#include "cuda_utils.cuh"
#include "gemm_tiles.cuh"

namespace lamina::cuda {

namespace {
std::atomic<bool> g_allow_tf32{false};
}  // namespace

void set_matmul_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool matmul_allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

namespace gemm_detail {

int device_attr(cudaDeviceAttr attr) {
  int dev = 0, value = 0;
  LAMINA_CUDA_CHECK(cudaGetDevice(&dev));
  LAMINA_CUDA_CHECK(cudaDeviceGetAttribute(&value, attr, dev));
  return value;
}

namespace {

// SIMT SGEMM. Block tile BM x BN, K step BK = 8, WARPS_M x WARPS_N warps, each owning a warp
// tile WM x WN = (32 RM) x (16 RN). Lane l is (tm, tn) = (l / 4, l % 4) of an 8 x 4 grid and
// owns RM x RN sub-tiles of 4 x 4 outputs:
//   rows wm0 + 32 i + 4 tm + r (i < RM, r < 4), cols wn0 + 16 j + 4 tn + c (j < RN, c < 4),
// so per k it reads RM float4 of A and RN float4 of B from shared memory (a quarter-warp reads
// at most 2 (A) or 4 (B) distinct float4: broadcast, no bank conflicts) for 16 RM RN FMAs.
// Shared memory holds two K tiles (smem[k][m], rows padded by 4 floats so the transposing
// stores of KFAST operands do not collide); while the block multiplies one, each thread
// holds its part of the next in registers and writes it to the other buffer afterwards, so
// one __syncthreads per K tile suffices:
//   iteration kt reads buffer kt % 2 and writes buffer (kt + 1) % 2, which every thread
//   finished reading in iteration kt - 1 (before that iteration's closing barrier).
template <int BM, int BN, int WARPS_M, int WARPS_N, int RM, int RN, bool A_KFAST, bool B_KFAST>
__global__ void __launch_bounds__(WARPS_M * WARPS_N * 32, 1) sgemm_kernel(GemmParams p) {
  constexpr int kThreads = WARPS_M * WARPS_N * 32, BK = 8;
  constexpr int WM = 32 * RM, WN = 16 * RN;
  static_assert(WARPS_M * WM == BM && WARPS_N * WN == BN, "warps cover the block tile");
  constexpr int LDA = BM + 4, LDB = BN + 4;
  __shared__ __align__(16) float As[2][BK * LDA];
  __shared__ __align__(16) float Bs[2][BK * LDB];
  TileLoader<BM, BK, kThreads, LDA, A_KFAST> la;
  TileLoader<BN, BK, kThreads, LDB, B_KFAST> lb;
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm0 = (warp % WARPS_M) * WM, wn0 = (warp / WARPS_M) * WN;
  const int tm = lane >> 2, tn = lane & 3;
  const int64_t nk = (p.K + BK - 1) / BK;

  for_each_tile<BM, BN>(p.batch, p.M, p.N, [&](int64_t bz, int64_t m0, int64_t n0) {
    const float* A = p.A + bz * p.sab;
    const float* B = p.B + bz * p.sbb;
    float acc[4 * RM][4 * RN];
#pragma unroll
    for (int r = 0; r < 4 * RM; ++r)
#pragma unroll
      for (int c = 0; c < 4 * RN; ++c) acc[r][c] = 0.f;

    la.begin(A, p.sam, p.sak, p.M, m0, tid);
    lb.begin(B, p.sbn, p.sbk, p.N, n0, tid);
    if (nk > 0) {
      la.load(p.K, p.a_vec);
      lb.load(p.K, p.b_vec);
      la.store(As[0], tid, StageF32{});
      lb.store(Bs[0], tid, StageF32{});
      __syncthreads();
    }
    for (int64_t kt = 0; kt < nk; ++kt) {
      const int cur = static_cast<int>(kt & 1);
      const bool more = kt + 1 < nk;
      if (more) {  // prefetch the next K tile into registers
        la.load(p.K - (kt + 1) * BK, p.a_vec);
        lb.load(p.K - (kt + 1) * BK, p.b_vec);
      }
      const float* as = As[cur] + wm0 + 4 * tm;
      const float* bs = Bs[cur] + wn0 + 4 * tn;
#pragma unroll
      for (int kk = 0; kk < BK; ++kk) {
        float a[4 * RM], b[4 * RN];
#pragma unroll
        for (int i = 0; i < RM; ++i) {
          const float4 v = *reinterpret_cast<const float4*>(as + kk * LDA + 32 * i);
          a[4 * i] = v.x, a[4 * i + 1] = v.y, a[4 * i + 2] = v.z, a[4 * i + 3] = v.w;
        }
#pragma unroll
        for (int j = 0; j < RN; ++j) {
          const float4 v = *reinterpret_cast<const float4*>(bs + kk * LDB + 16 * j);
          b[4 * j] = v.x, b[4 * j + 1] = v.y, b[4 * j + 2] = v.z, b[4 * j + 3] = v.w;
        }
#pragma unroll
        for (int r = 0; r < 4 * RM; ++r)
#pragma unroll
          for (int c = 0; c < 4 * RN; ++c) acc[r][c] = fmaf(a[r], b[c], acc[r][c]);
      }
      if (more) {
        la.store(As[cur ^ 1], tid, StageF32{});
        lb.store(Bs[cur ^ 1], tid, StageF32{});
      }
      __syncthreads();  // closes the reads of buffer cur and publishes buffer cur ^ 1
    }

    float* C = p.C + bz * p.M * p.N;
#pragma unroll
    for (int i = 0; i < RM; ++i)
#pragma unroll
      for (int r = 0; r < 4; ++r) {
        const int64_t m = m0 + wm0 + 32 * i + 4 * tm + r;
#pragma unroll
        for (int j = 0; j < RN; ++j)
          store_row<4>(C, p.M, p.N, m, n0 + wn0 + 16 * j + 4 * tn, &acc[4 * i + r][4 * j],
                       p.c_vec4);
      }
  });
}

// The four stride orders of (A, B), each its own instantiation.
template <int BM, int BN, int WARPS_M, int WARPS_N, int RM, int RN>
void launch_sgemm(const GemmParams& p, bool a_kfast, bool b_kfast) {
  const dim3 grid = tile_grid(p.batch, p.M, p.N, BM, BN);
  constexpr int threads = WARPS_M * WARPS_N * 32;
  if (a_kfast && b_kfast)
    LAMINA_LAUNCH((sgemm_kernel<BM, BN, WARPS_M, WARPS_N, RM, RN, true, true>), grid, threads, 0, p);
  else if (a_kfast)
    LAMINA_LAUNCH((sgemm_kernel<BM, BN, WARPS_M, WARPS_N, RM, RN, true, false>), grid, threads, 0, p);
  else if (b_kfast)
    LAMINA_LAUNCH((sgemm_kernel<BM, BN, WARPS_M, WARPS_N, RM, RN, false, true>), grid, threads, 0, p);
  else
    LAMINA_LAUNCH((sgemm_kernel<BM, BN, WARPS_M, WARPS_N, RM, RN, false, false>), grid, threads, 0, p);
}

void gemm_f32(int64_t batch, int64_t M, int64_t N, int64_t K, const float* A, int64_t sab,
              int64_t sam, int64_t sak, const float* B, int64_t sbb, int64_t sbk, int64_t sbn,
              float* C) {
  GemmParams p{batch, M, N, K, A, sab, sam, sak, B, sbb, sbk, sbn, C, false, false, false, false};
  const bool a_kfast = first_is_fast(sak, sam), b_kfast = !first_is_fast(sbn, sbk);
  p.a_vec = a_kfast ? vec_ok(A, sak, sam, sab, batch) : vec_ok(A, sam, sak, sab, batch);
  p.b_vec = b_kfast ? vec_ok(B, sbk, sbn, sbb, batch) : vec_ok(B, sbn, sbk, sbb, batch);
  const auto addr = reinterpret_cast<uintptr_t>(C);
  p.c_vec4 = addr % 16 == 0 && N % 4 == 0;
  p.c_vec2 = addr % 8 == 0 && N % 2 == 0;

  if (matmul_allow_tf32() && device_attr(cudaDevAttrComputeCapabilityMajor) >= 8) {
    launch_tf32(p, a_kfast, b_kfast);
    return;
  }
  // 128 x 128 tiles (256 threads, 8 x 8 outputs each) when they give every SM a block;
  // otherwise 64 x 64 tiles (128 threads, 4 x 8 outputs each) for 4x the blocks.
  const int64_t big = ((M + 127) / 128) * ((N + 127) / 128) * batch;
  if (big >= device_attr(cudaDevAttrMultiProcessorCount))
    launch_sgemm<128, 128, 2, 4, 2, 2>(p, a_kfast, b_kfast);
  else
    launch_sgemm<64, 64, 2, 2, 1, 2>(p, a_kfast, b_kfast);
}

constexpr int kSimpleBM = 64, kSimpleBN = 64, kSimpleBK = 16;  // C tile and K step of one block
constexpr int kSimpleThreads = 256;                // 16 x 16 threads, 4 x 4 outputs each
static_assert(kSimpleBM * kSimpleBK % kSimpleThreads == 0 && kSimpleBK * kSimpleBN % kSimpleThreads == 0, "whole tile loads");

template <typename T>
struct SimpleArgs : GemmOperands<T> {
  bool a_k_fast;  // A's unit-stride (or smaller-stride) dim is k: load k-fastest
  bool b_n_fast;  // B's is n: load n-fastest
};

// float64 / int64: a plain shared-memory tile. A (batch, M, K) strides (sab, sam, sak);
// B (batch, K, N) strides (sbb, sbk, sbn); C (batch, M, N) contiguous = A @ B.
// Block (x: M tile, y: N tile, z: batch) computes a 64 x 64 tile of C; thread (ty, tx) of
// 16 x 16 owns rows m0 + ty + 16 i and cols n0 + tx + 16 j (i, j < 4). Per K step of 16 the
// block stages A (64 x 16) and B (16 x 64) in shared memory, zero-padded past the edges.
template <typename T>
__global__ void __launch_bounds__(kSimpleThreads) simple_gemm_kernel(SimpleArgs<T> g) {
  __shared__ T As[kSimpleBK][kSimpleBM + 1];  // As[k][m]
  __shared__ T Bs[kSimpleBK][kSimpleBN + 1];  // Bs[k][n]
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t ntm = (g.M + kSimpleBM - 1) / kSimpleBM, ntn = (g.N + kSimpleBN - 1) / kSimpleBN;
  for (int64_t bz = blockIdx.z; bz < g.batch; bz += gridDim.z) {
    const T* A = g.A + bz * g.sab;
    const T* B = g.B + bz * g.sbb;
    T* C = g.C + bz * g.M * g.N;
    for (int64_t tn = blockIdx.y; tn < ntn; tn += gridDim.y) {
      for (int64_t tm = blockIdx.x; tm < ntm; tm += gridDim.x) {
        const int64_t m0 = tm * kSimpleBM, n0 = tn * kSimpleBN;
        T acc[4][4];
        gemm_detail::simple_tile_zero(acc);
        for (int64_t k0 = 0; k0 < g.K; k0 += kSimpleBK) {
#pragma unroll
          for (int l = 0; l < kSimpleBM * kSimpleBK / kSimpleThreads; ++l) {
            const int e = tid + l * kSimpleThreads;
            const int mm = g.a_k_fast ? e / kSimpleBK : e % kSimpleBM;
            const int kk = g.a_k_fast ? e % kSimpleBK : e / kSimpleBM;
            const int64_t m = m0 + mm, k = k0 + kk;
            As[kk][mm] = (m < g.M && k < g.K) ? A[m * g.sam + k * g.sak] : T(0);
          }
#pragma unroll
          for (int l = 0; l < kSimpleBK * kSimpleBN / kSimpleThreads; ++l) {
            const int e = tid + l * kSimpleThreads;
            const int nn = g.b_n_fast ? e % kSimpleBN : e / kSimpleBK;
            const int kk = g.b_n_fast ? e / kSimpleBN : e % kSimpleBK;
            const int64_t k = k0 + kk, n = n0 + nn;
            Bs[kk][nn] = (k < g.K && n < g.N) ? B[k * g.sbk + n * g.sbn] : T(0);
          }
          __syncthreads();
          gemm_detail::simple_tile_fma(As, Bs, ty, tx, acc);
          __syncthreads();
        }
        gemm_detail::simple_tile_store(acc, m0, n0, ty, tx, g.M, g.N,
                                       [&](int64_t m, int64_t n, T v) { C[m * g.N + n] = v; });
      }
    }
  }
}

}  // namespace
}  // namespace gemm_detail

void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C) {
  if (batch <= 0 || M <= 0 || N <= 0) return;
  if (dt == DType::Float32) {
    gemm_detail::gemm_f32(batch, M, N, K, static_cast<const float*>(A), sab, sam, sak,
                          static_cast<const float*>(B), sbb, sbk, sbn, static_cast<float*>(C));
    return;
  }
  LAMINA_DISPATCH_NUMERIC(dt, "matmul", [&] {
    using namespace gemm_detail;
    SimpleArgs<scalar_t> g{batch, M, N, K,
                           typed<scalar_t>(A), sab, sam, sak,
                           typed<scalar_t>(B), sbb, sbk, sbn,
                           typed<scalar_t>(C),
                           first_is_fast(sak, sam), first_is_fast(sbn, sbk)};
    const dim3 grid = tile_grid(batch, M, N, kSimpleBM, kSimpleBN);
    LAMINA_LAUNCH(simple_gemm_kernel<scalar_t>, grid, kSimpleThreads, 0, g);
  });
}

}  // namespace lamina::cuda
