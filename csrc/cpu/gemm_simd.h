// The register-tiled GEMM micro-kernel written once over a SIMD vector type VT, for the ISA
// files (gemm_avx2.cpp, gemm_avx512.cpp): included inside their namespace after VT's
// definition. VT is the ISA's simd::F or simd::D (T, V, L lanes, zero, load (aligned), loadu,
// storeu, add, fmadd(a, b, c) = a*b + c) with the GEMM's own
//   Mask, bcast(const T*), mask(n) (first n lanes, n may be <= 0 or >= L), maskz_loadu(m, p),
//   mask_storeu(p, m, v), transpose(V r[L]) (rows -> columns, in place).
// Nothing here is out of line across TUs: it all lives in the including file's namespace.
#pragma once

// C (MR, NR = NV*L) row stride ldc (+)= a^T @ b:  a packed (kc, MR), b packed (kc, NR), or
// (run_in_place) both read where they are, as gemm_impl.h's InPlace describes.
// MR*NV accumulators and NV vectors of B in registers; each A element is broadcast once per k.
template <class VT, int64_t MR_, int64_t NV>
struct SimdKernel {
  using T = typename VT::T;
  using V = typename VT::V;
  using Mask = typename VT::Mask;
  static constexpr int64_t L = VT::L, MR = MR_, NR = NV * VT::L;
  static constexpr bool kInPlace = true;

  // Rows [0, M) and vectors [0, NVE) of the tile; packed panels (A stride MR, B stride NR), or
  // with Direct the operands in place (d). Masked: masks[j] guards the loads and stores of C
  // in vector j, and with Direct the loads of B too (packed B is zero padded).
  template <int64_t M, int64_t NVE, bool Masked, bool Direct>
  static void tile(int64_t kc, const T* __restrict a, const T* __restrict b, T* __restrict c,
                   int64_t ldc, bool acc, const Mask* masks, InPlace d) {
    V r[M][NVE];
#pragma GCC unroll 16
    for (int64_t i = 0; i < M; ++i) {
      __builtin_prefetch(c + i * ldc, 1);
      __builtin_prefetch(c + i * ldc + NR - 1, 1);
#pragma GCC unroll 4
      for (int64_t j = 0; j < NVE; ++j) r[i][j] = VT::zero();
    }
    for (int64_t k = 0; k < kc; ++k) {
      V bv[NVE];
#pragma GCC unroll 4
      for (int64_t j = 0; j < NVE; ++j) {
        if (!Direct) {
          bv[j] = VT::load(b + j * L);
        } else if (Masked) {
          bv[j] = VT::maskz_loadu(masks[j], b + j * L);
        } else {
          bv[j] = VT::loadu(b + j * L);
        }
      }
#pragma GCC unroll 16
      for (int64_t i = 0; i < M; ++i) {
        const V av = VT::bcast(Direct ? a + i * d.ai : a + i);
#pragma GCC unroll 4
        for (int64_t j = 0; j < NVE; ++j) r[i][j] = VT::fmadd(av, bv[j], r[i][j]);
      }
      a += Direct ? d.ak : MR;
      b += Direct ? d.bk : NR;
    }
#pragma GCC unroll 16
    for (int64_t i = 0; i < M; ++i) {
#pragma GCC unroll 4
      for (int64_t j = 0; j < NVE; ++j) {
        T* p = c + i * ldc + j * L;
        V v = r[i][j];
        if (Masked) {
          if (acc) v = VT::add(v, VT::maskz_loadu(masks[j], p));
          VT::mask_storeu(p, masks[j], v);
        } else {
          if (acc) v = VT::add(v, VT::loadu(p));
          VT::storeu(p, v);
        }
      }
    }
  }

  static void run(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc) {
    tile<MR, NV, false, false>(kc, a, b, c, ldc, acc, nullptr, InPlace{});
  }

  // A partial tile, mr x nr (mr <= MR, nr <= NR): only mr rows and the ceil(nr / L) vectors
  // holding columns are computed, nr columns stored.
  static void run_edge(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                       int64_t mr, int64_t nr) {
    partial<false>(kc, a, b, c, ldc, acc, mr, nr, InPlace{});
  }

  // The mr x nr tile with A and B read in place (d).
  static void run_in_place(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                           int64_t mr, int64_t nr, const InPlace& d) {
    if (mr == MR && nr == NR) {
      tile<MR, NV, false, true>(kc, a, b, c, ldc, acc, nullptr, d);
    } else {
      partial<true>(kc, a, b, c, ldc, acc, mr, nr, d);
    }
  }

  template <bool Direct>
  static void partial(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                      int64_t mr, int64_t nr, const InPlace& d) {
    Mask masks[NV];
    for (int64_t j = 0; j < NV; ++j) masks[j] = VT::mask(nr - j * L);
    const int64_t nv = (nr + L - 1) / L;
    edge_table<Direct>(std::make_integer_sequence<int64_t, MR * NV>{})[(nv - 1) * MR + mr - 1](
        kc, a, b, c, ldc, acc, masks, d);
  }

  using TileFn = void (*)(int64_t, const T*, const T*, T*, int64_t, bool, const Mask*, InPlace);
  template <bool Direct, int64_t... I>  // entry (nv - 1) * MR + mr - 1: tile<mr, nv>
  static const TileFn* edge_table(std::integer_sequence<int64_t, I...>) {
    static constexpr TileFn table[] = {&tile<I % MR + 1, I / MR + 1, true, Direct>...};
    return table;
  }

  // dst (kc, W): dst[k * W + l] = src[k * sk + l] (l < w), 0 for w <= l < W: masked vector
  // copies (the plain loop becomes a memmove call per k). A last vector narrower than L is
  // stored whole, running into row k + 1 (written next), except in the last row: masked
  // stores are microcoded on AMD CPUs before Zen 4 (AVX2's vmaskmovps: 3x slower packing).
  template <int64_t W>
  static bool pack_copy(T* __restrict dst, const T* __restrict src, int64_t w, int64_t kc,
                        int64_t sk) {
    Mask m[(W + L - 1) / L];
    for (int64_t l0 = 0; l0 < W; l0 += L) m[l0 / L] = VT::mask(w - l0);
    for (int64_t k = 0; k < kc; ++k) {
      const T* s = src + k * sk;
      T* d = dst + k * W;
#pragma GCC unroll 4
      for (int64_t l0 = 0; l0 < W; l0 += L) {
        const V v = VT::maskz_loadu(m[l0 / L], s + l0);
        if (W - l0 >= L || k + 1 < kc) {
          VT::storeu(d + l0, v);
        } else {
          VT::mask_storeu(d + l0, VT::mask(W - l0), v);
        }
      }
    }
    return true;
  }

  // dst (kc, W): dst[k * W + l] = src[l * sl + k] (l < w), 0 for w <= l < W: L x L
  // in-register transposes of masked row loads, stored W lanes at a time.
  template <int64_t W>
  static bool pack_transposed(T* __restrict dst, const T* __restrict src, int64_t w,
                              int64_t kc, int64_t sl) {
    for (int64_t k0 = 0; k0 < kc; k0 += L) {
      const int64_t nk = kc - k0 < L ? kc - k0 : L;
      const Mask km = VT::mask(nk);
      for (int64_t l0 = 0; l0 < W; l0 += L) {
        V r[L];
#pragma GCC unroll 16
        for (int64_t i = 0; i < L; ++i) {
          if (l0 + i >= w) {
            r[i] = VT::zero();
            continue;
          }
          const T* row = src + (l0 + i) * sl + k0;
          __builtin_prefetch(row + 2 * L);  // rows of A come from DRAM: 2 blocks ahead (-30%)
          r[i] = VT::maskz_loadu(km, row);
        }
        VT::transpose(r);
        T* d = dst + k0 * W + l0;
        if (W - l0 >= L) {
          for (int64_t kk = 0; kk < nk; ++kk) VT::storeu(d + kk * W, r[kk]);
        } else {  // W < L (one vector a row): whole stores into the next row, as pack_copy
          const Mask lm = VT::mask(W - l0);
          const int64_t whole = W < L ? (k0 + nk < kc ? nk : nk - 1) : 0;
          for (int64_t kk = 0; kk < whole; ++kk) VT::storeu(d + kk * W, r[kk]);
          for (int64_t kk = whole; kk < nk; ++kk) VT::mask_storeu(d + kk * W, lm, r[kk]);
        }
      }
    }
    return true;
  }
};
