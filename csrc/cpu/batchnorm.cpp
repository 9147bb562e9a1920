// Portable batch-norm kernels (batchnorm_impl.h) and the run-time switch (cpu::isa()) to the
// AVX2 / AVX-512 copies of the same code.
#include "batchnorm_impl.h"

#include "isa.h"

namespace lamina::cpu {

namespace avx2 { LAMINA_BATCHNORM_KERNELS(LAMINA_KERNEL_DECL) }
namespace avx512 { LAMINA_BATCHNORM_KERNELS(LAMINA_KERNEL_DECL) }

void batch_norm_train(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                      const void* weight, const void* bias, double eps, double momentum,
                      void* running_mean, void* running_var, void* y, void* mean, void* invstd) {
  LAMINA_ISA(batch_norm_train(dt, N, C, S, x, weight, bias, eps, momentum, running_mean,
             running_var, y, mean, invstd));
}

void batch_norm_eval(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                     const void* weight, const void* bias, const void* running_mean,
                     const void* running_var, double eps, void* y, void* mean, void* invstd) {
  LAMINA_ISA(batch_norm_eval(dt, N, C, S, x, weight, bias, running_mean, running_var,
             eps, y, mean, invstd));
}

void batch_norm_backward(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                         const void* dy, const void* weight, const void* mean,
                         const void* invstd, bool training, void* dx, void* dweight,
                         void* dbias) {
  LAMINA_ISA(batch_norm_backward(dt, N, C, S, x, dy, weight, mean, invstd, training, dx,
             dweight, dbias));
}

}  // namespace lamina::cpu
