// Portable pooling kernels (pool_impl.h) and the run-time switch (cpu::isa()) to the AVX2 /
// AVX-512 copies of the same code.
#define LAMINA_CPU_NS generic
#include "pool_impl.h"

#include "cpu_path.h"

namespace lamina::cpu {

#define LAMINA_POOL_DECLS                                                                    \
  void max_pool2d(DType, const Pool2d&, const void*, void*, int64_t*);                       \
  void avg_pool2d(DType, const Pool2d&, const void*, void*, bool, int64_t);                  \
  void avg_pool2d_backward(DType, const Pool2d&, const void*, void*, bool, int64_t);         \
  void adaptive_avg_pool2d(DType, int64_t, int64_t, int64_t, int64_t, int64_t, const void*,  \
                           void*);                                                           \
  void adaptive_avg_pool2d_backward(DType, int64_t, int64_t, int64_t, int64_t, int64_t,      \
                                    const void*, void*);                                     \
  void adaptive_max_pool2d(DType, int64_t, int64_t, int64_t, int64_t, int64_t, const void*,  \
                           void*, int64_t*);                                                 \
  void max_pool2d_backward(DType, int64_t, int64_t, int64_t, const void*, const int64_t*,    \
                           void*);
namespace avx2 { LAMINA_POOL_DECLS }
namespace avx512 { LAMINA_POOL_DECLS }
#undef LAMINA_POOL_DECLS

#define LAMINA_POOL_SWITCH(FN, ...)                        \
  switch (isa()) {                                         \
    case Isa::AVX512: return avx512::FN(__VA_ARGS__);      \
    case Isa::AVX2: return avx2::FN(__VA_ARGS__);          \
    default: return generic::FN(__VA_ARGS__);              \
  }

void max_pool2d(DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx) {
  LAMINA_POOL_SWITCH(max_pool2d, dt, g, x, y, idx);
}
void avg_pool2d(DType dt, const Pool2d& g, const void* x, void* y, bool cip, int64_t over) {
  LAMINA_POOL_SWITCH(avg_pool2d, dt, g, x, y, cip, over);
}
void avg_pool2d_backward(DType dt, const Pool2d& g, const void* dy, void* dx, bool cip,
                         int64_t over) {
  LAMINA_POOL_SWITCH(avg_pool2d_backward, dt, g, dy, dx, cip, over);
}
void adaptive_avg_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y) {
  LAMINA_POOL_SWITCH(adaptive_avg_pool2d, dt, P, H, W, OH, OW, x, y);
}
void adaptive_avg_pool2d_backward(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const void* dy, void* dx) {
  LAMINA_POOL_SWITCH(adaptive_avg_pool2d_backward, dt, P, H, W, OH, OW, dy, dx);
}
void adaptive_max_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y, int64_t* idx) {
  LAMINA_POOL_SWITCH(adaptive_max_pool2d, dt, P, H, W, OH, OW, x, y, idx);
}
void max_pool2d_backward(DType dt, int64_t P, int64_t in_plane, int64_t out_plane,
                         const void* dy, const int64_t* idx, void* dx) {
  LAMINA_POOL_SWITCH(max_pool2d_backward, dt, P, in_plane, out_plane, dy, idx, dx);
}

#undef LAMINA_POOL_SWITCH

}  // namespace lamina::cpu
