#pragma once
// Functional models of the two TF32 PTX instructions the tensor-core GEMM uses
// (csrc/cuda/matmul_tc.cu), written from the PTX ISA, not from the kernel:
//   cvt.rna.tf32.f32 d, a;
//   mma.sync.aligned.m16n8k8.row.col.f32.tf32.tf32.f32 {d0..d3}, {a0..a3}, {b0, b1}, {c0..c3};
// The hook in the kernel's MMA policy (its non-__CUDA_ARCH__ branch, under LAMINA_CUDA_SIM):
//   StageTf32:  return ::lamina::sim::cvt_rna_tf32(x);
//   MmaTf32:    ::lamina::sim::mma_m16n8k8_tf32(c, a, b, c);
#include <cstdint>
#include <cstring>

#include "sim_core.h"

namespace lamina::sim {

// cvt.rna.tf32.f32: round an fp32 value to TF32 (8-bit exponent, 10 explicit mantissa bits),
// to nearest with ties away from zero; the result is an fp32 bit pattern whose low 13 bits are
// zero. Adding half a TF32 ulp (bit 12) to the sign-magnitude bits and truncating is exactly
// that rounding, carries into the exponent included (the largest finite values round to inf,
// as round-to-nearest must). Inf stays inf (its low bits are zero); a NaN stays a NaN (quiet,
// payload truncated) instead of letting the add carry a payload-only NaN into inf.
inline uint32_t cvt_rna_tf32_bits(uint32_t u) {
  if ((u & 0x7f800000u) == 0x7f800000u && (u & 0x007fffffu) != 0)
    return (u | 0x00400000u) & 0xffffe000u;
  return (u + 0x00001000u) & 0xffffe000u;
}

inline float cvt_rna_tf32(float x) {
  uint32_t u;
  std::memcpy(&u, &x, 4);
  u = cvt_rna_tf32_bits(u);
  float r;
  std::memcpy(&r, &u, 4);
  return r;
}

// The whole-warp computation of mma.m16n8k8 .tf32 (no simulated threads involved: the
// tests call it directly). Lane l's fragments are a[l][0..3], b[l][0..1], c[l][0..3]; its
// result goes to d[l][0..3]. See sim_tf32.cpp for the layouts and the arithmetic model.
void mma_m16n8k8_tf32_warp(const uint32_t (*a)[4], const uint32_t (*b)[2], const float (*c)[4],
                           float (*d)[4]);

// The instruction as one lane executes it inside a kernel: a warp collective (all 32 lanes of
// the warp must execute it, .aligned); d may alias c.
inline void mma_m16n8k8_tf32(float d[4], const uint32_t a[4], const uint32_t b[2],
                             const float c[4]) {
  warp_mma_m16n8k8_tf32(d, a, b, c);
}

}  // namespace lamina::sim
