// Scans (cumsum, cumprod) and cumprod's gradient. Rows (I == 1) run one per task; strided
// dims (I > 1) run a block of kCols contiguous columns per task, the inner loops over those
// columns (they vectorise), with one accumulator per column.
#include "../kernels/scan.h"

#include <algorithm>
#include <type_traits>

#include "../core/parallel.h"
#include "loops.h"

namespace lamina::cpu {

namespace {

template <typename T>
using Acc = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <ScanOp OP, typename A>
inline A combine(A a, A b) {
  if constexpr (OP == ScanOp::Sum) return a + b;
  else return a * b;
}

// Columns [0, n) of an (R, I) block with row stride I.
template <ScanOp OP, typename T>
void scan_cols(int64_t R, int64_t I, int64_t n, bool reverse, const T* x, T* y, Acc<T>* acc) {
  using A = Acc<T>;
  std::fill(acc, acc + n, OP == ScanOp::Sum ? A(0) : A(1));
  for (int64_t s = 0; s < R; ++s) {
    const int64_t off = (reverse ? R - 1 - s : s) * I;
    for (int64_t i = 0; i < n; ++i) {
      acc[i] = combine<OP>(acc[i], static_cast<A>(x[off + i]));
      y[off + i] = static_cast<T>(acc[i]);
    }
  }
}

template <ScanOp OP, typename T>
void scan_t(int64_t O, int64_t R, int64_t I, bool reverse, const T* x, T* y) {
  for_column_blocks(O, R, I, [&](int64_t o, int64_t i0, int64_t n) {
    Acc<T> acc[kCols];
    const int64_t off = o * R * I + i0;
    scan_cols<OP>(R, I, n, reverse, x + off, y + off, acc);
  });
}

// One column: x, y, dy, dx at stride I, R long (kernels/scan.h has the formula).
template <typename T>
void cumprod_grad_column(int64_t R, int64_t I, const T* x, const T* y, const T* dy, T* dx) {
  int64_t z = 0;
  while (z < R && x[z * I] != T(0)) ++z;
  double s = 0;
  for (int64_t k = z - 1; k >= 0; --k) {
    s += static_cast<double>(dy[k * I]) * static_cast<double>(y[k * I]);
    dx[k * I] = static_cast<T>(s / static_cast<double>(x[k * I]));
  }
  if (z == R) return;
  double t = 0, q = 1;
  for (int64_t j = z; j < R; ++j) {
    if (j > z) q *= static_cast<double>(x[j * I]);
    t += static_cast<double>(dy[j * I]) * q;
  }
  dx[z * I] = static_cast<T>((z > 0 ? static_cast<double>(y[(z - 1) * I]) : 1.0) * t);
  for (int64_t k = z + 1; k < R; ++k) dx[k * I] = T(0);
}

template <typename T>
void cumprod_backward_t(int64_t O, int64_t R, int64_t I, const T* x, const T* y, const T* dy,
                        T* dx) {
  parallel_for(0, O * I, grain_for(4096, R),
               [&](int64_t b, int64_t e) {
    for (int64_t c = b; c < e; ++c) {
      const int64_t off = (c / I) * R * I + c % I;
      cumprod_grad_column(R, I, x + off, y + off, dy + off, dx + off);
    }
  });
}

}  // namespace

void scan(ScanOp op, DType dt, int64_t O, int64_t R, int64_t I, bool reverse, const void* x,
          void* y) {
  LAMINA_DISPATCH_NUMERIC(dt, op == ScanOp::Sum ? "cumsum" : "cumprod", [&] {
    if (op == ScanOp::Sum)
      typed_call<scalar_t>(scan_t<ScanOp::Sum, scalar_t>, O, R, I, reverse, x, y);
    else
      typed_call<scalar_t>(scan_t<ScanOp::Prod, scalar_t>, O, R, I, reverse, x, y);
  });
}

void cumprod_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, const void* y,
                      const void* dy, void* dx) {
  LAMINA_DISPATCH_FLOAT(dt, "cumprod_backward", [&] {
    typed_call<scalar_t>(cumprod_backward_t<scalar_t>, O, R, I, x, y, dy, dx);
  });
}

}  // namespace lamina::cpu
