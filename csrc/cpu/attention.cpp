// Tiled attention on the host (attention.h). Block products run on the GEMM kernels of gemm.h
// (one call per block, serial within a thread; small enough to read A and B in place); K^T
// (and V^T for the backward) is first copied into blocks of key columns, once per call, so the
// score products find B's columns contiguous. The row work (mask, max, exp, sums) runs on the
// row helpers of attention_rows.h.
//  - forward: tasks (batch entry, block of kBr queries), claimed by the threads, largest first
//    under is_causal; each walks the key blocks with the online softmax, skipping key blocks
//    wholly above the diagonal.
//  - backward: D = rowsum(dO * O), then tasks over key blocks: each owns its dK and dV rows and
//    walks the query blocks (from the diagonal on under is_causal). dQ: a task holding a whole
//    batch entry (all its key blocks, when there are enough entries for the threads) adds into
//    dQ directly; otherwise each thread adds into a private dQ, summed at the end.
#include "../kernels/attention.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include "../core/parallel.h"
#include "attention_rows.h"
#include "isa.h"
#include "gemm.h"
#include "matmul.h"
#include "scratch.h"

namespace lamina::cpu {

namespace {

using gemm_kernels::Kernel;
using gemm_kernels::Problem;
using gemm_kernels::Region;

template <typename T>
Kernel pick_kernel() {
  return gemm_kernel(sizeof(T) == 4 ? DType::Float32 : DType::Float64);
}

thread_local Scratch t_scratch;

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Block sizes: query blocks a multiple of the micro-kernel's MR, key blocks of its NR (96 x 256
// for float on AVX-512: the score tile stays in L2).
// Measured on Zen 5 (one thread, process time, B H L D = 4 8 256 64 and 2 8 1024 64): 48 / 96 /
// 192 rows x 128 / 256 columns within 5% of each other.
struct Blocks {
  int64_t br, bc;
};
// Under is_causal the key block crossing a query block's diagonal runs in groups of this many
// micro-tile rows, each stopping at its own last key (about half the masked work saved there).
constexpr int64_t kGroupTiles = 2;

Blocks blocks_of(const Kernel& k) {
  return Blocks{k.b.mr * 8, k.b.nr * 8};
}

// C (m, n), row stride ldc = A (m, kk) strides (sam, sak) @ B (kk, n) strides (sbk, sbn).
template <typename T>
inline void mm(const Kernel& kern, void* ws, int64_t m, int64_t n, int64_t kk, const T* A,
               int64_t sam, int64_t sak, const T* B, int64_t sbk, int64_t sbn, T* C,
               int64_t ldc) {
  if (m == 0 || n == 0) return;
  if (kk == 0) {
    for (int64_t i = 0; i < m; ++i) std::fill(C + i * ldc, C + i * ldc + n, T(0));
    return;
  }
  kern.run(Problem{m, n, kk, A, sam, sak, B, sbk, sbn, C, ldc}, Region{0, m, 0, n}, ws);
}

// Per-thread memory of a task: the GEMM workspace then `extra` elements of T.
template <typename T>
T* scratch(const Kernel& kern, void** ws, size_t extra) {
  const size_t wsb = size_t(kern.ws_elems()) * sizeof(T);
  char* base = static_cast<char*>(t_scratch.get(wsb + extra * sizeof(T) + 64));
  *ws = base;
  return reinterpret_cast<T*>(base + wsb);
}

// Scores of rows [i0, i0 + br) against keys [j0, j0 + bc), in s (br, ldS): x * scale, plus the
// mask (bool: -inf where false; float: added), -inf above the diagonal under causal. Without a
// mask and with scale > 0 the scaling is left to the exp pass (one pass less): returns the
// factor still to apply (scale, or 1 when done here).
template <typename T>
T mask_scores(const AttnParams& p, const void* mask_b, T* s, int64_t ldS, int64_t i0,
              int64_t br, int64_t j0, int64_t bc) {
  const T scale = static_cast<T>(p.scale);
  const T ninf = -std::numeric_limits<T>::infinity();
  const bool defer = p.mask_kind == AttnMask::None && scale > T(0);
  for (int64_t r = 0; r < br; ++r) {
    T* x = s + r * ldS;
    const int64_t i = i0 + r;
    int64_t cend = bc;
    if (p.causal) cend = std::clamp<int64_t>(i - j0 + 1, 0, bc);
    switch (p.mask_kind) {
      case AttnMask::None:
        if (!defer) rows::scale(x, cend, scale);
        break;
      case AttnMask::Bool: {
        const uint8_t* mk = static_cast<const uint8_t*>(mask_b) + i * p.smL + j0 * p.smS;
        for (int64_t c = 0; c < cend; ++c) x[c] = mk[c * p.smS] ? x[c] * scale : ninf;
        break;
      }
      case AttnMask::Float: {
        const T* mk = typed<T>(mask_b) + i * p.smL + j0 * p.smS;
        if (p.smS == 1) {
          rows::scale_add(x, mk, cend, scale);
        } else {
          for (int64_t c = 0; c < cend; ++c) x[c] = x[c] * scale + mk[c * p.smS];
        }
        break;
      }
    }
    for (int64_t c = cend; c < bc; ++c) x[c] = ninf;
  }
  return defer ? scale : T(1);
}

// K^T (or V^T) of every batch entry, copied once per call into blocks of bc keys: block
// (b, jb) is an (e, bc) row-major matrix, so the score products (Q K^T, dO V^T) read B in
// place, its columns contiguous (gemm_impl.h run_in_place), instead of packing the same K^T
// block once per query block: on Zen 1 that packing was a tenth of the forward.
template <typename T>
struct KeyBlocks {
  int64_t nblk, e, bc;
  std::unique_ptr<T[]> buf;

  // rows: AttnBatch<T>::k or ::v, of n keys x e features with strides (sn, se)
  KeyBlocks(const AttnParams& p, const T* AttnBatch<T>::*rows, int64_t n, int64_t e_,
            int64_t bc_, int64_t sn, int64_t se)
      : nblk(ceil_div(n, bc_)), e(e_), bc(bc_), buf(new T[size_t(p.nb * nblk * e * bc)]) {
    parallel_for(0, p.nb * nblk, 1, [&](int64_t lo, int64_t hi) {
      for (int64_t t = lo; t < hi; ++t) {
        const int64_t j0 = (t % nblk) * bc, w = std::min(bc, n - j0);
        const T* x = attn_batch<T>(p, t / nblk).*rows + j0 * sn;
        T* o = buf.get() + t * e * bc;
        for (int64_t c = 0; c < w; ++c)
          for (int64_t k = 0; k < e; ++k) o[k * bc + c] = x[c * sn + k * se];
      }
    });
  }
  const T* at(int64_t b, int64_t jb) const { return buf.get() + (b * nblk + jb) * e * bc; }
};

// The dropout factor row: z[c] = kept ? 1 / (1 - p) : 0 for keys [j0, j0 + bc) of row i.
template <typename T>
void dropout_row(const AttnParams& p, int64_t b, int64_t i, int64_t j0, int64_t bc, T* z) {
  const uint32_t thr = attn_drop_threshold(p.dropout_p);
  const T keep = p.dropout_p >= 1.0 ? T(0) : static_cast<T>(1.0 / (1.0 - p.dropout_p));
  const uint64_t rc = attn_row_counter(p, b, i);
  int64_t c = 0;
  while (c < bc) {
    const int64_t j = j0 + c;
    const Philox4 r = philox4x32(p.seed, rc + static_cast<uint64_t>(j / 4));
    for (int64_t w = j % 4; w < 4 && c < bc; ++w, ++c) z[c] = r.v[w] >= thr ? keep : T(0);
  }
}

template <typename T>
void forward_impl(const AttnParams& p, T* out, T* lse) {
  const Kernel kern = pick_kernel<T>();
  const Blocks bl = blocks_of(kern);
  const int64_t BR = bl.br, BC = bl.bc;
  const int64_t nqb = ceil_div(p.L, BR);
  const int64_t items = p.nb * nqb;
  const T ninf = -std::numeric_limits<T>::infinity();
  const int64_t Ev = p.Ev;
  const KeyBlocks<T> kt(p, &AttnBatch<T>::k, p.S, p.E, BC, p.skS, p.skE);
  std::atomic<int64_t> next{0};
  auto task = [&](int64_t it, void* ws, T* sb, T* tmp, T* acc, T* m, T* l, T* alpha, T* z) {
    // causal: the last query blocks (the most key blocks) first
    const int64_t ib = p.causal ? nqb - 1 - it % nqb : it % nqb;
    const int64_t b = it / nqb;
    const AttnBatch<T> in = attn_batch<T>(p, b);
    const int64_t i0 = ib * BR, br = std::min(BR, p.L - i0);
    const int64_t jend = p.causal ? std::min(p.S, i0 + br) : p.S;
    for (int64_t r = 0; r < br; ++r) m[r] = ninf, l[r] = 0;
    std::fill(acc, acc + br * Ev, T(0));
    for (int64_t j0 = 0; j0 < jend; j0 += BC) {
      const int64_t bc = std::min(BC, jend - j0);
      // a block crossing the diagonal runs in groups of rows, each to its last key
      const int64_t grp = p.causal && j0 + bc > i0 ? kGroupTiles * kern.b.mr : br;
      auto group_cols = [&](int64_t g0, int64_t gr) {
        return p.causal ? std::clamp<int64_t>(i0 + g0 + gr - j0, 0, bc) : bc;
      };
      for (int64_t g0 = 0; g0 < br; g0 += grp) {
        const int64_t gr = std::min(grp, br - g0);
        mm<T>(kern, ws, gr, group_cols(g0, gr), p.E, in.q + (i0 + g0) * p.sqL, p.sqL, p.sqE,
              kt.at(b, j0 / BC), BC, 1, sb + g0 * BC, BC);
      }
      const T post = mask_scores<T>(p, in.mask, sb, BC, i0, br, j0, bc);
      for (int64_t r = 0; r < br; ++r) {
        T* x = sb + r * BC;
        const T mx = rows::max(x, bc) * post;
        const T mnew = mx > m[r] ? mx : m[r];
        if (mnew == ninf) {  // nothing taken part so far
          std::fill(x, x + bc, T(0));
          alpha[r] = T(1);
          continue;
        }
        alpha[r] = std::exp(m[r] - mnew);  // 0 when m was -inf
        const T sum = rows::exp_sum_scaled(x, bc, post, mnew);
        l[r] = l[r] * alpha[r] + sum;
        m[r] = mnew;
        if (p.dropout_p > 0) {
          dropout_row<T>(p, b, i0 + r, j0, bc, z);
          rows::mul(x, z, bc);
        }
      }
      for (int64_t g0 = 0; g0 < br; g0 += grp) {
        const int64_t gr = std::min(grp, br - g0);
        mm<T>(kern, ws, gr, Ev, group_cols(g0, gr), sb + g0 * BC, BC, 1, in.v + j0 * p.svS, p.svS,
              p.svE, tmp + g0 * Ev, Ev);
      }
      for (int64_t r = 0; r < br; ++r) rows::scale_add(acc + r * Ev, tmp + r * Ev, Ev, alpha[r]);
    }
    T* ob = out + (b * p.L + i0) * Ev;
    T* lb = lse + b * p.L + i0;
    for (int64_t r = 0; r < br; ++r) {
      if (l[r] > 0) {
        const T inv = T(1) / l[r];
        for (int64_t c = 0; c < Ev; ++c) ob[r * Ev + c] = acc[r * Ev + c] * inv;
        lb[r] = m[r] + std::log(l[r]);
      } else {  // fully masked row
        std::fill(ob + r * Ev, ob + (r + 1) * Ev, T(0));
        lb[r] = std::numeric_limits<T>::infinity();
      }
    }
  };
  const int64_t nt = std::min<int64_t>(get_num_threads(), items);
  parallel_for(0, nt, 1, [&](int64_t, int64_t) {
    void* ws;
    const size_t extra = size_t(BR * BC + 2 * BR * Ev + 4 * BR + BC + 64);
    T* sb = scratch<T>(kern, &ws, extra);
    T* tmp = sb + BR * BC;
    T* acc = tmp + BR * Ev;
    T* m = acc + BR * Ev;
    T* l = m + BR;
    T* alpha = l + BR;
    T* z = alpha + BR;
    for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < items;)
      task(it, ws, sb, tmp, acc, m, l, alpha, z);
  });
}

template <typename T>
void backward_impl(const AttnParams& p, const T* dout, const T* out, const T* lse, T* dq, T* dk,
                   T* dv) {
  const Kernel kern = pick_kernel<T>();
  const Blocks bl = blocks_of(kern);
  const int64_t BR = bl.br, BC = bl.bc;
  const int64_t E = p.E, Ev = p.Ev, L = p.L, S = p.S;
  const T scale = static_cast<T>(p.scale);
  // D = rowsum(dO * O), (nb, L)
  std::vector<T> D(size_t(p.nb * L));
  parallel_for(0, p.nb * L, 256, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) D[r] = rows::dot(dout + r * Ev, out + r * Ev, Ev);
  });
  std::fill(dq, dq + p.nb * L * E, T(0));
  const int64_t nkb = ceil_div(S, BC);
  const KeyBlocks<T> kt(p, &AttnBatch<T>::k, S, E, BC, p.skS, p.skE);
  const KeyBlocks<T> vt(p, &AttnBatch<T>::v, S, Ev, BC, p.svS, p.svE);
  const int64_t nt0 = get_num_threads();
  // whole batch entries per task when they share out evenly, else single key blocks
  const bool whole = p.nb % nt0 == 0 || p.nb >= 4 * nt0;
  const int64_t per = whole ? nkb : 1;
  const int64_t items = whole ? p.nb : p.nb * nkb;
  const int64_t nt = std::min<int64_t>(nt0, items);
  std::atomic<int64_t> next{0};
  const size_t dq_elems = size_t(p.nb * L * E);

  // One key block kbi of batch entry b; dQ rows added into dqb (a (L, E) matrix).
  auto key_block = [&](int64_t b, int64_t kbi, T* dqb, void* ws, T* sb, T* dpb, T* tmp, T* z) {
    const AttnBatch<T> in = attn_batch<T>(p, b);
    const T* dob = dout + b * L * Ev;
    const T* lb = lse + b * L;
    const T* Db = D.data() + b * L;
    const int64_t j0 = kbi * BC, bc = std::min(BC, S - j0);
    T* dkb = dk + (b * S + j0) * E;
    T* dvb = dv + (b * S + j0) * Ev;
    std::fill(dkb, dkb + bc * E, T(0));
    std::fill(dvb, dvb + bc * Ev, T(0));
    const int64_t istart = p.causal ? (j0 / BR) * BR : 0;
    for (int64_t i0 = istart; i0 < L; i0 += BR) {
      const int64_t br = std::min(BR, L - i0);
      mm<T>(kern, ws, br, bc, E, in.q + i0 * p.sqL, p.sqL, p.sqE, kt.at(b, kbi), BC, 1, sb, BC);
      const T post = mask_scores<T>(p, in.mask, sb, BC, i0, br, j0, bc);
      for (int64_t r = 0; r < br; ++r) rows::exp_sub_scaled(sb + r * BC, bc, post, lb[i0 + r]);
      // dP~ = dO V^T
      mm<T>(kern, ws, br, bc, Ev, dob + i0 * Ev, Ev, 1, vt.at(b, kbi), BC, 1, dpb, BC);
      for (int64_t r = 0; r < br; ++r) {
        T* pr = sb + r * BC;
        T* dr = dpb + r * BC;
        if (p.dropout_p > 0) {
          dropout_row<T>(p, b, i0 + r, j0, bc, z);
          rows::dropout_ds(pr, dr, z, bc, Db[i0 + r], scale);  // dr = dS, pr = P * z
        } else {
          rows::ds(pr, dr, bc, Db[i0 + r], scale);  // dr = P * (dr - D) * scale
        }
      }
      // dV += P~^T dO
      mm<T>(kern, ws, bc, Ev, br, sb, 1, BC, dob + i0 * Ev, Ev, 1, tmp, Ev);
      rows::add(dvb, tmp, bc * Ev);
      // dK += dS^T Q
      mm<T>(kern, ws, bc, E, br, dpb, 1, BC, in.q + i0 * p.sqL, p.sqL, p.sqE, tmp, E);
      rows::add(dkb, tmp, bc * E);
      // dQ += dS K
      mm<T>(kern, ws, br, E, bc, dpb, BC, 1, in.k + j0 * p.skS, p.skS, p.skE, tmp, E);
      rows::add(dqb + i0 * E, tmp, br * E);
    }
  };

  std::vector<std::vector<T>> priv;  // private dQ per thread (single key block tasks)
  if (!whole) priv.resize(size_t(nt));
  std::atomic<int64_t> tid{0};
  parallel_for(0, nt, 1, [&](int64_t, int64_t) {
    void* ws;
    const int64_t wide = std::max(E, Ev);
    const size_t extra = size_t(2 * BR * BC + std::max(BR, BC) * wide + BC + 64);
    T* sb = scratch<T>(kern, &ws, extra);
    T* dpb = sb + BR * BC;
    T* tmp = dpb + BR * BC;
    T* z = tmp + std::max(BR, BC) * wide;
    T* mine = nullptr;
    if (!whole) {
      std::vector<T>& v = priv[size_t(tid.fetch_add(1))];
      v.assign(dq_elems, T(0));
      mine = v.data();
    }
    for (int64_t it; (it = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
      if (whole) {
        for (int64_t kbi = 0; kbi < per; ++kbi)
          key_block(it, kbi, dq + it * L * E, ws, sb, dpb, tmp, z);
      } else {
        // causal: key blocks near the start have the most query blocks; claim them first
        const int64_t b = it / nkb, kbi = it % nkb;
        key_block(b, kbi, mine + b * L * E, ws, sb, dpb, tmp, z);
      }
    }
  });
  if (!whole) {
    for (auto& v : priv)
      if (!v.empty()) rows::add(dq, v.data(), int64_t(dq_elems));
  }
}

}  // namespace

void attention_forward(DType dt, const AttnParams& p, void* out, void* lse) {
  if (p.nb == 0 || p.L == 0) return;
  if (dt == DType::Float32) {
    forward_impl<float>(p, static_cast<float*>(out), static_cast<float*>(lse));
  } else {
    forward_impl<double>(p, static_cast<double*>(out), static_cast<double*>(lse));
  }
}

void attention_backward(DType dt, const AttnParams& p, const void* dout, const void* out,
                        const void* lse, void* dq, void* dk, void* dv) {
  if (p.nb == 0) return;
  if (dt == DType::Float32) {
    backward_impl<float>(p, static_cast<const float*>(dout), static_cast<const float*>(out),
                         static_cast<const float*>(lse), static_cast<float*>(dq),
                         static_cast<float*>(dk), static_cast<float*>(dv));
  } else {
    backward_impl<double>(p, static_cast<const double*>(dout), static_cast<const double*>(out),
                          static_cast<const double*>(lse), static_cast<double*>(dq),
                          static_cast<double*>(dk), static_cast<double*>(dv));
  }
}

void attention_dropout_mask(const AttnParams& p, uint8_t* keep) {
  const uint32_t thr = attn_drop_threshold(p.dropout_p);
  parallel_for(0, p.nb * p.L, 64, [&](int64_t lo, int64_t hi) {
    for (int64_t r = lo; r < hi; ++r) {
      const uint64_t rc = attn_row_counter(p, r / p.L, r % p.L);
      for (int64_t j = 0; j < p.S; ++j) keep[r * p.S + j] = attn_keep(p.seed, rc, j, thr) ? 1 : 0;
    }
  });
}

}  // namespace lamina::cpu
