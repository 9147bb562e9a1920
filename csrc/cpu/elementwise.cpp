// Portable elementwise kernels and the run-time switch (cpu::isa()) to the AVX2 / AVX-512 copies.
#define LAMINA_CPU_NS generic
#include "elementwise_impl.h"

#include <cstdlib>
#include <cstring>

#include "cpu_path.h"
#include "../kernels/elementwise.h"

namespace lamina::cpu {

#define LAMINA_DECLARE_PATH(NS)                                                        \
  namespace NS {                                                                       \
  void fill(DType, const Geometry&, void*, double);                                    \
  void cast(DType, DType, const Geometry&, void*, const void*);                         \
  void unary(UnaryOp, DType, const Geometry&, void*, const void*, double, double);     \
  void binary(BinaryOp, DType, const Geometry&, void*, const void*, const void*);      \
  void where(DType, const Geometry&, void*, const bool*, const void*, const void*);     \
  }
LAMINA_DECLARE_PATH(avx2)
LAMINA_DECLARE_PATH(avx512)
#undef LAMINA_DECLARE_PATH

Isa isa() {
  static const Isa v = [] {
    const char* env = std::getenv("LAMINA_CPU_PATH");
    if (env && std::strcmp(env, "generic") == 0) return Isa::Generic;
    __builtin_cpu_init();
    if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return Isa::Generic;
    if (env && std::strcmp(env, "avx2") == 0) return Isa::AVX2;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
      return Isa::AVX512;
    return Isa::AVX2;
  }();
  return v;
}

const char* isa_name() {
  return isa() == Isa::AVX512 ? "avx512" : isa() == Isa::AVX2 ? "avx2" : "generic";
}

Path path() { return isa() == Isa::Generic ? Path::Generic : Path::AVX2; }

const char* path_name() { return path() == Path::AVX2 ? "avx2" : "generic"; }

#define LAMINA_PICK(FN, ...)                                             \
  (isa() == Isa::AVX512 ? avx512::FN(__VA_ARGS__)                        \
   : isa() == Isa::AVX2 ? avx2::FN(__VA_ARGS__) : generic::FN(__VA_ARGS__))

void fill(DType dt, const Geometry& g, void* out, double value) {
  LAMINA_PICK(fill, dt, g, out, value);
}
void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in) {
  LAMINA_PICK(cast, out_dt, in_dt, g, out, in);
}
void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1) {
  LAMINA_PICK(unary, op, dt, g, out, in, p0, p1);
}
void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b) {
  LAMINA_PICK(binary, op, dt, g, out, a, b);
}
void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b) {
  LAMINA_PICK(where, dt, g, out, cond, a, b);
}
#undef LAMINA_PICK

void arange(DType dt, int64_t n, void* out, double start, double step) {
  LAMINA_DISPATCH_NUMERIC(dt, "arange", [&] {
    auto* o = static_cast<scalar_t*>(out);
    for (int64_t i = 0; i < n; ++i) o[i] = static_cast<scalar_t>(start + static_cast<double>(i) * step);
  });
}

}  // namespace lamina::cpu
