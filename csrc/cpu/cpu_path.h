#pragma once
// Which instruction-set path the CPU kernels take. LAMINA_CPU_PATH=generic forces the portable
// code everywhere; LAMINA_CPU_PATH=avx2 keeps the AVX-512 kernels on their AVX2 copies.
namespace lamina::cpu {

// path(): "avx2" when the CPU has AVX2 and FMA, "generic" otherwise or when forced.
enum class Path { Generic, AVX2 };
Path path();
const char* path_name();

// isa(): the widest kernels allowed: AVX512 when the CPU has AVX-512 F/DQ/VL (and AVX2 + FMA)
// and LAMINA_CPU_PATH is neither generic nor avx2. isa() == Generic exactly when path() is.
enum class Isa { Generic, AVX2, AVX512 };
Isa isa();
const char* isa_name();

}  // namespace lamina::cpu
