// Scaled dot-product attention CUDA kernels: twins of cpu/attention.cpp (same AttnParams, the
// same fully-masked-row policy and the same Philox dropout mask), FlashAttention-style: the
// L x S matrix is never stored.
//  - forward: one block per (batch entry, tile of T queries), one thread per query row. Tiles
//    of T keys and values are staged in shared memory; each thread keeps its running max m,
//    sum l and output accumulator (a shared-memory row), rescaled once per key tile (online
//    softmax). Under is_causal the key tiles stop at the block's last query. Writes lse.
//  - backward: D = rowsum(dO * O) (one thread per row), then one block per (batch entry, tile
//    of T keys), one thread per key row accumulating its dK and dV rows in shared memory over
//    the query tiles (from the diagonal on under is_causal), recomputing P = exp(s - lse).
//    dS of a (query tile, key tile) pair goes through shared memory; dQ rows are then summed
//    over the tile's keys by one thread per query row and added to dq with atomicAdd (dq is
//    zeroed first).
// T = 64 threads per tile, halved (down to 1) while the head dims need more shared memory than
// the device offers (an error beyond that). Computation in the input dtype (fp32 or fp64).
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "../core/check.h"
#include "../kernels/attention.h"
#include "cuda_utils.cuh"

namespace lamina::cuda {
namespace {

__device__ __forceinline__ int64_t imin(int64_t a, int64_t b) { return a < b ? a : b; }

template <typename T>
__device__ __forceinline__ T inf_of() {
  return std::numeric_limits<T>::infinity();
}

// Score of query row i (global) against key j (global) after the mask: s * scale + mask, -inf
// where the bool mask is false or j > i under causal.
template <typename T>
__device__ __forceinline__ T masked_score(const AttnParams& p, const void* mask_b, T s, int64_t i,
                                          int64_t j) {
  s *= static_cast<T>(p.scale);
  if (p.causal && j > i) return -inf_of<T>();
  if (p.mask_kind == AttnMask::Bool) {
    const uint8_t* mk = static_cast<const uint8_t*>(mask_b);
    if (!mk[i * p.smL + j * p.smS]) return -inf_of<T>();
  } else if (p.mask_kind == AttnMask::Float) {
    s += typed<T>(mask_b)[i * p.smL + j * p.smS];
  }
  return s;
}

template <typename T>
__device__ __forceinline__ T drop_factor(const AttnParams& p, int64_t b, int64_t i, int64_t j) {
  if (p.dropout_p <= 0) return T(1);
  if (p.dropout_p >= 1) return T(0);
  const bool keep =
      attn_keep(p.seed, attn_row_counter(p, b, i), j, attn_drop_threshold(p.dropout_p));
  return keep ? static_cast<T>(1.0 / (1.0 - p.dropout_p)) : T(0);
}

// Shared memory of the forward (elements of T): Q rows (T x (E + 1)), K tile (T x E), V tile
// (T x Ev), accumulators (T x (Ev + 1)), scores (T x (T + 1)).
int64_t fwd_smem_elems(int64_t t, int64_t E, int64_t Ev) {
  return t * (E + 1) + t * E + t * Ev + t * (Ev + 1) + t * (t + 1);
}

template <typename T>
__global__ void attn_fwd(AttnParams p, int64_t tile, T* __restrict__ out, T* __restrict__ lse) {
  T* sm = dynamic_smem<T>();
  const int64_t E = p.E, Ev = p.Ev, L = p.L, S = p.S;
  const int64_t nqb = (L + tile - 1) / tile;
  const int64_t b = static_cast<int64_t>(blockIdx.x) / nqb;
  const int64_t i0 = (static_cast<int64_t>(blockIdx.x) % nqb) * tile;
  const int64_t t = threadIdx.x;
  const int64_t i = i0 + t;
  const bool row = i < L;
  T* Qs = sm;
  T* Ks = Qs + tile * (E + 1);
  T* Vs = Ks + tile * E;
  T* Acc = Vs + tile * Ev;
  T* Ss = Acc + tile * (Ev + 1);
  T* q_row = Qs + t * (E + 1);
  T* acc = Acc + t * (Ev + 1);
  T* srow = Ss + t * (tile + 1);
  const AttnBatch<T> in = attn_batch<T>(p, b);
  if (row) {
    for (int64_t e = 0; e < E; ++e) q_row[e] = in.q[i * p.sqL + e * p.sqE];
    for (int64_t c = 0; c < Ev; ++c) acc[c] = T(0);
  }
  T m = -inf_of<T>(), l = T(0);
  const int64_t jend = p.causal ? imin(S, i0 + tile) : S;
  for (int64_t j0 = 0; j0 < jend; j0 += tile) {
    const int64_t bc = imin(tile, jend - j0);
    __syncthreads();  // the previous tile is no longer read
    for (int64_t x = t; x < bc * E; x += blockDim.x)
      Ks[x] = in.k[(j0 + x / E) * p.skS + (x % E) * p.skE];
    for (int64_t x = t; x < bc * Ev; x += blockDim.x)
      Vs[x] = in.v[(j0 + x / Ev) * p.svS + (x % Ev) * p.svE];
    __syncthreads();
    if (!row) continue;
    T mx = -inf_of<T>();
    for (int64_t c = 0; c < bc; ++c) {
      T s = T(0);
      for (int64_t e = 0; e < E; ++e) s += q_row[e] * Ks[c * E + e];
      s = masked_score<T>(p, in.mask, s, i, j0 + c);
      srow[c] = s;
      mx = s > mx ? s : mx;
    }
    const T mnew = mx > m ? mx : m;
    if (mnew == -inf_of<T>()) continue;  // nothing taken part so far: acc and l stay 0
    const T alpha = exp(m - mnew);       // 0 while m is -inf
    T sum = T(0);
    for (int64_t c = 0; c < bc; ++c) {
      const T e = exp(srow[c] - mnew);
      sum += e;
      srow[c] = e * drop_factor<T>(p, b, i, j0 + c);
    }
    l = l * alpha + sum;
    m = mnew;
    for (int64_t d = 0; d < Ev; ++d) {
      T a = acc[d] * alpha;
      for (int64_t c = 0; c < bc; ++c) a += srow[c] * Vs[c * Ev + d];
      acc[d] = a;
    }
  }
  if (!row) return;
  T* orow = out + (b * L + i) * Ev;
  if (l > T(0)) {
    const T inv = T(1) / l;
    for (int64_t d = 0; d < Ev; ++d) orow[d] = acc[d] * inv;
    lse[b * L + i] = m + log(l);
  } else {  // fully masked row
    for (int64_t d = 0; d < Ev; ++d) orow[d] = T(0);
    lse[b * L + i] = inf_of<T>();
  }
}

// D[r] = sum dO[r] * O[r], rows of Ev contiguous.
template <typename T>
__global__ void __launch_bounds__(kBlock)
attn_rowdot(int64_t rows, int64_t Ev, const T* __restrict__ dout, const T* __restrict__ out,
            T* __restrict__ D) {
  for (int64_t r = flat_begin(); r < rows; r += flat_step()) {
    T s = T(0);
    for (int64_t d = 0; d < Ev; ++d) s += dout[r * Ev + d] * out[r * Ev + d];
    D[r] = s;
  }
}

// Shared memory of the backward (elements of T): K rows, V rows, dK and dV accumulators
// (T x (E + 1) / (Ev + 1) each), Q tile (T x E), dO tile (T x Ev), lse and D (T each), dS
// (T x (T + 1)).
int64_t bwd_smem_elems(int64_t t, int64_t E, int64_t Ev) {
  return 2 * t * (E + 1) + 2 * t * (Ev + 1) + t * E + t * Ev + 2 * t + t * (t + 1);
}

template <typename T>
__global__ void attn_bwd(AttnParams p, int64_t tile, const T* __restrict__ dout,
                         const T* __restrict__ lse, const T* __restrict__ D, T* __restrict__ dq,
                         T* __restrict__ dk, T* __restrict__ dv) {
  T* sm = dynamic_smem<T>();
  const int64_t E = p.E, Ev = p.Ev, L = p.L, S = p.S;
  const int64_t nkb = (S + tile - 1) / tile;
  const int64_t b = static_cast<int64_t>(blockIdx.x) / nkb;
  const int64_t j0 = (static_cast<int64_t>(blockIdx.x) % nkb) * tile;
  const int64_t t = threadIdx.x;
  const int64_t j = j0 + t;
  const bool col = j < S;
  T* Kr = sm;
  T* Vr = Kr + tile * (E + 1);
  T* dKr = Vr + tile * (Ev + 1);
  T* dVr = dKr + tile * (E + 1);
  T* Qt = dVr + tile * (Ev + 1);
  T* dOt = Qt + tile * E;
  T* lse_t = dOt + tile * Ev;
  T* D_t = lse_t + tile;
  T* dS = D_t + tile;
  T* k_row = Kr + t * (E + 1);
  T* v_row = Vr + t * (Ev + 1);
  T* dk_row = dKr + t * (E + 1);
  T* dv_row = dVr + t * (Ev + 1);
  const AttnBatch<T> in = attn_batch<T>(p, b);
  const T* dO = dout + b * L * Ev;
  const T scale = static_cast<T>(p.scale);
  if (col) {
    for (int64_t e = 0; e < E; ++e) k_row[e] = in.k[j * p.skS + e * p.skE], dk_row[e] = T(0);
    for (int64_t d = 0; d < Ev; ++d) v_row[d] = in.v[j * p.svS + d * p.svE], dv_row[d] = T(0);
  }
  const int64_t istart = p.causal ? (j0 / tile) * tile : 0;
  for (int64_t i0 = istart; i0 < L; i0 += tile) {
    const int64_t br = imin(tile, L - i0);
    __syncthreads();  // the previous query tile is no longer read
    for (int64_t x = t; x < br * E; x += blockDim.x)
      Qt[x] = in.q[(i0 + x / E) * p.sqL + (x % E) * p.sqE];
    for (int64_t x = t; x < br * Ev; x += blockDim.x) dOt[x] = dO[i0 * Ev + x];
    for (int64_t x = t; x < br; x += blockDim.x) {
      lse_t[x] = lse[b * L + i0 + x];
      D_t[x] = D[b * L + i0 + x];
    }
    __syncthreads();
    for (int64_t r = 0; r < br; ++r) {
      T ds = T(0);
      if (col) {
        const int64_t i = i0 + r;
        T s = T(0);
        for (int64_t e = 0; e < E; ++e) s += Qt[r * E + e] * k_row[e];
        s = masked_score<T>(p, in.mask, s, i, j);
        const T pr = exp(s - lse_t[r]);  // 0 for masked keys and fully masked rows
        if (pr != T(0)) {
          T dp = T(0);
          for (int64_t d = 0; d < Ev; ++d) dp += dOt[r * Ev + d] * v_row[d];
          const T z = drop_factor<T>(p, b, i, j);
          const T pt = pr * z;
          for (int64_t d = 0; d < Ev; ++d) dv_row[d] += pt * dOt[r * Ev + d];
          ds = pr * (dp * z - D_t[r]) * scale;
          for (int64_t e = 0; e < E; ++e) dk_row[e] += ds * Qt[r * E + e];
        }
      }
      dS[r * (tile + 1) + t] = ds;
    }
    __syncthreads();
    // dQ rows of this tile: thread r sums dS[r, :] K over the tile's keys
    const int64_t bc = imin(tile, S - j0);
    for (int64_t r = t; r < br; r += blockDim.x) {
      T* dqr = dq + (b * L + i0 + r) * E;
      for (int64_t e = 0; e < E; ++e) {
        T a = T(0);
        for (int64_t c = 0; c < bc; ++c) a += dS[r * (tile + 1) + c] * Kr[c * (E + 1) + e];
        if (a != T(0)) atomicAdd(dqr + e, a);
      }
    }
  }
  if (!col) return;
  for (int64_t e = 0; e < E; ++e) dk[(b * S + j) * E + e] = dk_row[e];
  for (int64_t d = 0; d < Ev; ++d) dv[(b * S + j) * Ev + d] = dv_row[d];
}

// The largest tile (64, 32, ..., down to 1 thread) whose shared memory fits the device; sets
// the kernel's dynamic shared memory limit. Wide heads (float64 E = 300, Ev = 520 needs 318 KB
// at 16) take small tiles: fewer threads per block, the same arithmetic.
template <typename K>
int64_t pick_tile(K kernel, int64_t (*elems)(int64_t, int64_t, int64_t), int64_t E, int64_t Ev,
                  size_t elem, size_t* bytes) {
  int dev = 0, optin = 0;
  LAMINA_CUDA_CHECK(cudaGetDevice(&dev));
  LAMINA_CUDA_CHECK(cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev));
  for (int64_t t = 64; t >= 1; t /= 2) {
    const size_t need = static_cast<size_t>(elems(t, E, Ev)) * elem;
    if (need <= static_cast<size_t>(optin)) {
      LAMINA_CUDA_CHECK(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                             static_cast<int>(need)));
      *bytes = need;
      return t;
    }
  }
  throw std::invalid_argument("[scaled_dot_product_attention] head dims E = " + std::to_string(E) +
                              ", Ev = " + std::to_string(Ev) +
                              " need more shared memory than this GPU has");
}

template <typename T>
void forward_t(const AttnParams& p, void* out, void* lse) {
  size_t bytes = 0;
  const int64_t tile = pick_tile(attn_fwd<T>, fwd_smem_elems, p.E, p.Ev, sizeof(T), &bytes);
  const int64_t blocks = p.nb * ((p.L + tile - 1) / tile);
  LAMINA_CHECK(blocks < (int64_t(1) << 31), ValueError,
               "[scaled_dot_product_attention] too many query blocks for one CUDA launch");
  LAMINA_LAUNCH(attn_fwd<T>, static_cast<unsigned>(blocks), static_cast<unsigned>(tile), bytes,
      p, tile, typed<T>(out), typed<T>(lse));
}

template <typename T>
void backward_t(const AttnParams& p, const void* dout, const void* out, const void* lse,
                void* dq, void* dk, void* dv) {
  const int64_t rows = p.nb * p.L;
  std::shared_ptr<void> dbuf;
  int dev = 0;
  LAMINA_CUDA_CHECK(cudaGetDevice(&dev));
  dbuf = allocate(static_cast<int64_t>(rows * sizeof(T)), dev);
  T* D = static_cast<T*>(dbuf.get());
  LAMINA_LAUNCH(attn_rowdot<T>, grid_for(rows), kBlock, 0, rows, p.Ev, typed<T>(dout),
                                             typed<T>(out), D);
  LAMINA_CUDA_CHECK(cudaMemsetAsync(dq, 0, static_cast<size_t>(rows * p.E) * sizeof(T)));
  size_t bytes = 0;
  const int64_t tile = pick_tile(attn_bwd<T>, bwd_smem_elems, p.E, p.Ev, sizeof(T), &bytes);
  const int64_t blocks = p.nb * ((p.S + tile - 1) / tile);
  LAMINA_CHECK(blocks < (int64_t(1) << 31), ValueError,
               "[scaled_dot_product_attention] too many key blocks for one CUDA launch");
  LAMINA_LAUNCH(attn_bwd<T>, static_cast<unsigned>(blocks), static_cast<unsigned>(tile), bytes,
      p, tile, typed<T>(dout), typed<T>(lse), D, typed<T>(dq),
      typed<T>(dk), typed<T>(dv));
  // D is freed (back to the caching allocator) after the kernels on this stream: keep it
  // until they are done
  LAMINA_CUDA_CHECK(cudaStreamSynchronize(0));
}

}  // namespace

void attention_forward(DType dt, const AttnParams& p, void* out, void* lse) {
  if (p.nb == 0 || p.L == 0) return;
  if (dt == DType::Float32) {
    forward_t<float>(p, out, lse);
  } else {
    forward_t<double>(p, out, lse);
  }
}

void attention_backward(DType dt, const AttnParams& p, const void* dout, const void* out,
                        const void* lse, void* dq, void* dk, void* dv) {
  if (p.nb == 0 || p.L == 0 || p.S == 0) return;
  if (dt == DType::Float32) {
    backward_t<float>(p, dout, out, lse, dq, dk, dv);
  } else {
    backward_t<double>(p, dout, out, lse, dq, dk, dv);
  }
}

}  // namespace lamina::cuda
