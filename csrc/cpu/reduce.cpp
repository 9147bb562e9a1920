// Portable reduction kernels and the run-time switch (cpu::isa()) to the AVX2 / AVX-512 copies.
#include "reduce_impl.h"

#include "isa.h"
#include "../kernels/reduce.h"

namespace lamina::cpu {

namespace avx2 { LAMINA_REDUCE_KERNELS(LAMINA_KERNEL_DECL) }
namespace avx512 { LAMINA_REDUCE_KERNELS(LAMINA_KERNEL_DECL) }

void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale) {
  LAMINA_ISA(reduce(op, dt, O, R, I, in, out, idx, scale));
}

void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out) {
  LAMINA_ISA(var(dt, O, R, I, correction, in, out));
}

}  // namespace lamina::cpu
