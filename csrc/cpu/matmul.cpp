// cpu::gemm: picks the packed GEMM kernel for the dtype and the CPU (gemm.h) and shares the
// products out to the threads:
//  - small products (< Kernel::serial_flops in all): the calling thread alone;
//  - many products: whole products, claimed one at a time by the threads;
//  - one product after another, read in place (nothing packed) in blocks claimed by the
//    threads: a short one (gemm.h kShortRows, reads_in_place) in blocks of about
//    N / (2 * threads) columns; another when blocks of about M / (2 * threads) rows, each with
//    all of B, fit the in-place size (gemm.h kInPlaceBytes);
//  - otherwise, one product after another: B packed once into a shared buffer (panels claimed
//    by the threads), then blocks of C rows (and columns, when M is short) claimed by the
//    threads, each packing its own A. Claiming (not a fixed split) keeps both cores busy when
//    the second one wakes late or is lent to another process. B bigger than kSharedBBytes, or
//    a short product (gemm.h kShortRows: its packed B would serve no other rows): each thread
//    takes a fixed part of M or N (N when short) and packs its own blocks of B.
#include "matmul.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <new>
#include <thread>

#include "../core/allocator.h"
#include "../core/check.h"
#include "../core/parallel.h"
#include "isa.h"
#include "gemm.h"
#include "scratch.h"

namespace lamina::cpu {

namespace {

using gemm_kernels::Kernel;
using gemm_kernels::Problem;
using gemm_kernels::Region;

// Largest packed B shared by the threads; beyond it each thread packs its own B blocks.
constexpr size_t kSharedBBytes = size_t(24) << 20;
// Blocks of C claimed by the threads: about kItemsPerThread each, at least kMinRows x kMinCols
// (a B micro-panel serves several micro-tiles from L1; A is packed once per column block).
// Measured on Zen 5, 2 threads: rows >= 128 is +8% on 512^3 and 512x3072x768 against blocks of
// M / 8 rows, and equal elsewhere.
constexpr int64_t kItemsPerThread = 4, kMinRows = 128, kMinCols = 128;

Kernel pick(DType dt) {
  namespace gk = gemm_kernels;
  const Isa p = isa();
  switch (dt) {
    case DType::Float32:
      if (p == Isa::AVX512) return gk::avx512::f32();
      return p == Isa::AVX2 ? gk::avx2::f32() : gk::generic::f32();
    case DType::Float64:
      if (p == Isa::AVX512) return gk::avx512::f64();
      return p == Isa::AVX2 ? gk::avx2::f64() : gk::generic::f64();
    case DType::Int64:  // the portable kernel on every CPU
      return gk::generic::i64();
    default:
      throw_dtype_error("matmul", dt, "float32, float64 or int64");
  }
}

thread_local Scratch t_workspace;  // packing blocks of one thread
thread_local Scratch t_shared_b;   // B packed for all threads, owned by the calling thread

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

size_t workspace_bytes(const Kernel& k, size_t elem) {  // gemm.h: B block, A block
  return size_t(k.ws_elems()) * elem;
}

size_t packed_b_bytes(const Kernel& k, int64_t K, int64_t N, size_t elem) {
  return size_t(K * ceil_div(N, k.b.nr) * k.b.nr) * elem;
}

// Waits (pausing, then yielding the core) until `flag` reaches `target`: another thread is
// packing the last panels of B.
void wait_for(const std::atomic<int64_t>& flag, int64_t target) {
  for (int spins = 0; flag.load(std::memory_order_acquire) < target; ++spins) {
    if (spins < 2000) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    } else {
      std::this_thread::yield();
    }
  }
}

// One product on nt threads: shared packed B, then claimed blocks of C.
void run_shared_b(const Kernel& kern, const Problem& p, int64_t nt, size_t elem) {
  const int64_t mr = kern.b.mr, nr = kern.b.nr;
  const int64_t panels = ceil_div(p.N, nr);
  void* bpacked = t_shared_b.get(packed_b_bytes(kern, p.K, p.N, elem));
  const int64_t per_btask = ceil_div(panels, std::min(panels, 4 * nt));  // panels per task
  const int64_t btasks = ceil_div(panels, per_btask);
  // blocks of C: about kItemsPerThread per thread, of at least kMinRows rows and kMinCols
  // columns unless that leaves fewer than 2 per thread
  const int64_t target = kItemsPerThread * nt;
  int64_t rbt = std::clamp<int64_t>(p.M / kMinRows, 1, target);
  const int64_t col_blocks = std::max<int64_t>(1, p.N / kMinCols);
  int64_t cbt = std::clamp<int64_t>(ceil_div(target, rbt), 1, col_blocks);
  if (rbt * cbt < 2 * nt) rbt = std::min(ceil_div(2 * nt, cbt), ceil_div(p.M, mr));
  if (rbt * cbt < 2 * nt) cbt = std::min(ceil_div(2 * nt, rbt), panels);
  const int64_t bm = ceil_div(ceil_div(p.M, rbt), mr) * mr;
  const int64_t bn = ceil_div(panels, cbt) * nr;
  const int64_t rb = ceil_div(p.M, bm), cb = ceil_div(p.N, bn);
  const size_t ws_bytes = workspace_bytes(kern, elem);
  std::atomic<int64_t> next_b{0}, done_b{0}, next_item{0};
  parallel_for(0, nt, 1, [&](int64_t, int64_t) {
    for (int64_t t; (t = next_b.fetch_add(1, std::memory_order_relaxed)) < btasks;) {
      const int64_t n0 = t * per_btask * nr;
      kern.pack_b(p, n0, std::min(p.N, n0 + per_btask * nr), bpacked);
      done_b.fetch_add(1, std::memory_order_release);
    }
    void* ws = nullptr;
    for (int64_t it; (it = next_item.fetch_add(1, std::memory_order_relaxed)) < rb * cb;) {
      if (!ws) {
        ws = t_workspace.get(ws_bytes);
        wait_for(done_b, btasks);
      }
      const int64_t m0 = (it / cb) * bm, n0 = (it % cb) * bn;
      kern.run_packed(p, Region{m0, std::min(p.M, m0 + bm), n0, std::min(p.N, n0 + bn)},
                      bpacked, ws);
    }
  });
}

// One product on nt threads in blocks read in place by gemm_impl.h (nothing packed, so no
// shared B to wait for): a short product (gemm.h kShortRows) in blocks of about N / (2 * nt)
// columns, each thread reading A and B streaming by once; otherwise blocks of about
// M / (2 * nt) rows when each with all of B fits kInPlaceBytes. {0, 0} when neither applies
// (or B's columns are not contiguous).
struct InPlaceBlocks {
  int64_t rows, cols;
};

InPlaceBlocks in_place_blocks(const Kernel& kern, const Problem& p, int64_t nt, size_t elem) {
  if (!kern.in_place || p.sbn != 1 || p.K <= 0) return {0, 0};
  const int64_t mr = kern.b.mr, nr = kern.b.nr, e = int64_t(elem);
  if (p.M <= gemm_kernels::kShortRows && gemm_kernels::reads_in_place(p.M, p.N, p.K, p.sbk, e, nr))
    return {p.M, ceil_div(ceil_div(p.N, 2 * nt), nr) * nr};
  const int64_t rows = ceil_div(ceil_div(p.M, 2 * nt), mr) * mr;  // about 2 blocks a thread
  if ((rows + p.N) * p.K * e <= gemm_kernels::kInPlaceBytes) return {rows, p.N};
  return {0, 0};
}

void run_in_place_blocks(const Kernel& kern, const Problem& p, int64_t nt, InPlaceBlocks bl,
                         size_t elem) {
  const int64_t cb = ceil_div(p.N, bl.cols), blocks = ceil_div(p.M, bl.rows) * cb;
  const size_t ws_bytes = workspace_bytes(kern, elem);
  std::atomic<int64_t> next{0};
  parallel_for(0, std::min(nt, blocks), 1, [&](int64_t, int64_t) {
    void* ws = t_workspace.get(ws_bytes);
    for (int64_t b; (b = next.fetch_add(1, std::memory_order_relaxed)) < blocks;) {
      const int64_t m0 = (b / cb) * bl.rows, n0 = (b % cb) * bl.cols;
      kern.run(p, Region{m0, std::min(p.M, m0 + bl.rows), n0, std::min(p.N, n0 + bl.cols)}, ws);
    }
  });
}

// One product on nt threads, each taking a fixed part of M or N and packing its own blocks:
// for B too big to share. Cuts the dimension that gives the fewer micro-tiles and re-packing.
void run_split(const Kernel& kern, const Problem& p, int64_t nt, size_t elem) {
  const int64_t mr = kern.b.mr, nr = kern.b.nr;
  const int64_t rows = ceil_div(ceil_div(p.M, mr), nt) * mr;
  const int64_t cols = ceil_div(ceil_div(p.N, nr), nt) * nr;
  auto cost = [&](int64_t m, int64_t n) {
    return double(ceil_div(m, mr) * ceil_div(n, nr) * mr * nr) + 8.0 * double(m + n);
  };
  const bool split_m = p.M > gemm_kernels::kShortRows && cost(rows, p.N) <= cost(p.M, cols);
  const size_t ws_bytes = workspace_bytes(kern, elem);
  parallel_for(0, nt, 1, [&](int64_t lo, int64_t hi) {
    void* ws = t_workspace.get(ws_bytes);
    for (int64_t i = lo; i < hi; ++i) {
      Region r = split_m ? Region{i * rows, std::min(p.M, (i + 1) * rows), 0, p.N}
                         : Region{0, p.M, i * cols, std::min(p.N, (i + 1) * cols)};
      if (r.m0 < r.m1 && r.n0 < r.n1) kern.run(p, r, ws);
    }
  });
}

}  // namespace

gemm_kernels::Kernel gemm_kernel(DType dt) {
  LAMINA_CHECK(dt == DType::Float32 || dt == DType::Float64, TypeError,
               "[gemm] expected float32 or float64, got ", dtype_name(dt));
  return pick(dt);
}

void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C) {
  const Kernel kern = pick(dt);
  const size_t elem = size_t(itemsize(dt));
  const int64_t e = int64_t(elem);
  auto product = [&](int64_t bi) {
    return Problem{M, N, K, static_cast<const char*>(A) + bi * sab * e, sam, sak,
                   static_cast<const char*>(B) + bi * sbb * e, sbk, sbn,
                   static_cast<char*>(C) + bi * M * N * e, N};
  };
  const size_t ws_bytes = workspace_bytes(kern, elem);
  const double flops = 2.0 * double(M) * double(N) * double(K);
  const int64_t nt = get_num_threads();
  if (nt <= 1 || flops * double(batch) < kern.serial_flops) {
    void* ws = t_workspace.get(ws_bytes);
    for (int64_t bi = 0; bi < batch; ++bi) kern.run(product(bi), Region{0, M, 0, N}, ws);
    return;
  }
  if (batch % nt == 0 || batch >= 4 * nt || (batch > 1 && flops < 4 * kern.serial_flops)) {
    std::atomic<int64_t> next{0};  // whole products, claimed
    parallel_for(0, nt, 1, [&](int64_t, int64_t) {
      void* ws = t_workspace.get(ws_bytes);
      for (int64_t bi; (bi = next.fetch_add(1, std::memory_order_relaxed)) < batch;)
        kern.run(product(bi), Region{0, M, 0, N}, ws);
    });
    return;
  }
  const bool shared = packed_b_bytes(kern, K, N, elem) <= kSharedBBytes;
  for (int64_t bi = 0; bi < batch; ++bi) {
    const Problem p = product(bi);
    if (const InPlaceBlocks bl = in_place_blocks(kern, p, nt, elem); bl.rows > 0) {
      run_in_place_blocks(kern, p, nt, bl, elem);
    } else if (shared && p.M > gemm_kernels::kShortRows) {
      run_shared_b(kern, p, nt, elem);
    } else {
      run_split(kern, p, nt, elem);
    }
  }
}

PackedB::PackedB(DType dt, int64_t K, int64_t N, const void* B, int64_t sbk, int64_t sbn)
    : dt_(dt), K_(K), N_(N) {
  const Kernel kern = pick(dt);
  const size_t elem = size_t(itemsize(dt));
  nr_ = kern.b.nr;
  const size_t bytes = packed_b_bytes(kern, K, N, elem);
  buf_ = cpu_allocate(int64_t(bytes));  // cached across calls (core/allocator.h)
  if (K == 0 || N == 0) return;
  const Problem p{0, N, K, nullptr, 0, 0, B, sbk, sbn, nullptr, 0};
  const int64_t panels = ceil_div(N, nr_);
  const int64_t grain = std::max<int64_t>(1, (int64_t(1) << 16) / std::max<int64_t>(1, K * nr_));
  parallel_for(0, panels, grain, [&](int64_t lo, int64_t hi) {
    kern.pack_b(p, lo * nr_, std::min(N, hi * nr_), buf_.get());
  });
}

int64_t PackedB::panel_width(DType dt) { return pick(dt).b.nr; }

void PackedB::run(int64_t M, const void* A, int64_t sam, int64_t sak, void* C, int64_t ldc,
                  int64_t n0, int64_t n1) const {
  if (M <= 0 || n1 <= n0 || K_ == 0) return;
  const Kernel kern = pick(dt_);
  const Problem p{M, N_, K_, A, sam, sak, nullptr, 0, 0, C, ldc};
  kern.run_packed(p, Region{0, M, n0, n1}, buf_.get(),
                  t_workspace.get(workspace_bytes(kern, size_t(itemsize(dt_)))));
}

}  // namespace lamina::cpu
