// Portable pooling kernels (pool_impl.h) and the run-time switch (cpu::isa()) to the AVX2 /
// AVX-512 copies of the same code.
#include "pool_impl.h"

#include "isa.h"

namespace lamina::cpu {

namespace avx2 { LAMINA_POOL_KERNELS(LAMINA_KERNEL_DECL) }
namespace avx512 { LAMINA_POOL_KERNELS(LAMINA_KERNEL_DECL) }

void max_pool2d(DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx) {
  LAMINA_ISA(max_pool2d(dt, g, x, y, idx));
}
void avg_pool2d(DType dt, const Pool2d& g, const void* x, void* y, bool cip, int64_t over) {
  LAMINA_ISA(avg_pool2d(dt, g, x, y, cip, over));
}
void avg_pool2d_backward(DType dt, const Pool2d& g, const void* dy, void* dx, bool cip,
                         int64_t over) {
  LAMINA_ISA(avg_pool2d_backward(dt, g, dy, dx, cip, over));
}
void adaptive_avg_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y) {
  LAMINA_ISA(adaptive_avg_pool2d(dt, P, H, W, OH, OW, x, y));
}
void adaptive_avg_pool2d_backward(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const void* dy, void* dx) {
  LAMINA_ISA(adaptive_avg_pool2d_backward(dt, P, H, W, OH, OW, dy, dx));
}
void adaptive_max_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y, int64_t* idx) {
  LAMINA_ISA(adaptive_max_pool2d(dt, P, H, W, OH, OW, x, y, idx));
}
void max_pool2d_backward(DType dt, int64_t P, int64_t in_plane, int64_t out_plane,
                         const void* dy, const int64_t* idx, void* dx) {
  LAMINA_ISA(max_pool2d_backward(dt, P, in_plane, out_plane, dy, idx, dx));
}

}  // namespace lamina::cpu
