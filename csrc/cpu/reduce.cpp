// Portable reduction kernels and the run-time switch (cpu::isa()) to the AVX2 / AVX-512 copies.
#define LAMINA_CPU_NS generic
#include "reduce_impl.h"

#include "cpu_path.h"
#include "../kernels/reduce.h"

namespace lamina::cpu {

namespace avx2 {
void reduce(ReduceOp, DType, int64_t, int64_t, int64_t, const void*, void*, int64_t*, double);
void var(DType, int64_t, int64_t, int64_t, double, const void*, void*);
}  // namespace avx2
namespace avx512 {
void reduce(ReduceOp, DType, int64_t, int64_t, int64_t, const void*, void*, int64_t*, double);
void var(DType, int64_t, int64_t, int64_t, double, const void*, void*);
}  // namespace avx512

void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale) {
  switch (isa()) {
    case Isa::AVX512: avx512::reduce(op, dt, O, R, I, in, out, idx, scale); break;
    case Isa::AVX2: avx2::reduce(op, dt, O, R, I, in, out, idx, scale); break;
    default: generic::reduce(op, dt, O, R, I, in, out, idx, scale);
  }
}

void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out) {
  switch (isa()) {
    case Isa::AVX512: avx512::var(dt, O, R, I, correction, in, out); break;
    case Isa::AVX2: avx2::var(dt, O, R, I, correction, in, out); break;
    default: generic::var(dt, O, R, I, correction, in, out);
  }
}

}  // namespace lamina::cpu
