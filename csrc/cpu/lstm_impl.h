// The fused LSTM cell compiled once per ISA (simd/target.h): lstm.cpp (generic: the scalar code
// of lstm_cell.h), lstm_avx2.cpp, lstm_avx512.cpp (SIMD vectors). lstm_cell.h has the formulas
// and the layout. Full vectors of a block's units take the vector sigmoid / tanh; the tail
// units of a block the scalar code of lstm_cell.h.
#include <cstdint>

#include "lstm_cell.h"
#include "simd/target.h"

namespace lamina::cpu::lstm::LAMINA_CPU_NS {

#if LAMINA_CPU_VECTOR
namespace simd = ::lamina::cpu::LAMINA_CPU_NS::simd;
namespace vm = ::lamina::cpu::LAMINA_CPU_NS::vm;

namespace {

using FV = simd::F::V;
using DV = simd::D::V;

inline FV v_sigmoid(FV x) { return vm::sigmoid_f(x); }
inline DV v_sigmoid(DV x) { return vm::sigmoid_d(x); }
inline FV v_tanh(FV x) { return vm::tanh_f(x); }
// tanh for doubles from exp: (1 - e) / (1 + e) with e = exp(-2|x|) and the sign of x
// (absolute error ~1e-16; vec_math has no double tanh)
inline DV v_tanh(DV x) {
  using D = simd::D;
  const DV one = D::set1(1.0);
  const DV nx = D::bor(x, D::set1(-0.0));  // -|x|
  const DV e = vm::exp_d(D::add(nx, nx));
  const DV pos = D::div(D::sub(one, e), D::add(one, e));
  return D::select_sign(x, D::sub(D::zero(), pos), pos);
}

template <class S>
struct Ops {
  using T = typename S::T;
  using V = typename S::V;
  static constexpr int64_t L = S::L;

  static void fwd(const CellFwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t k = k0; k < k1; ++k) {
        const Seg s = seg_of(a.H, a.nb, k);
        const int64_t n = s.n;
        const T* gx = a.gx + b * a.ldgx + s.g0;
        const T* gh = a.gh ? a.gh + b * a.ldgh + s.g0 : nullptr;
        const T* bb1 = a.b1 ? a.b1 + s.g0 : nullptr;
        const T* bb2 = a.b2 ? a.b2 + s.g0 : nullptr;
        const T* cp = a.c_prev ? a.c_prev + b * a.H + s.j0 : nullptr;
        T* c = a.c + b * a.H + s.j0;
        T* h = a.h + b * a.ldh + s.j0;
        T* ac = a.acts ? a.acts + b * 4 * a.H + s.g0 : nullptr;
        int64_t u = 0;
        for (; u + L <= n; u += L) {
          V p[4];
          for (int q = 0; q < 4; ++q) {
            V v = S::loadu(gx + q * n + u);
            if (gh) v = S::add(v, S::loadu(gh + q * n + u));
            if (bb1) v = S::add(v, S::loadu(bb1 + q * n + u));
            if (bb2) v = S::add(v, S::loadu(bb2 + q * n + u));
            p[q] = v;
          }
          const V i = v_sigmoid(p[0]), f = v_sigmoid(p[1]), g = v_tanh(p[2]);
          const V o = v_sigmoid(p[3]);
          V cn = S::mul(i, g);
          if (cp) cn = S::fmadd(f, S::loadu(cp + u), cn);
          S::storeu(c + u, cn);
          S::storeu(h + u, S::mul(o, v_tanh(cn)));
          if (ac) {
            S::storeu(ac + u, i);
            S::storeu(ac + n + u, f);
            S::storeu(ac + 2 * n + u, g);
            S::storeu(ac + 3 * n + u, o);
          }
        }
        if (u < n) fwd_scalar(a, b, s, u, n);
      }
    }
  }

  static void bwd(const CellBwd<T>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
    const V one = S::set1(T(1));
    for (int64_t b = b0; b < b1; ++b) {
      for (int64_t k = k0; k < k1; ++k) {
        const Seg s = seg_of(a.H, a.nb, k);
        const int64_t n = s.n;
        const T* ac = a.acts + b * 4 * a.H + s.g0;
        T* dg = a.dgates + b * 4 * a.H + s.g0;
        const T* d1 = a.dh1 ? a.dh1 + b * a.lddh1 + s.j0 : nullptr;
        const T* d2 = a.dh2 ? a.dh2 + b * a.lddh2 + s.j0 : nullptr;
        const T* cc = a.c + b * a.H + s.j0;
        const T* cp = a.c_prev ? a.c_prev + b * a.H + s.j0 : nullptr;
        const T* dcn = a.dc_next ? a.dc_next + b * a.H + s.j0 : nullptr;
        T* dcp = a.dc_prev ? a.dc_prev + b * a.H + s.j0 : nullptr;
        int64_t u = 0;
        for (; u + L <= n; u += L) {
          const V i = S::loadu(ac + u), f = S::loadu(ac + n + u);
          const V g = S::loadu(ac + 2 * n + u), o = S::loadu(ac + 3 * n + u);
          V dh = S::zero();
          if (d1) dh = S::loadu(d1 + u);
          if (d2) dh = S::add(dh, S::loadu(d2 + u));
          const V tc = v_tanh(S::loadu(cc + u));
          V dc = S::mul(S::mul(dh, o), S::fnmadd(tc, tc, one));
          if (dcn) dc = S::add(dc, S::loadu(dcn + u));
          const V cpv = cp ? S::loadu(cp + u) : S::zero();
          S::storeu(dg + u, S::mul(S::mul(dc, g), S::mul(i, S::sub(one, i))));
          S::storeu(dg + n + u, S::mul(S::mul(dc, cpv), S::mul(f, S::sub(one, f))));
          S::storeu(dg + 2 * n + u, S::mul(S::mul(dc, i), S::fnmadd(g, g, one)));
          S::storeu(dg + 3 * n + u, S::mul(S::mul(dh, tc), S::mul(o, S::sub(one, o))));
          if (dcp) S::storeu(dcp + u, S::mul(dc, f));
        }
        if (u < n) bwd_scalar(a, b, s, u, n);
      }
    }
  }
};

}  // namespace

void cell_fwd(const CellFwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  Ops<simd::F>::fwd(a, b0, b1, k0, k1);
}
void cell_fwd(const CellFwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  Ops<simd::D>::fwd(a, b0, b1, k0, k1);
}
void cell_bwd(const CellBwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  Ops<simd::F>::bwd(a, b0, b1, k0, k1);
}
void cell_bwd(const CellBwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  Ops<simd::D>::bwd(a, b0, b1, k0, k1);
}
#else
void cell_fwd(const CellFwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  fwd_portable(a, b0, b1, k0, k1);
}
void cell_fwd(const CellFwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  fwd_portable(a, b0, b1, k0, k1);
}
void cell_bwd(const CellBwd<float>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  bwd_portable(a, b0, b1, k0, k1);
}
void cell_bwd(const CellBwd<double>& a, int64_t b0, int64_t b1, int64_t k0, int64_t k1) {
  bwd_portable(a, b0, b1, k0, k1);
}
#endif

}  // namespace lamina::cpu::lstm::LAMINA_CPU_NS
