#pragma once
// Building blocks of the fp32 device GEMMs (cuda/matmul.cu: SIMT, cuda/matmul_tc.cu: tensor
// cores), written so an implicit-GEMM convolution can reuse them.
//
// Both operands are seen as panels "MN x K": A is (M, K) with strides (sam, sak), B is (K, N)
// with strides (sbk, sbn), i.e. for B the MN dim is n. A block stages a BMN x BK slice of each
// panel in shared memory as smem[k][mn] (row length LD >= BMN, k-major so a thread reads
// consecutive m (or n) values of one k), zero-filled past MN and K, so the inner loops never
// test bounds.
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda_utils.cuh"

namespace lamina::cuda::gemm_detail {

// The operands of every device GEMM: C (batch, M, N) contiguous = A @ B, A (batch, M, K) with
// strides (sab, sam, sak), B (batch, K, N) with (sbb, sbk, sbn); batch strides may be 0
// (broadcast).
template <typename T>
struct GemmOperands {
  int64_t batch, M, N, K;
  const T* A;
  int64_t sab, sam, sak;
  const T* B;
  int64_t sbb, sbk, sbn;
  T* C;
};

// Everything an fp32 GEMM kernel needs. *_vec: the operand may be read with 16-byte loads
// (see vec_ok).
struct GemmParams : GemmOperands<float> {
  bool a_vec, b_vec;  // 16-byte loads of A / B (vec_ok)
  bool c_vec4, c_vec2;  // float4 / float2 stores of C (store_row)
};

// The dim with unit stride (or, failing that, the smaller stride) is the one to load fastest:
// true when `first` (k for A, n for B) is that dim.
inline bool first_is_fast(int64_t s_first, int64_t s_other) {
  auto mag = [](int64_t s) { return s < 0 ? -s : s; };
  if (s_first == 1) return true;
  if (s_other == 1) return false;
  return mag(s_first) <= mag(s_other);
}

// 16-byte loads of 4 floats along the fast dim are valid when that dim has unit stride and
// every group start is 16-byte aligned: the base pointer, the other (leading) stride and the
// batch stride (when there is more than one batch) all multiples of 4 floats. Group starts are
// multiples of 4 along the fast dim (tile origins are multiples of 4), so the checks suffice.
inline bool vec_ok(const void* base, int64_t s_fast, int64_t s_lead, int64_t s_batch,
                   int64_t batch) {
  return s_fast == 1 && reinterpret_cast<uintptr_t>(base) % 16 == 0 && s_lead % 4 == 0 &&
         (batch == 1 || s_batch % 4 == 0);
}

// Identity staging (SIMT kernels keep full fp32).
struct StageF32 {
  __device__ __forceinline__ float operator()(float x) const { return x; }
};

// Global -> registers -> shared staging of one BMN x BK panel slice by THREADS threads. Each
// thread owns G groups of 4 elements consecutive along the operand's fast dim:
//   KFAST (k has the smaller stride: A row-major, B column-major): group = (mn, k..k+3);
//   otherwise (mn fast: A column-major, B row-major):           group = (k, mn..mn+3).
// Consecutive threads take consecutive groups along the fast dim, so global reads coalesce.
// begin() points the groups at a tile's panel slice, load() fetches the next K tile into
// registers (while the block multiplies the current one) and store() writes them to
// smem[k][mn] through `stage`.
template <int BMN, int BK, int THREADS, int LD, bool KFAST>
struct TileLoader {
  static constexpr int kGroups = BMN * BK / (4 * THREADS);
  static_assert(BMN * BK % (4 * THREADS) == 0 && kGroups >= 1, "whole groups per thread");
  static_assert(BMN % 4 == 0 && BK % 4 == 0 && LD % 4 == 0, "16-byte aligned smem rows");

  float reg[kGroups][4];

  // Tile-relative coordinates of group g of thread tid (mn, k: first element of the group).
  __device__ __forceinline__ static void coords(int tid, int g, int& mn, int& k) {
    const int idx = tid + g * THREADS;
    if constexpr (KFAST) {
      mn = idx / (BK / 4);
      k = (idx % (BK / 4)) * 4;
    } else {
      k = idx / (BMN / 4);
      mn = (idx % (BMN / 4)) * 4;
    }
  }

  // Per-tile state: ptr[g] points at the first element of group g in the next K tile to
  // load; ok[g] is, for KFAST, 1 when the group's row mn is inside MN (else 0), otherwise the
  // number of the group's 4 mn values inside MN (0..4); s_fast steps along the group.
  const float* ptr[kGroups];
  int ok[kGroups];
  int64_t s_fast, k_step;

  // Starts the panel slice of the tile at mn0 (K from 0). base: the operand of this batch;
  // s_mn, s_k: its strides; MN: its extent along mn.
  __device__ __forceinline__ void begin(const float* base, int64_t s_mn, int64_t s_k, int64_t MN,
                                        int64_t mn0, int tid) {
    s_fast = KFAST ? s_k : s_mn;
    k_step = BK * s_k;
#pragma unroll
    for (int g = 0; g < kGroups; ++g) {
      int mn, k;
      coords(tid, g, mn, k);
      const int64_t gm = mn0 + mn;
      const int64_t left = MN - gm;  // mn values from gm on inside MN
      ok[g] = KFAST ? (left > 0) : static_cast<int>(left < 0 ? 0 : (left > 4 ? 4 : left));
      ptr[g] = base + gm * s_mn + k * s_k;
    }
  }

  // Loads the next K tile (its first k is k0, k_left = K - k0 > 0) into registers, zero past
  // MN and K, and steps to the tile after it. vec: 16-byte loads allowed (then the fast stride
  // is 1 and every group start is 16-byte aligned).
  __device__ __forceinline__ void load(int64_t k_left, bool vec) {
    const int kl = static_cast<int>(k_left < BK ? k_left : BK);  // k inside K in this tile
#pragma unroll
    for (int g = 0; g < kGroups; ++g) {
      int mn, k;
      coords(threadIdx.x, g, mn, k);
      const float* p = ptr[g];
      float* r = reg[g];
      if constexpr (KFAST) {  // elements (mn, k + i)
        if (vec && ok[g] && k + 3 < kl) {
          const float4 v = __ldg(reinterpret_cast<const float4*>(p));
          r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
        } else {
#pragma unroll
          for (int i = 0; i < 4; ++i) r[i] = (ok[g] && k + i < kl) ? __ldg(p + i * s_fast) : 0.f;
        }
      } else {  // elements (mn + i, k)
        if (vec && ok[g] == 4 && k < kl) {
          const float4 v = __ldg(reinterpret_cast<const float4*>(p));
          r[0] = v.x, r[1] = v.y, r[2] = v.z, r[3] = v.w;
        } else {
#pragma unroll
          for (int i = 0; i < 4; ++i) r[i] = (i < ok[g] && k < kl) ? __ldg(p + i * s_fast) : 0.f;
        }
      }
      ptr[g] = p + k_step;
    }
  }

  // smem: BK rows of LD floats, 16-byte aligned.
  template <typename Stage>
  __device__ __forceinline__ void store(float* smem, int tid, Stage stage) const {
#pragma unroll
    for (int g = 0; g < kGroups; ++g) {
      int mn, k;
      coords(tid, g, mn, k);
      if constexpr (KFAST) {
        // Transposing store: 4 rows, one column. A warp covers 32 / (BK / 4) values of mn
        // for each of the BK / 4 groups of k. When rows 4 apart share banks (4 * LD a multiple
        // of 32, the tensor-core tiles), group q = k / 4 writes its rows in the rotated order
        // q, q + 1, ... (mod 4) so the groups hit different banks in each store instruction.
        constexpr bool kRotate = (4 * LD) % 32 == 0 && BK > 4;
        const int rot = kRotate ? (k >> 2) & 3 : 0;
        const float* r = reg[g];
#pragma unroll
        for (int i = 0; i < 4; ++i) {
          const int j = (i + rot) & 3;  // a permutation of 0..3: every row written once
          const float v = j == 0 ? r[0] : j == 1 ? r[1] : j == 2 ? r[2] : r[3];
          smem[(k + j) * LD + mn] = stage(v);
        }
      } else {
        *reinterpret_cast<float4*>(smem + k * LD + mn) =
            make_float4(stage(reg[g][0]), stage(reg[g][1]), stage(reg[g][2]), stage(reg[g][3]));
      }
    }
  }
};

// Writes the W consecutive outputs v[0..W) of row m from column n on (those inside C): one
// W-wide vector store when the whole run is in range and vec (C aligned to W floats and
// N % W == 0, so every run start, a multiple of W, is aligned), scalar stores otherwise.
template <int W>
__device__ __forceinline__ void store_row(float* __restrict__ C, int64_t M, int64_t N, int64_t m,
                                          int64_t n, const float* v, bool vec) {
  static_assert(W == 2 || W == 4, "float2 or float4 runs");
  if (m >= M) return;
  float* p = C + m * N + n;
  if (vec && n + W <= N) {
    if constexpr (W == 4) *reinterpret_cast<float4*>(p) = make_float4(v[0], v[1], v[2], v[3]);
    else *reinterpret_cast<float2*>(p) = make_float2(v[0], v[1]);
  } else {
#pragma unroll
    for (int i = 0; i < W; ++i)
      if (n + i < N) p[i] = v[i];
  }
}

// Grid of a tiled GEMM: x walks M tiles (up to 2^31 - 1), y N tiles and z batches (at most
// 65535 each); kernels loop over the tiles beyond the grid (see for_each_tile).
inline dim3 tile_grid(int64_t batch, int64_t M, int64_t N, int BM, int BN) {
  const int64_t ntm = (M + BM - 1) / BM, ntn = (N + BN - 1) / BN;
  return dim3(static_cast<unsigned>(std::min<int64_t>(ntm, 0x7fffffff)),
              static_cast<unsigned>(std::min<int64_t>(ntn, 65535)),
              static_cast<unsigned>(std::min<int64_t>(batch, 65535)));
}

// Calls f(batch, m0, n0) for every BM x BN tile this block owns. Block-uniform: every thread
// of the block runs the same iterations, so f may use __syncthreads.
// When the grid covers the tiles of a batch (the usual case), blocks are renumbered so that
// consecutively launched blocks walk kGroupM M tiles down, then the next N tile: a wave of
// blocks shares a few A and B panels in L2 instead of streaming all of A for every N column.
// The map L -> (tm, tn) below is a bijection of [0, ntm * ntn): in group q = L / (kGroupM ntn)
// (tiles tm in [q kGroupM, q kGroupM + gm), gm = min(kGroupM, ntm - q kGroupM)), the
// remainder r < gm * ntn gives tm = q kGroupM + r % gm and tn = r / gm < ntn.
template <int BM, int BN, typename F>
__device__ __forceinline__ void for_each_tile(int64_t batch, int64_t M, int64_t N, F&& f) {
  constexpr int64_t kGroupM = 8;
  const int64_t ntm = (M + BM - 1) / BM, ntn = (N + BN - 1) / BN;
  unsigned tm0 = blockIdx.x, tn0 = blockIdx.y;  // both < 2^31 in either case
  if (ntm == gridDim.x && ntn == gridDim.y) {  // then each loop below runs once
    const int64_t L = static_cast<int64_t>(blockIdx.y) * ntm + blockIdx.x;
    const int64_t q = L / (kGroupM * ntn), r = L % (kGroupM * ntn);
    const int64_t first = q * kGroupM;
    const int64_t gm = ntm - first < kGroupM ? ntm - first : kGroupM;
    tm0 = static_cast<unsigned>(first + r % gm);
    tn0 = static_cast<unsigned>(r / gm);
  }
  for (int64_t bz = blockIdx.z; bz < batch; bz += gridDim.z)
    for (int64_t tn = tn0; tn < ntn; tn += gridDim.y)
      for (int64_t tm = tm0; tm < ntm; tm += gridDim.x) f(bz, tm * BM, tn * BN);
}

// Attributes of the current device (tile choice, tensor-core support).
int device_attr(cudaDeviceAttr attr);

// The tensor-core (TF32) GEMM of cuda/matmul_tc.cu; a_kfast / b_kfast as for TileLoader.
// Needs compute capability >= 8.0.
void launch_tf32(const GemmParams& p, bool a_kfast, bool b_kfast);

// The inner product of the simple 64 x 64 tile kernels (float64/int64 GEMM in matmul.cu, the
// implicit-GEMM conv in conv.cu): thread (ty, tx) of 16 x 16 adds, over one staged K step,
// As[k][ty + 16 i] * Bs[k][tx + 16 j] into acc[i][j] (i, j < 4).
template <typename T, int BK, int LDA, int LDB>
__device__ __forceinline__ void simple_tile_fma(const T (&As)[BK][LDA], const T (&Bs)[BK][LDB],
                                                int ty, int tx, T (&acc)[4][4]) {
#pragma unroll
  for (int kk = 0; kk < BK; ++kk) {
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
}

// The accumulators of those kernels' thread (ty, tx), zeroed before a tile's K loop.
template <typename T>
__device__ __forceinline__ void simple_tile_zero(T (&acc)[4][4]) {
#pragma unroll
  for (int i = 0; i < 4; ++i)
#pragma unroll
    for (int j = 0; j < 4; ++j) acc[i][j] = T(0);
}

// Hands acc[i][j] to store(m, n, value) for row m = m0 + ty + 16 i < M and column
// n = n0 + tx + 16 j < N: the outputs of thread (ty, tx) inside the matrix.
template <typename T, typename Store>
__device__ __forceinline__ void simple_tile_store(const T (&acc)[4][4], int64_t m0, int64_t n0,
                                                  int ty, int tx, int64_t M, int64_t N,
                                                  Store store) {
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    const int64_t m = m0 + ty + 16 * i;
    if (m >= M) continue;
#pragma unroll
    for (int j = 0; j < 4; ++j) {
      const int64_t n = n0 + tx + 16 * j;
      if (n < N) store(m, n, acc[i][j]);
    }
  }
}

}  // namespace lamina::cuda::gemm_detail
