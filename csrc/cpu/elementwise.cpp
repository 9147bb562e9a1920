// Portable elementwise kernels and the run-time switch (cpu::isa()) to the AVX2 / AVX-512 copies.
#include "elementwise_impl.h"

#include "isa.h"
#include "../kernels/elementwise.h"

namespace lamina::cpu {

namespace avx2 { LAMINA_ELEMENTWISE_KERNELS(LAMINA_KERNEL_DECL) }
namespace avx512 { LAMINA_ELEMENTWISE_KERNELS(LAMINA_KERNEL_DECL) }

void fill(DType dt, const Geometry& g, void* out, double value) {
  LAMINA_ISA(fill(dt, g, out, value));
}
void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in) {
  LAMINA_ISA(cast(out_dt, in_dt, g, out, in));
}
void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1) {
  LAMINA_ISA(unary(op, dt, g, out, in, p0, p1));
}
void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b,
            double p0, double p1) {
  LAMINA_ISA(binary(op, dt, g, out, a, b, p0, p1));
}
void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b) {
  LAMINA_ISA(where(dt, g, out, cond, a, b));
}

void arange(DType dt, int64_t n, void* out, double start, double step) {
  LAMINA_DISPATCH_NUMERIC(dt, "arange", [&] {
    auto* o = typed<scalar_t>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<scalar_t>(start + static_cast<double>(i) * step);
  });
}

}  // namespace lamina::cpu
