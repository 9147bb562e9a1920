// Tensor-core fp32 GEMM: mma.sync m16n8k8 with TF32 operands (inputs rounded to TF32 with
// cvt.rna.tf32.f32 while they are staged into shared memory, fp32 accumulation). Used by
// cuda::gemm for float32 only when lamina.backends.cuda.matmul.allow_tf32 is set and the device
// is sm_80 or newer.
//
// The kernel is templated on an Mma policy (fragment loads from shared memory + the mma
// instruction), so a bf16 policy (mma.m16n8k16.row.col.f32.bf16.bf16.f32: also 4 A and 2 B
// registers per thread, each holding a pair of bf16 along k) can drop in; it would bring its
// own staged element type and a TileLoader over it.
#include <cstdint>

#include "../kernels/matmul.h"
#include "cuda_utils.cuh"
#include "gemm_tiles.cuh"

namespace lamina::cuda::gemm_detail {
namespace {

// Rounds to TF32 (10-bit mantissa, round to nearest, ties away from zero); the result is an
// fp32 bit pattern with the low 13 bits clear, as mma .tf32 operands expect.
struct StageTf32 {
  __device__ __forceinline__ float operator()(float x) const {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    uint32_t r;
    asm("cvt.rna.tf32.f32 %0, %1;" : "=r"(r) : "f"(x));
    return __uint_as_float(r);
#elif defined(LAMINA_CUDA_SIM)
    return ::lamina::sim::cvt_rna_tf32(x);
#else
    return x;
#endif
  }
};

// mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32, fragment layouts of the PTX ISA
// ("Matrix fragments for mma.m16n8k8", .tf32), with g = lane >> 2 (groupID) and
// t = lane & 3 (threadID_in_group):
//   A (16 x 8, row index m, col index k), 4 x .b32 per thread:
//     a0 = A[g][t]   a1 = A[g + 8][t]   a2 = A[g][t + 4]   a3 = A[g + 8][t + 4]
//   B (8 x 8, row index k, col index n), 2 x .b32 per thread:
//     b0 = B[t][g]   b1 = B[t + 4][g]
//   C, D (16 x 8, fp32), 4 x .f32 per thread:
//     c0 = C[g][2t]  c1 = C[g][2t + 1]  c2 = C[g + 8][2t]  c3 = C[g + 8][2t + 1]
// Shared memory holds both operands k-major (as[k][m], bs[k][n], row lengths lda, ldb), so a
// fragment element (k, mn) is at k * ld + mn. With ld = 8 (mod 32) words the 32 lanes of a
// fragment load hit banks (8 t + g) mod 32: all different, no conflicts.
struct MmaTf32 {
  static constexpr int kK = 8;  // k per instruction
  static constexpr int kARegs = 4, kBRegs = 2;
  using Stage = StageTf32;

  // as: &As[k0][m0] of a 16 x 8 (m x k) sub-tile.
  __device__ __forceinline__ static void load_a(const float* as, int lda, int lane,
                                                uint32_t (&a)[kARegs]) {
    const int g = lane >> 2, t = lane & 3;
    a[0] = __float_as_uint(as[t * lda + g]);
    a[1] = __float_as_uint(as[t * lda + g + 8]);
    a[2] = __float_as_uint(as[(t + 4) * lda + g]);
    a[3] = __float_as_uint(as[(t + 4) * lda + g + 8]);
  }
  // bs: &Bs[k0][n0] of an 8 x 8 (k x n) sub-tile.
  __device__ __forceinline__ static void load_b(const float* bs, int ldb, int lane,
                                                uint32_t (&b)[kBRegs]) {
    const int g = lane >> 2, t = lane & 3;
    b[0] = __float_as_uint(bs[t * ldb + g]);
    b[1] = __float_as_uint(bs[(t + 4) * ldb + g]);
  }
  // c += a @ b over the 16 x 8 x 8 sub-problem (the whole warp takes part).
  __device__ __forceinline__ static void mma(float (&c)[4], const uint32_t (&a)[kARegs],
                                             const uint32_t (&b)[kBRegs]) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
    asm volatile(
        "mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 "
        "{%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, {%0, %1, %2, %3};\n"
        : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
        : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b[0]), "r"(b[1]));
#elif defined(LAMINA_CUDA_SIM)
    ::lamina::sim::mma_m16n8k8_tf32(c, a, b, c);  // the PTX ISA's functional model
#else
    __trap();  // the host never launches this kernel below sm_80
#endif
  }
};

// Block tile BM x BN, K step BK = 2 instructions' k, WARPS_M x WARPS_N warps each owning a
// WM x WN warp tile of MT x NT mma tiles (16 x 8). Staging as in sgemm_kernel (matmul.cu):
// two shared buffers, register prefetch of the next K tile, one barrier per K tile.
template <class Mma, int BM, int BN, int WARPS_M, int WARPS_N, bool A_KFAST, bool B_KFAST>
__global__ void __launch_bounds__(WARPS_M * WARPS_N * 32, 1) tc_gemm_kernel(GemmParams p) {
  constexpr int kThreads = WARPS_M * WARPS_N * 32, BK = 2 * Mma::kK;
  constexpr int WM = BM / WARPS_M, WN = BN / WARPS_N, MT = WM / 16, NT = WN / 8;
  static_assert(WM % 16 == 0 && WN % 8 == 0 && WARPS_M * WM == BM && WARPS_N * WN == BN,
                "warps cover the block tile with whole mma tiles");
  constexpr int LDA = BM + 8, LDB = BN + 8;
  static_assert(LDA % 32 == 8 && LDB % 32 == 8, "conflict-free fragment loads");
  __shared__ __align__(16) float As[2][BK * LDA];
  __shared__ __align__(16) float Bs[2][BK * LDB];
  TileLoader<BM, BK, kThreads, LDA, A_KFAST> la;
  TileLoader<BN, BK, kThreads, LDB, B_KFAST> lb;
  const typename Mma::Stage stage{};
  const int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
  const int wm0 = (warp % WARPS_M) * WM, wn0 = (warp / WARPS_M) * WN;
  const int64_t nk = (p.K + BK - 1) / BK;

  for_each_tile<BM, BN>(p.batch, p.M, p.N, [&](int64_t bz, int64_t m0, int64_t n0) {
    const float* A = p.A + bz * p.sab;
    const float* B = p.B + bz * p.sbb;
    float acc[MT][NT][4];
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j)
#pragma unroll
        for (int q = 0; q < 4; ++q) acc[i][j][q] = 0.f;

    la.begin(A, p.sam, p.sak, p.M, m0, tid);
    lb.begin(B, p.sbn, p.sbk, p.N, n0, tid);
    if (nk > 0) {
      la.load(p.K, p.a_vec);
      lb.load(p.K, p.b_vec);
      la.store(As[0], tid, stage);
      lb.store(Bs[0], tid, stage);
      __syncthreads();
    }
    for (int64_t kt = 0; kt < nk; ++kt) {
      const int cur = static_cast<int>(kt & 1);
      const bool more = kt + 1 < nk;
      if (more) {
        la.load(p.K - (kt + 1) * BK, p.a_vec);
        lb.load(p.K - (kt + 1) * BK, p.b_vec);
      }
#pragma unroll
      for (int ks = 0; ks < BK; ks += Mma::kK) {
        uint32_t a[MT][Mma::kARegs], b[NT][Mma::kBRegs];
#pragma unroll
        for (int i = 0; i < MT; ++i)
          Mma::load_a(As[cur] + ks * LDA + wm0 + 16 * i, LDA, lane, a[i]);
#pragma unroll
        for (int j = 0; j < NT; ++j)
          Mma::load_b(Bs[cur] + ks * LDB + wn0 + 8 * j, LDB, lane, b[j]);
#pragma unroll
        for (int i = 0; i < MT; ++i)
#pragma unroll
          for (int j = 0; j < NT; ++j) Mma::mma(acc[i][j], a[i], b[j]);
      }
      if (more) {
        la.store(As[cur ^ 1], tid, stage);
        lb.store(Bs[cur ^ 1], tid, stage);
      }
      __syncthreads();
    }

    // c0, c1 -> row g, cols 2t, 2t + 1; c2, c3 -> row g + 8, same cols.
    float* C = p.C + bz * p.M * p.N;
    const int g = lane >> 2, t = lane & 3;
#pragma unroll
    for (int i = 0; i < MT; ++i)
#pragma unroll
      for (int j = 0; j < NT; ++j) {
        const int64_t m = m0 + wm0 + 16 * i + g, n = n0 + wn0 + 8 * j + 2 * t;
        store_row<2>(C, p.M, p.N, m, n, &acc[i][j][0], p.c_vec2);
        store_row<2>(C, p.M, p.N, m + 8, n, &acc[i][j][2], p.c_vec2);
      }
  });
}

template <class Mma, int BM, int BN, int WARPS_M, int WARPS_N>
void launch_tc(const GemmParams& p, bool a_kfast, bool b_kfast) {
  const dim3 grid = tile_grid(p.batch, p.M, p.N, BM, BN);
  constexpr int threads = WARPS_M * WARPS_N * 32;
  if (a_kfast && b_kfast)
    LAMINA_LAUNCH((tc_gemm_kernel<Mma, BM, BN, WARPS_M, WARPS_N, true, true>), grid, threads, 0, p);
  else if (a_kfast)
    LAMINA_LAUNCH((tc_gemm_kernel<Mma, BM, BN, WARPS_M, WARPS_N, true, false>), grid, threads, 0, p);
  else if (b_kfast)
    LAMINA_LAUNCH((tc_gemm_kernel<Mma, BM, BN, WARPS_M, WARPS_N, false, true>), grid, threads, 0, p);
  else
    LAMINA_LAUNCH((tc_gemm_kernel<Mma, BM, BN, WARPS_M, WARPS_N, false, false>), grid, threads, 0, p);
}

}  // namespace

void launch_tf32(const GemmParams& p, bool a_kfast, bool b_kfast) {
  // 128 x 128 tiles (8 warps of 64 x 32: 4 x 4 mma tiles each) when they give every SM a
  // block, else 64 x 64 (4 warps of 32 x 32: 2 x 4 mma tiles).
  const int64_t big = ((p.M + 127) / 128) * ((p.N + 127) / 128) * p.batch;
  if (big >= device_attr(cudaDevAttrMultiProcessorCount))
    launch_tc<MmaTf32, 128, 128, 2, 4>(p, a_kfast, b_kfast);
  else
    launch_tc<MmaTf32, 64, 64, 2, 2>(p, a_kfast, b_kfast);
}

}  // namespace lamina::cuda::gemm_detail
