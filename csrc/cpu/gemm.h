#pragma once
// The packed, cache-blocked GEMM behind cpu::gemm (the BLIS loop nest): the shared types, the
// cache blocking (all of it, in one place) and the per-ISA kernel tables.
//
// Loop nest of one region of C (gemm_impl.h), with the cache level each packed block lives in:
//   jc over N by NC:  pack B[pc:pc+KC, jc:jc+NC] -> KC x NC, NR-wide panels      (L3)
//    pc over K by KC:
//     ic over M by MC: pack A[ic:ic+MC, pc:pc+KC] -> MC x KC, MR-tall panels     (L2)
//      jr over NC by NR, ir over MC by MR: micro-kernel MR x NR += A panel @ B panel, the
//      B micro-panel (KC x NR) staying in L1 while the A micro-panels stream from L2.
// Transposed and strided operands are handled by the packing (any strides, 0 included); the
// edges of C by micro-kernels that compute only the rows and vectors there are. Small and
// short products (reads_in_place, B's columns contiguous) skip the packing: the micro-kernel
// broadcasts A and loads B where they are, each tile over all of K.
// Threads (matmul.cpp): whole products; short products in blocks of columns, and blocks of rows
// when each with all of B fits kInPlaceBytes, run in place; or all of B packed once and shared,
// then blocks of C claimed one at a time, each thread packing its own A blocks.
//
// The ISA files include this header with their -m flags, and the linker keeps one copy of an
// inline function: make_blocking is only evaluated at compile time there, and ws_elems is
// called only from the portable files; nothing else here is code.
#include <cstddef>
#include <cstdint>

namespace lamina::cpu::gemm_kernels {

// One product: A (M, K) strides (sam, sak); B (K, N) strides (sbk, sbn); C (M, N) with row
// stride ldc. Pointers already point at the batch's matrices. C = A @ B, or C += A @ B with
// accumulate (partial sums kept in C itself: no tile to add afterwards).
struct Problem {
  int64_t M, N, K;
  const void* A;
  int64_t sam, sak;
  const void* B;
  int64_t sbk, sbn;
  void* C;
  int64_t ldc;
  bool accumulate = false;
};

// Rows [m0, m1) and columns [n0, n1) of C.
struct Region {
  int64_t m0, m1, n0, n1;
};

// Cache sizes the blocking is made for (AMD Zen 5: 48 KB L1d and 1 MB L2 per core, 32 MB L3
// shared). A machine with smaller caches loses a little speed, never correctness.
constexpr int64_t kL1Bytes = 48 << 10, kL2Bytes = 1 << 20, kL3Bytes = 32 << 20;
constexpr int64_t kPageBytes = 4096;

// A region whose rows of A and columns of B take at most this many bytes (B's columns
// contiguous) is computed from A and B in place, with no packing (gemm_impl.h run_in_place):
// they stay in L2 while every tile runs over all of K. Measured on Zen 4 (float): packing A
// and B took a quarter of a 64^3 product; against 96 KB, half of L2 takes 192^3 on two
// threads from 84 to 72 us, 256^3 from 185 to 172 us, and one thread's 48x48x1024,
// 32x256x256 and 16x1024x64 products 9-21% faster (AVX2 4-23%).
constexpr int64_t kInPlaceBytes = kL2Bytes / 2;
// A short region (at most kShortRows rows) is read in place too when its A rows and one column
// strip of B (K x nr) fit kInPlaceBytes, its B columns fit L2 and B's rows lie less than a
// page apart: run_in_place walks the strips in the outer loop, so each strip streams by once
// and A stays in L2. Such products (a batch of 32 rows through a 1024 x 256 weight: LSTMCell
// and dense layers' gradients) spent longer packing B than multiplying. Other B is packed: a
// strip whose rows lie a page apart defeats the prefetchers (on Zen 1, 16 x 4096 x 1024 in
// place took twice as long as packed, 32 x 1024 x 256 5% longer).
constexpr int64_t kShortRows = 64;
// The B block of a short region (packed, when not read in place) is at most this many columns:
// it serves one A block only, so it need not fill L3 (Zen 1, 16 x 4096 x 1024 on two threads:
// 4.7 -> 4.0 ms against 4096).
constexpr int64_t kShortCols = 512;

// Whether a region of m rows and n columns over K is read in place (B's columns contiguous).
// static: each ISA file keeps its own copy (see above).
static constexpr bool reads_in_place(int64_t m, int64_t n, int64_t K, int64_t sbk, int64_t elem,
                                     int64_t nr) {
  return (m + n) * K * elem <= kInPlaceBytes ||
         (m <= kShortRows && (m + nr) * K * elem <= kInPlaceBytes && n * K * elem <= kL2Bytes &&
          sbk * elem < kPageBytes);
}

struct Blocking {
  int64_t mr, nr;  // micro-tile: MR rows x NR columns of C in registers
  int64_t mc, kc, nc;
};

// KC: the B micro-panel (KC x NR) takes 2/3 of L1, the rest for A micro-panels and C;
// MC: the A block (MC x KC) half of L2; NC: the B block (KC x NC) at most a quarter of L3
// (both threads hold one). Rounded to multiples of 8 / MR / NR. Measured on Zen 5 (float,
// 2 threads, 14 x 32 kernel), KC = 128..384: 256 best by 2-8% on 1024^3 and the transformer
// shapes (192: -3..-8%, 384: equal but noisier); 12 x 32 then kept it.
constexpr Blocking make_blocking(int64_t elem, int64_t mr, int64_t nr) {
  int64_t kc = kL1Bytes * 2 / 3 / (nr * elem);
  kc = kc < 64 ? 64 : kc > 512 ? 512 : kc - kc % 8;
  int64_t mc = kL2Bytes / 2 / (kc * elem);
  mc = mc < mr ? mr : mc - mc % mr;
  int64_t nc = kL3Bytes / 4 / (kc * elem);
  nc = nc > 4096 ? 4096 : nc - nc % nr;
  return Blocking{mr, nr, mc, kc, nc};
}

// One (ISA, dtype) kernel: its blocking and the serial drivers (gemm_impl.h). `ws` is a
// thread's workspace, 64-byte aligned: the B block (kc * nc elements), then the A block
// (mc * kc elements).
//   run:        C[r] = A[r rows] @ B[r cols], packing its own B blocks
//   pack_b:     columns [n0, n1) of all of B (n0 a multiple of nr) into a shared buffer of
//               K * (N rounded up to nr) elements, for run_packed
//   run_packed: C[r] as run, with B from pack_b (r.n0 a multiple of nr)
//   pack_a:     rows [m0, m1) of all of A (m0 a multiple of mr) into a shared buffer of
//               (M rounded up to mr) * K elements, for run_packed_a
//   run_packed_a: C[r] as run, with A from pack_a (r.m0 a multiple of mr)
//   run_prepacked: C[r] with A from pack_a and B in pack_b's layout (r.m0 a multiple of mr,
//               r.n0 of nr): no packing, no workspace
struct Kernel {
  Blocking b;
  // Below this many flops per call one thread does all (matmul.cpp): about 8 us of the
  // kernel's work on one Zen 5 core. Measured there, back-to-back calls (worker polling):
  // 2 threads take 128^3 from 19.4 to 13 us with AVX-512 (96^3, 64^3 about even) and 80^3
  // from 9.3 to 6.9 us with AVX2; below, moving packed B and C between the cores' caches
  // costs what the second core saves.
  double serial_flops;
  bool in_place;  // small regions read A and B in place (kInPlaceBytes); false: always packed
  void (*run)(const Problem& p, const Region& r, void* ws);
  void (*pack_b)(const Problem& p, int64_t n0, int64_t n1, void* dst);
  void (*run_packed)(const Problem& p, const Region& r, const void* bpacked, void* ws);
  void (*pack_a)(const Problem& p, int64_t m0, int64_t m1, void* dst);
  void (*run_packed_a)(const Problem& p, const Region& r, const void* apacked, void* ws);
  void (*run_prepacked)(const Problem& p, const Region& r, const void* apacked,
                        const void* bpacked);
  // elements of T in `ws`: the B block, then the A block
  int64_t ws_elems() const { return b.kc * b.nc + b.mc * b.kc; }
};

namespace generic {
Kernel f32();
Kernel f64();
Kernel i64();
}  // namespace generic
namespace avx2 {
Kernel f32();
Kernel f64();
}  // namespace avx2
namespace avx512 {
Kernel f32();
Kernel f64();
}  // namespace avx512

}  // namespace lamina::cpu::gemm_kernels
