#pragma once
// Which instruction-set copy of the CPU kernels runs, and the one way to dispatch to it.
//
// Each ISA-dispatched family compiles its code once per ISA into namespaces cpu::generic,
// cpu::avx2 (-mavx2 -mfma) and cpu::avx512 (-mavx512f/dq/vl), from <stem>_impl.h included by
// <stem>.cpp, <stem>_avx2.cpp and <stem>_avx512.cpp (CMake sets each file's flags), declares
// the per-ISA entry points from its contract list (kernels/<stem>.h), and calls
// LAMINA_ISA(fn(args...)), which runs the copy of the widest ISA allowed.
//
// LAMINA_CPU_PATH=generic forces the portable code everywhere; LAMINA_CPU_PATH=avx2 keeps the
// AVX-512 kernels on their AVX2 copies.
namespace lamina::cpu {

enum class Isa { Generic, AVX2, AVX512 };

namespace detail {
Isa detect_isa();
}  // namespace detail

// The widest kernels allowed: AVX512 when the CPU has AVX-512 F/DQ/VL (and AVX2 + FMA) and
// LAMINA_CPU_PATH is neither generic nor avx2; AVX2 with AVX2 + FMA; else Generic.
inline Isa isa() {
  static const Isa v = detail::detect_isa();
  return v;
}
const char* isa_name();


}  // namespace lamina::cpu

// LAMINA_ISA(fn(args...)): avx512::fn(args...), avx2::fn(args...) or generic::fn(args...) by
// isa(). Also takes a template-id or any qualified-name suffix of the per-ISA namespaces.
#define LAMINA_ISA(...)                                                           \
  (::lamina::cpu::isa() == ::lamina::cpu::Isa::AVX512 ? avx512::__VA_ARGS__       \
   : ::lamina::cpu::isa() == ::lamina::cpu::Isa::AVX2 ? avx2::__VA_ARGS__         \
                                                       : generic::__VA_ARGS__)
