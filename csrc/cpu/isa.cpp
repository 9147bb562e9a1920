// cpu::isa(): the CPU's features (cpuid through __builtin_cpu_supports) and LAMINA_CPU_PATH.
#include "isa.h"

#include <cstdlib>
#include <cstring>

namespace lamina::cpu {

Isa detail::detect_isa() {
  const char* env = std::getenv("LAMINA_CPU_PATH");
  if (env && std::strcmp(env, "generic") == 0) return Isa::Generic;
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma")) return Isa::Generic;
  if (env && std::strcmp(env, "avx2") == 0) return Isa::AVX2;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
      __builtin_cpu_supports("avx512vl"))
    return Isa::AVX512;
  return Isa::AVX2;
}

const char* isa_name() {
  return isa() == Isa::AVX512 ? "avx512" : isa() == Isa::AVX2 ? "avx2" : "generic";
}


}  // namespace lamina::cpu
