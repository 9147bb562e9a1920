// LSTM on the host (lstm.h). The layer recurrence:
//   forward:  gx = x W_ih^T for all steps (one GEMM, written where the activations go), then
//             per step gh = h_{t-1} W_hh^T and the fused cell (lstm_cell.h);
//   backward: per step (in reverse) dh = dgates_{t+1} W_hh and the fused cell backward, then
//             dW_hh, dW_ih and dx as one GEMM each over all steps, db as column sums.
// The per-step GEMMs reuse W_hh packed once per call (cpu::PackedB). The gate rows of W_ih,
// W_hh and the bias are reordered into blocks of nb hidden units (nb = the GEMM's panel
// width; lstm_cell.h has the layout): a thread owning some blocks computes all four gates of
// its hidden units and runs their cell right after its part of the GEMM, so one step is one
// parallel_for with no barrier between GEMM and cell. The gradients are reordered back.
#include "../kernels/lstm.h"
#include "lstm_impl.h"  // the generic copy of the cell

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>
#include <vector>

#include "../core/dtype.h"
#include "../core/parallel.h"
#include "isa.h"
#include "lstm_cell.h"
#include "matmul.h"
#include "scratch.h"

namespace lamina::cpu {

namespace {

using lstm::CellBwd;
using lstm::CellFwd;
using lstm::cell_bwd;
using lstm::cell_fwd;

// Below this many flops of recurrent GEMM per step, one thread runs the whole step.
constexpr double kSerialStepFlops = 0.6e6;

thread_local Scratch t_gates;  // gx without grad, or the gate gradients of the backward

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Rows of a (4H, cols) matrix (or a (4H,) vector: cols 1) between torch's gate layout (row
// q H + j) and the block layout (row 4 nb k + q n + u, lstm_cell.h).
template <typename T>
void reorder_rows(T* dst, const T* src, int64_t H, int64_t nb, int64_t cols, bool to_blocks) {
  for (int64_t k = 0; k < ceil_div(H, nb); ++k) {
    const lstm::Seg s = lstm::seg_of(H, nb, k);
    for (int64_t q = 0; q < 4; ++q)
      for (int64_t u = 0; u < s.n; ++u) {
        const int64_t tr = q * H + s.j0 + u, br = s.g0 + q * s.n + u;
        const T* from = src + (to_blocks ? tr : br) * cols;
        T* to = dst + (to_blocks ? br : tr) * cols;
        std::memcpy(to, from, size_t(cols) * sizeof(T));
      }
  }
}

// Per step: fn(k0, k1) over the hidden blocks, on all threads when the step is big enough.
template <class Fn>
void over_blocks(int64_t nblocks, double flops, const Fn& fn) {
  const int64_t nt = get_num_threads();
  if (nt <= 1 || nblocks <= 1 || flops < kSerialStepFlops) {
    fn(0, nblocks);
    return;
  }
  parallel_for(0, nblocks, ceil_div(nblocks, nt), fn);
}

template <typename T>
void layer_forward(DType dt, int64_t T_, int64_t B, int64_t I, int64_t H, const T* x,
                   const T* w_ih, const T* w_hh, const T* b_ih, const T* b_hh, bool reverse,
                   T* hs, T* cs, T* acts) {
  const int64_t G = 4 * H, nb = std::min(H, PackedB::panel_width(dt));
  const int64_t nblocks = ceil_div(H, nb);
  std::vector<T> wih(size_t(G * I)), whh(size_t(G * H)), bias;
  reorder_rows(wih.data(), w_ih, H, nb, I, true);
  reorder_rows(whh.data(), w_hh, H, nb, H, true);
  if (b_ih || b_hh) {
    std::vector<T> b(size_t(G), T(0));
    for (int64_t r = 0; r < G; ++r) b[r] = (b_ih ? b_ih[r] : T(0)) + (b_hh ? b_hh[r] : T(0));
    bias.resize(size_t(G));
    reorder_rows(bias.data(), b.data(), H, nb, 1, true);
  }
  T* gx = acts ? acts : t_gates.get<T>(T_ * B * G);
  if (I > 0) {
    gemm(dt, 1, T_ * B, G, I, x, 0, I, 1, wih.data(), 0, 1, I, gx);
  } else {
    std::fill(gx, gx + T_ * B * G, T(0));
  }
  const PackedB pw(dt, H, G, whh.data(), 1, H);
  std::vector<T> gh(size_t(B * G));
  const double flops = 2.0 * double(B) * double(G) * double(H);
  for (int64_t s = 0; s < T_; ++s) {
    const int64_t t = reverse ? T_ - 1 - s : s;
    const int64_t prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
    const T* hp = hs + prev * B * H;
    CellFwd<T> a{H, nb, gx + t * B * G, G, gh.data(), G, bias.empty() ? nullptr : bias.data(),
                 nullptr, cs + prev * B * H, cs + cur * B * H, hs + cur * B * H, H,
                 acts ? acts + t * B * G : nullptr};
    over_blocks(nblocks, flops, [&](int64_t k0, int64_t k1) {
      pw.run(B, hp, H, 1, gh.data(), G, 4 * nb * k0, std::min(G, 4 * nb * k1));
      cell_fwd(a, 0, B, k0, k1);
    });
  }
}

// Column sums of a (rows, cols) matrix into out (cols,).
template <typename T>
void column_sums(const T* m, int64_t rows, int64_t cols, T* out) {
  const int64_t chunk = 256;
  parallel_for(0, ceil_div(cols, chunk), 1, [&](int64_t lo, int64_t hi) {
    for (int64_t c0 = lo * chunk; c0 < std::min(cols, hi * chunk); c0 += chunk) {
      const int64_t c1 = std::min(cols, c0 + chunk);
      T acc[chunk] = {};
      for (int64_t r = 0; r < rows; ++r) {
        const T* row = m + r * cols;
        for (int64_t c = c0; c < c1; ++c) acc[c - c0] += row[c];
      }
      for (int64_t c = c0; c < c1; ++c) out[c] = acc[c - c0];
    }
  });
}

template <typename T>
void layer_backward(DType dt, int64_t T_, int64_t B, int64_t I, int64_t H, const T* x,
                    const T* w_ih, const T* w_hh, const T* hs, const T* cs, const T* acts,
                    bool reverse, const T* dy, const T* dhn, const T* dcn, T* dx, T* dh0,
                    T* dc0, T* dw_ih, T* dw_hh, T* db) {
  const int64_t G = 4 * H, nb = std::min(H, PackedB::panel_width(dt));
  const int64_t nblocks = ceil_div(H, nb);
  std::vector<T> wih(size_t(G * I)), whh(size_t(G * H));
  reorder_rows(wih.data(), w_ih, H, nb, I, true);
  reorder_rows(whh.data(), w_hh, H, nb, H, true);
  T* dg = t_gates.get<T>(T_ * B * G);
  const PackedB pw(dt, G, H, whh.data(), H, 1);  // dh = dgates @ W_hh
  std::vector<T> dhrec(size_t(B * H));
  // dc carried backwards in place in dc0
  if (dcn) {
    std::memcpy(dc0, dcn, size_t(B * H) * sizeof(T));
  } else {
    std::fill(dc0, dc0 + B * H, T(0));
  }
  const double flops = 2.0 * double(B) * double(G) * double(H);
  for (int64_t s = 0; s < T_; ++s) {
    const int64_t t = reverse ? s : T_ - 1 - s;
    const int64_t prev = reverse ? t + 1 : t, cur = reverse ? t : t + 1;
    const int64_t tnext = reverse ? t - 1 : t + 1;  // the step after t in the forward
    const bool first = s == 0;
    CellBwd<T> a{H, nb, acts + t * B * G, cs + prev * B * H, cs + cur * B * H,
                 dy ? dy + t * B * H : nullptr, H, first ? dhn : dhrec.data(), H, dc0,
                 dg + t * B * G, dc0};
    over_blocks(nblocks, flops, [&](int64_t k0, int64_t k1) {
      if (!first)
        pw.run(B, dg + tnext * B * G, G, 1, dhrec.data(), H, nb * k0, std::min(H, nb * k1));
      cell_bwd(a, 0, B, k0, k1);
    });
  }
  const int64_t tfirst = reverse ? T_ - 1 : 0;
  over_blocks(nblocks, flops, [&](int64_t k0, int64_t k1) {
    pw.run(B, dg + tfirst * B * G, G, 1, dh0, H, nb * k0, std::min(H, nb * k1));
  });
  // weight gradients over all steps, in the block layout, then reordered
  const int64_t R = T_ * B;
  std::vector<T> tmp(size_t(G * std::max(H, I)));
  const T* hprev = hs + (reverse ? B * H : 0);
  gemm(dt, 1, G, H, R, dg, 0, 1, G, hprev, 0, H, 1, tmp.data());
  reorder_rows(dw_hh, tmp.data(), H, nb, H, false);
  if (I > 0) {
    gemm(dt, 1, G, I, R, dg, 0, 1, G, x, 0, I, 1, tmp.data());
    reorder_rows(dw_ih, tmp.data(), H, nb, I, false);
    if (dx) gemm(dt, 1, R, I, G, dg, 0, G, 1, wih.data(), 0, I, 1, dx);
  }
  if (db) {
    column_sums(dg, R, G, tmp.data());
    reorder_rows(db, tmp.data(), H, nb, 1, false);
  }
}

}  // namespace

void lstm_cell_forward(DType dt, int64_t B, int64_t H, const void* gx, const void* gh,
                       const void* b_ih, const void* b_hh, const void* c_prev, void* h, void* c,
                       void* acts) {
  LAMINA_DISPATCH_FLOAT(dt, "lstm_cell", [&] {
    using T = scalar_t;
    const CellFwd<T> a{H, H, typed<T>(gx), 4 * H, typed<T>(gh),
                       4 * H, typed<T>(b_ih), typed<T>(b_hh),
                       typed<T>(c_prev), typed<T>(c), typed<T>(h),
                       H, typed<T>(acts)};
    parallel_for(0, B, grain_for(4096, H),
                 [&](int64_t b0, int64_t b1) { cell_fwd(a, b0, b1, 0, 1); });
  });
}

void lstm_cell_backward(DType dt, int64_t B, int64_t H, const void* acts, const void* c_prev,
                        const void* c, const void* dh, const void* dc, void* dgates,
                        void* dc_prev) {
  LAMINA_DISPATCH_FLOAT(dt, "lstm_cell", [&] {
    using T = scalar_t;
    const CellBwd<T> a{H, H, typed<T>(acts), typed<T>(c_prev),
                       typed<T>(c), typed<T>(dh), H, nullptr, H,
                       typed<T>(dc), typed<T>(dgates),
                       typed<T>(dc_prev)};
    parallel_for(0, B, grain_for(4096, H),
                 [&](int64_t b0, int64_t b1) { cell_bwd(a, b0, b1, 0, 1); });
  });
}

#include "../kernels/lstm_layer_entries.h"

}  // namespace lamina::cpu
