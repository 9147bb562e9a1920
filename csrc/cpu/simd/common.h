#pragma once
// The wrappers of avx2.h and avx512.h that have the same shape on both ISAs and for both
// element types, written once: inside one of their structs F / D (with T, V, M, L in scope)
//   LAMINA_SIMD_COMMON(_mm256, ps, _mm256_cmp_ps)
// defines set1 as _mm256_set1_ps, add as _mm256_add_ps, gt through _mm256_cmp_ps, and so on:
// P is the ISA's intrinsic prefix, S the element suffix (ps, pd), CMP its compare into M.
// LAMINA_SIMD_INT32(P, SI) adds the int32 lanes of the float struct (I in scope; SI the
// integer register suffix, si256 or si512). What differs between the ISAs (abs, round, the
// masks, select, scale2) stays in each ISA's file, and so do gather / gather_n: written as
// one pack expansion they compiled to other code (the loads in another order) in the strided
// elementwise loops.
#include <cstdint>

#define LAMINA_SIMD_COMMON(P, S, CMP)                                                           \
  /* v in every lane; all lanes 0 */                                                            \
  static V set1(T v) { return P##_set1_##S(v); }                                                \
  static V zero() { return P##_setzero_##S(); }                                                 \
  /* L values at p; load / store: p aligned to the vector's size */                             \
  static V loadu(const T* p) { return P##_loadu_##S(p); }                                       \
  static void storeu(T* p, V v) { P##_storeu_##S(p, v); }                                       \
  static V load(const T* p) { return P##_load_##S(p); }                                         \
  static void store(T* p, V v) { P##_store_##S(p, v); }                                         \
  /* p[j * s] = lane j, written through an aligned scratch vector (no store-forwarding          \
     stalls) */                                                                                 \
  static void scatter(T* p, int64_t s, V v) {                                                   \
    alignas(sizeof(V)) T t[L];                                                                  \
    store(t, v);                                                                                \
    for (int j = 0; j < L; ++j) p[j * s] = t[j];                                                \
  }                                                                                             \
  /* lane-wise arithmetic; fmadd a*b + c, fnmadd c - a*b, fmsub a*b - c (one rounding) */       \
  static V add(V a, V b) { return P##_add_##S(a, b); }                                          \
  static V sub(V a, V b) { return P##_sub_##S(a, b); }                                          \
  static V mul(V a, V b) { return P##_mul_##S(a, b); }                                          \
  static V div(V a, V b) { return P##_div_##S(a, b); }                                          \
  static V fmadd(V a, V b, V c) { return P##_fmadd_##S(a, b, c); }                              \
  static V fnmadd(V a, V b, V c) { return P##_fnmadd_##S(a, b, c); }                            \
  static V fmsub(V a, V b, V c) { return P##_fmsub_##S(a, b, c); }                              \
  /* b where a lane of a (or of b) is NaN, like the instructions */                             \
  static V min(V a, V b) { return P##_min_##S(a, b); }                                          \
  static V max(V a, V b) { return P##_max_##S(a, b); }                                          \
  /* bitwise or / and */                                                                        \
  static V bor(V a, V b) { return P##_or_##S(a, b); }                                           \
  static V band(V a, V b) { return P##_and_##S(a, b); }                                         \
  /* lane masks: a > b, a < b, a == b (false on NaN), a is NaN */                               \
  static M gt(V a, V b) { return CMP(a, b, _CMP_GT_OQ); }                                       \
  static M lt(V a, V b) { return CMP(a, b, _CMP_LT_OQ); }                                       \
  static M eq(V a, V b) { return CMP(a, b, _CMP_EQ_OQ); }                                       \
  static M unord(V a) { return CMP(a, a, _CMP_UNORD_Q); }

#define LAMINA_SIMD_INT32(P, SI)                                                                \
  /* the bits of a float vector as int32 lanes, and back */                                     \
  static I cast_i(V a) { return P##_castps_##SI(a); }                                           \
  static V cast_f(I a) { return P##_cast##SI##_ps(a); }                                         \
  /* int32 lanes: v in every lane, logical right shift, +, -, and, or */                        \
  static I seti(int32_t v) { return P##_set1_epi32(v); }                                        \
  static I srli(I a, int k) { return P##_srli_epi32(a, k); }                                    \
  static I addi(I a, I b) { return P##_add_epi32(a, b); }                                       \
  static I subi(I a, I b) { return P##_sub_epi32(a, b); }                                       \
  static I andi(I a, I b) { return P##_and_##SI(a, b); }                                        \
  static I ori(I a, I b) { return P##_or_##SI(a, b); }                                          \
  /* int32 lanes to float (exact for |a| <= 2^24) */                                            \
  static V cvt_i(I a) { return P##_cvtepi32_ps(a); }
