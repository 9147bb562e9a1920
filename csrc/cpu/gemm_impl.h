// The serial GEMM driver (packing + the BLIS loop nest of gemm.h), compiled once per ISA: the
// ISA comes from the file's flags (simd/target.h: LAMINA_CPU_NS); the including file defines a micro-kernel type UK:
//   using T; static constexpr int64_t MR, NR;
//   static void run(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool accumulate);
//     a: packed (kc, MR), b: packed (kc, NR); c: (MR, NR) row stride ldc;
//     c = a^T b (accumulate: c += a^T b)
//   static void run_edge(kc, a, b, c, ldc, accumulate, int64_t mr, int64_t nr);
//     the same for the top-left mr x nr of the tile (edges of C); edge_via_buffer does it
//   static constexpr bool kInPlace; when true also
//   static void run_in_place(kc, a, b, c, ldc, accumulate, mr, nr, const InPlace& d);
//     the mr x nr tile with A and B unpacked (InPlace below), for small products
//   template <int64_t W> static bool pack_copy(T* dst, const T* src, w, kc, sk);
//   template <int64_t W> static bool pack_transposed(T* dst, const T* src, w, kc, sl);
//     fast paths of pack_panel (W = MR or NR) for dst[k][l] = src[k * sk + l] and
//     dst[k][l] = src[l * sl + k]; false: not handled, pack_panel's loops do it
// No STL containers and no out-of-line inline functions shared with other TUs in here: all of it
// lives in the ISA's namespace, so no AVX-512 copy of a function can leak to another path.
#include "gemm.h"

#include "simd/target.h"

namespace lamina::cpu::gemm_kernels::LAMINA_CPU_NS {
namespace {

inline int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

// Operands read where they are (run_in_place): A element (i, k) at a[i * ai + k * ak], row k
// of B at b + k * bk with its columns contiguous.
struct InPlace {
  int64_t ai, ak, bk;
};

// One packed panel of width W (MR rows of A or NR columns of B) over kc steps of k:
//   dst (kc, W) contiguous: dst[k * W + l] = src[l * sl + k * sk] for l < w, 0 for w <= l < W.
// sl == 1 (A transposed, B plain): rows of w contiguous elements, copied.
// sk == 1 (A plain, B transposed): a transpose, UK's fast path when it has one.
template <class UK, int64_t W, class T>
inline void pack_panel(T* __restrict dst, const T* __restrict src, int64_t w, int64_t kc,
                       int64_t sl, int64_t sk) {
  if (sl == 1 && UK::template pack_copy<W>(dst, src, w, kc, sk)) return;
  if (sl == 1) {
    for (int64_t k = 0; k < kc; ++k) {
      const T* s = src + k * sk;
      T* d = dst + k * W;
      for (int64_t l = 0; l < w; ++l) d[l] = s[l];
      for (int64_t l = w; l < W; ++l) d[l] = T(0);
    }
    return;
  }
  if (sk == 1 && UK::template pack_transposed<W>(dst, src, w, kc, sl)) return;
  if (sk == 1) {  // blocks of 8 k: each row read 8 contiguous, written with stride W
    int64_t k0 = 0;
    for (; k0 + 8 <= kc; k0 += 8) {
      T* d = dst + k0 * W;
      for (int64_t l = 0; l < w; ++l) {
        const T* s = src + l * sl + k0;
#pragma GCC unroll 8
        for (int64_t kk = 0; kk < 8; ++kk) d[kk * W + l] = s[kk];
      }
      for (int64_t kk = 0; kk < 8; ++kk)
        for (int64_t l = w; l < W; ++l) d[kk * W + l] = T(0);
    }
    for (; k0 < kc; ++k0) {
      T* d = dst + k0 * W;
      for (int64_t l = 0; l < w; ++l) d[l] = src[l * sl + k0];
      for (int64_t l = w; l < W; ++l) d[l] = T(0);
    }
    return;
  }
  for (int64_t k = 0; k < kc; ++k) {  // any strides (sl == 0 or sk == 0 for broadcasts)
    T* d = dst + k * W;
    for (int64_t l = 0; l < w; ++l) d[l] = src[l * sl + k * sk];
    for (int64_t l = w; l < W; ++l) d[l] = T(0);
  }
}

// A partial tile (mr x nr of MR x NR): the full tile into a buffer, then its valid part.
template <class UK, class T>
inline void edge_via_buffer(int64_t kc, const T* a, const T* b, T* c, int64_t ldc, bool acc,
                            int64_t mr, int64_t nr) {
  alignas(64) T buf[UK::MR * UK::NR];
  UK::run(kc, a, b, buf, UK::NR, false);
  for (int64_t i = 0; i < mr; ++i) {
    const T* s = buf + i * UK::NR;
    T* d = c + i * ldc;
    if (acc) {
      for (int64_t j = 0; j < nr; ++j) d[j] += s[j];
    } else {
      for (int64_t j = 0; j < nr; ++j) d[j] = s[j];
    }
  }
}

// Packs B[pc:pc+kc, j0:j0+nc] into dst: NR-wide panels, panel j (a multiple of NR) at j * kc.
// B's rows contiguous: kPackRows rows are copied across every panel before the next ones, so
// the reads run along B's rows (a panel at a time read one cache line per row, a page apart
// for wide B: on Zen 1, 16 x 4096 x 1024 on one thread took 16.8 ms, now 8.3; OpenBLAS 9.1).
constexpr int64_t kPackRows = 8;
template <class UK, class T>
void pack_b_block(const Problem& p, int64_t pc, int64_t kc, int64_t j0, int64_t nc, T* dst) {
  const T* B = static_cast<const T*>(p.B) + pc * p.sbk + j0 * p.sbn;
  if (p.sbn == 1) {
    for (int64_t k0 = 0; k0 < kc; k0 += kPackRows)
      for (int64_t j = 0; j < nc; j += UK::NR)
        pack_panel<UK, UK::NR>(dst + j * kc + k0 * UK::NR, B + k0 * p.sbk + j,
                               min64(UK::NR, nc - j), min64(kPackRows, kc - k0), 1, p.sbk);
    return;
  }
  for (int64_t j = 0; j < nc; j += UK::NR)
    pack_panel<UK, UK::NR>(dst + j * kc, B + j * p.sbn, min64(UK::NR, nc - j), kc, p.sbn, p.sbk);
}

// C[m0:m1, j0:j0+nc] (+)= A[m0:m1, pc:pc+kc] @ the packed B block bblk (pack_b_block's
// layout), A packed here MC rows at a time into apack, or (apre, m0 a multiple of MR) already
// packed by pack_a: row panel i of this kc block at apre + i * kc; accumulate unless pc == 0
// (and the problem overwrites C).
template <class UK, const Blocking& BL, class T>
void macro_block(const Problem& p, int64_t m0, int64_t m1, int64_t pc, int64_t kc, int64_t j0,
                 int64_t nc, const T* bblk, T* apack, const T* apre = nullptr) {
  constexpr int64_t MR = UK::MR, NR = UK::NR, MC = BL.mc;
  static_assert(BL.mr == MR && BL.nr == NR, "blocking made for another micro-kernel");
  const T* A = static_cast<const T*>(p.A);
  T* C = static_cast<T*>(p.C);
  const bool acc = pc > 0 || p.accumulate;
  for (int64_t ic = m0; ic < m1; ic += MC) {
    const int64_t mc = min64(MC, m1 - ic);
    const T* ap = apre ? apre + ic * kc : apack;
    if (!apre)
      for (int64_t i = 0; i < mc; i += MR)
        pack_panel<UK, MR>(apack + i * kc, A + (ic + i) * p.sam + pc * p.sak, min64(MR, mc - i),
                           kc, p.sam, p.sak);
    for (int64_t j = 0; j < nc; j += NR) {
      const int64_t nr = min64(NR, nc - j);
      const T* bp = bblk + j * kc;
      T* cc = C + ic * p.ldc + j0 + j;
      for (int64_t i = 0; i < mc; i += MR) {
        const int64_t mr = min64(MR, mc - i);
        if (mr == MR && nr == NR) {
          UK::run(kc, ap + i * kc, bp, cc + i * p.ldc, p.ldc, acc);
        } else {
          UK::run_edge(kc, ap + i * kc, bp, cc + i * p.ldc, p.ldc, acc, mr, nr);
        }
      }
    }
  }
}

// C[m0:m1, n0:n1] (+)= A[m0:m1, :] @ B[:, n0:n1] for one product, packing its own B blocks
// into `ws` (gemm.h: B block, A block), and its A blocks too unless apre holds all of A as
// pack_a left it (mpad = M rounded up to MR; r.m0 a multiple of MR).
template <class UK, const Blocking& BL>
void run_blocks(const Problem& p, const Region& r, void* ws, const typename UK::T* apre) {
  using T = typename UK::T;
  const int64_t mpad = (p.M + UK::MR - 1) / UK::MR * UK::MR;
  T* bpack = static_cast<T*>(ws);
  T* apack = bpack + BL.kc * BL.nc;
  const int64_t ncb = r.m1 - r.m0 <= kShortRows ? min64(BL.nc, kShortCols) : BL.nc;
  for (int64_t jc = r.n0; jc < r.n1; jc += ncb) {
    const int64_t nc = min64(ncb, r.n1 - jc);
    for (int64_t pc = 0; pc < p.K; pc += BL.kc) {
      const int64_t kc = min64(BL.kc, p.K - pc);
      pack_b_block<UK>(p, pc, kc, jc, nc, bpack);
      macro_block<UK, BL>(p, r.m0, r.m1, pc, kc, jc, nc, bpack, apack,
                          apre ? apre + pc * mpad : nullptr);
    }
  }
}

// C[r] (+)= A[r rows] @ B[r cols] with both read in place by UK::run_in_place: every tile
// over all of K (B's columns contiguous, p.sbn == 1).
template <class UK>
void run_in_place(const Problem& p, const Region& r) {
  using T = typename UK::T;
  const T* A = static_cast<const T*>(p.A);
  const T* B = static_cast<const T*>(p.B);
  T* C = static_cast<T*>(p.C);
  const InPlace d{p.sam, p.sak, p.sbk};
  for (int64_t j = r.n0; j < r.n1; j += UK::NR)
    for (int64_t i = r.m0; i < r.m1; i += UK::MR)
      UK::run_in_place(p.K, A + i * p.sam, B + j, C + i * p.ldc + j, p.ldc, p.accumulate,
                       min64(UK::MR, r.m1 - i), min64(UK::NR, r.n1 - j), d);
}

template <class UK, const Blocking& BL>
void run_region(const Problem& p, const Region& r, void* ws) {
  if constexpr (UK::kInPlace) {
    if (p.sbn == 1 && reads_in_place(r.m1 - r.m0, r.n1 - r.n0, p.K, p.sbk,
                                     int64_t(sizeof(typename UK::T)), UK::NR)) {
      run_in_place<UK>(p, r);
      return;
    }
  }
  run_blocks<UK, BL>(p, r, ws, nullptr);
}

// All of B's columns [n0, n1) (n0 a multiple of NR), every KC block, into the shared buffer
// `dst` (K * npad elements): block pc at dst + pc * npad, npad = N rounded up to NR.
template <class UK, const Blocking& BL>
void pack_b(const Problem& p, int64_t n0, int64_t n1, void* dst) {
  using T = typename UK::T;
  const int64_t npad = (p.N + UK::NR - 1) / UK::NR * UK::NR;
  for (int64_t pc = 0; pc < p.K; pc += BL.kc) {
    const int64_t kc = min64(BL.kc, p.K - pc);
    pack_b_block<UK>(p, pc, kc, n0, n1 - n0, static_cast<T*>(dst) + pc * npad + n0 * kc);
  }
}

// C[r] with B in pack_b's layout (r.n0 a multiple of NR): A packed into apack MC rows at a
// time, or (apre) all of it by pack_a (r.m0 a multiple of MR).
template <class UK, const Blocking& BL, class T>
void run_packed_b(const Problem& p, const Region& r, const T* bp, T* apack, const T* apre) {
  const int64_t mpad = (p.M + UK::MR - 1) / UK::MR * UK::MR;
  const int64_t npad = (p.N + UK::NR - 1) / UK::NR * UK::NR;
  for (int64_t pc = 0; pc < p.K; pc += BL.kc) {
    const int64_t kc = min64(BL.kc, p.K - pc);
    macro_block<UK, BL>(p, r.m0, r.m1, pc, kc, r.n0, r.n1 - r.n0, bp + pc * npad + r.n0 * kc,
                        apack, apre ? apre + pc * mpad : nullptr);
  }
}

// C[r] = A[r.m0:r.m1, :] @ B[:, r.n0:r.n1] with B already packed by pack_b (r.n0 a multiple
// of NR); `ws` as for run_region (its B block unused).
template <class UK, const Blocking& BL>
void run_packed(const Problem& p, const Region& r, const void* bpacked, void* ws) {
  using T = typename UK::T;
  run_packed_b<UK, BL>(p, r, static_cast<const T*>(bpacked), static_cast<T*>(ws) + BL.kc * BL.nc,
                       static_cast<const T*>(nullptr));
}

// Rows [m0, m1) of all of A (m0 a multiple of MR), every KC block, into the shared buffer `dst`
// (mpad * K elements, mpad = M rounded up to MR): block pc at dst + pc * mpad, its row panel
// i (a multiple of MR) at + i * kc.
template <class UK, const Blocking& BL>
void pack_a(const Problem& p, int64_t m0, int64_t m1, void* dst) {
  using T = typename UK::T;
  constexpr int64_t MR = UK::MR;
  const int64_t mpad = (p.M + MR - 1) / MR * MR;
  const T* A = static_cast<const T*>(p.A);
  for (int64_t pc = 0; pc < p.K; pc += BL.kc) {
    const int64_t kc = min64(BL.kc, p.K - pc);
    T* d = static_cast<T*>(dst) + pc * mpad;
    for (int64_t i = m0; i < m1; i += MR)
      pack_panel<UK, MR>(d + i * kc, A + i * p.sam + pc * p.sak, min64(MR, m1 - i), kc, p.sam,
                         p.sak);
  }
}

// C[r] as run_region, with A already packed by pack_a (r.m0 a multiple of MR); B packed here.
template <class UK, const Blocking& BL>
void run_packed_a(const Problem& p, const Region& r, const void* apacked, void* ws) {
  run_blocks<UK, BL>(p, r, ws, static_cast<const typename UK::T*>(apacked));
}

// C[r] with A packed by pack_a and B in pack_b's layout (r.m0 a multiple of MR, r.n0 of NR).
template <class UK, const Blocking& BL>
void run_prepacked(const Problem& p, const Region& r, const void* apacked, const void* bpacked) {
  using T = typename UK::T;
  run_packed_b<UK, BL>(p, r, static_cast<const T*>(bpacked), static_cast<T*>(nullptr),
                       static_cast<const T*>(apacked));
}

// The cache blocking of micro-kernel UK (gemm.h's make_blocking for its element and tile).
template <class UK>
constexpr Blocking kBlocking = make_blocking(sizeof(typename UK::T), UK::MR, UK::NR);

// The kernel table entry of gemm.h for micro-kernel UK.
template <class UK>
Kernel make_kernel(double serial_flops) {
  constexpr const Blocking& BL = kBlocking<UK>;
  return Kernel{BL,
                serial_flops,
                UK::kInPlace,
                &run_region<UK, BL>,
                &pack_b<UK, BL>,
                &run_packed<UK, BL>,
                &pack_a<UK, BL>,
                &run_packed_a<UK, BL>,
                &run_prepacked<UK, BL>};
}

}  // namespace
}  // namespace lamina::cpu::gemm_kernels::LAMINA_CPU_NS
