#pragma once
// Which instruction-set path the CPU kernels take: "avx2" when the CPU has AVX2 and FMA,
// "generic" otherwise or when LAMINA_CPU_PATH=generic forces the portable code.
namespace lamina::cpu {

enum class Path { Generic, AVX2 };
Path path();
const char* path_name();

}  // namespace lamina::cpu
