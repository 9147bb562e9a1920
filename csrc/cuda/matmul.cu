// Batched GEMM on the device: twin of cpu/matmul.cpp. A plain shared-memory tiled kernel with
// 4x4 register blocking that loads through the strides (so transposed views need no copy);
// the fast GEMM replaces its body behind the same signature.
#include <climits>

#include "cuda.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

constexpr int kBM = 64, kBN = 64, kBK = 16;  // C tile and K step of one block
constexpr int kThreads = 256;                // 16 x 16 threads, 4 x 4 outputs each
static_assert(kBM * kBK % kThreads == 0 && kBK * kBN % kThreads == 0, "whole tile loads");

template <typename T>
struct GemmArgs {
  int64_t batch, M, N, K;
  const T* A;
  int64_t sab, sam, sak;
  const T* B;
  int64_t sbb, sbk, sbn;
  T* C;
  bool a_k_fast;  // A's unit-stride (or smaller-stride) dim is k: load k-fastest
  bool b_n_fast;  // B's is n: load n-fastest
};

// A (batch, M, K) strides (sab, sam, sak); B (batch, K, N) strides (sbb, sbk, sbn);
// C (batch, M, N) contiguous = A @ B.
// Block (x: M tile, y: N tile, z: batch) computes a 64 x 64 tile of C; thread (ty, tx) of
// 16 x 16 owns rows m0 + ty + 16 i and cols n0 + tx + 16 j (i, j < 4). Per K step of 16 the
// block stages A (64 x 16) and B (16 x 64) in shared memory, zero-padded past the edges.
template <typename T>
__global__ void __launch_bounds__(kThreads) gemm_kernel(GemmArgs<T> g) {
  __shared__ T As[kBK][kBM + 1];  // As[k][m]
  __shared__ T Bs[kBK][kBN + 1];  // Bs[k][n]
  const int tid = threadIdx.x, tx = tid % 16, ty = tid / 16;
  const int64_t ntm = (g.M + kBM - 1) / kBM, ntn = (g.N + kBN - 1) / kBN;
  for (int64_t bz = blockIdx.z; bz < g.batch; bz += gridDim.z) {
    const T* A = g.A + bz * g.sab;
    const T* B = g.B + bz * g.sbb;
    T* C = g.C + bz * g.M * g.N;
    for (int64_t tn = blockIdx.y; tn < ntn; tn += gridDim.y) {
      for (int64_t tm = blockIdx.x; tm < ntm; tm += gridDim.x) {
        const int64_t m0 = tm * kBM, n0 = tn * kBN;
        T acc[4][4];
#pragma unroll
        for (int i = 0; i < 4; ++i)
#pragma unroll
          for (int j = 0; j < 4; ++j) acc[i][j] = T(0);
        for (int64_t k0 = 0; k0 < g.K; k0 += kBK) {
#pragma unroll
          for (int l = 0; l < kBM * kBK / kThreads; ++l) {
            const int e = tid + l * kThreads;
            const int mm = g.a_k_fast ? e / kBK : e % kBM;
            const int kk = g.a_k_fast ? e % kBK : e / kBM;
            const int64_t m = m0 + mm, k = k0 + kk;
            As[kk][mm] = (m < g.M && k < g.K) ? A[m * g.sam + k * g.sak] : T(0);
          }
#pragma unroll
          for (int l = 0; l < kBK * kBN / kThreads; ++l) {
            const int e = tid + l * kThreads;
            const int nn = g.b_n_fast ? e % kBN : e / kBK;
            const int kk = g.b_n_fast ? e / kBN : e % kBK;
            const int64_t k = k0 + kk, n = n0 + nn;
            Bs[kk][nn] = (k < g.K && n < g.N) ? B[k * g.sbk + n * g.sbn] : T(0);
          }
          __syncthreads();
#pragma unroll
          for (int kk = 0; kk < kBK; ++kk) {
            T av[4], bv[4];
#pragma unroll
            for (int i = 0; i < 4; ++i) av[i] = As[kk][ty + 16 * i];
#pragma unroll
            for (int j = 0; j < 4; ++j) bv[j] = Bs[kk][tx + 16 * j];
#pragma unroll
            for (int i = 0; i < 4; ++i)
#pragma unroll
              for (int j = 0; j < 4; ++j) acc[i][j] += av[i] * bv[j];
          }
          __syncthreads();
        }
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const int64_t m = m0 + ty + 16 * i;
          if (m >= g.M) continue;
#pragma unroll
          for (int j = 0; j < 4; ++j) {
            const int64_t n = n0 + tx + 16 * j;
            if (n < g.N) C[m * g.N + n] = acc[i][j];
          }
        }
      }
    }
  }
}

// The dim with unit stride (or, failing that, the smaller stride) is the one to load fastest.
bool first_is_fast(int64_t s_first, int64_t s_other) {
  auto mag = [](int64_t s) { return s < 0 ? -s : s; };
  if (s_first == 1) return true;
  if (s_other == 1) return false;
  return mag(s_first) <= mag(s_other);
}

}  // namespace

void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C) {
  LAMINA_DISPATCH_NUMERIC(dt, "matmul", [&] {
    if (batch <= 0 || M <= 0 || N <= 0) return;
    GemmArgs<scalar_t> g{batch, M, N, K,
                         static_cast<const scalar_t*>(A), sab, sam, sak,
                         static_cast<const scalar_t*>(B), sbb, sbk, sbn,
                         static_cast<scalar_t*>(C),
                         first_is_fast(sak, sam), first_is_fast(sbn, sbk)};
    const int64_t ntm = (M + kBM - 1) / kBM, ntn = (N + kBN - 1) / kBN;
    const dim3 grid(static_cast<unsigned>(std::min<int64_t>(ntm, INT_MAX)),
                    static_cast<unsigned>(std::min<int64_t>(ntn, 65535)),
                    static_cast<unsigned>(std::min<int64_t>(batch, 65535)));
    gemm_kernel<scalar_t><<<grid, kThreads>>>(g);
    LAMINA_CUDA_CHECK(cudaGetLastError());
  });
}

}  // namespace lamina::cuda
