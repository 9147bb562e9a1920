#pragma once
// The instruction set a translation unit is compiled for, read from its flags (CMake gives
// *_avx2.cpp -mavx2 -mfma and *_avx512.cpp -mavx512f/dq/vl, the rest nothing):
//   LAMINA_CPU_NS      avx512, avx2 or generic: the namespace lamina::cpu::LAMINA_CPU_NS that
//                      a family's <stem>_impl.h opens, so each copy has its own symbols
//   LAMINA_CPU_VECTOR  1 on the vector paths, 0 on the portable one
// and the SIMD wrappers of that set in it: simd::F / simd::D (vector types) and, on the vector
// paths, vm:: (vector exp, tanh, ...).
#if defined(__AVX512F__)
#define LAMINA_CPU_NS avx512
#define LAMINA_CPU_VECTOR 1
#include "vec_math_avx512.h"
#elif defined(__AVX2__) && defined(__FMA__)
#define LAMINA_CPU_NS avx2
#define LAMINA_CPU_VECTOR 1
#include "vec_math_avx2.h"
#else
#define LAMINA_CPU_NS generic
#define LAMINA_CPU_VECTOR 0
#include "scalar.h"
#endif
