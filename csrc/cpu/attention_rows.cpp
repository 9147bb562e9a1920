// The attention row helpers: portable loops, and the dispatch to the AVX-512 / AVX2 copies
// (attention_avx512.cpp, attention_avx2.cpp) by cpu::isa().
#include "attention_rows.h"

#include <cmath>
#include <limits>

#include "isa.h"

namespace lamina::cpu {

namespace avx512::attn_rows {
#include "attention_rows_decl.h"
}  // namespace avx512::attn_rows
namespace avx2::attn_rows {
#include "attention_rows_decl.h"
}  // namespace avx2::attn_rows

namespace {

template <typename T>
void scale_p(T* x, int64_t n, T s) {
  for (int64_t i = 0; i < n; ++i) x[i] *= s;
}
template <typename T>
void scale_add_p(T* x, const T* m, int64_t n, T s) {
  for (int64_t i = 0; i < n; ++i) x[i] = x[i] * s + m[i];
}
template <typename T>
T max_p(const T* x, int64_t n) {
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) m = x[i] > m ? x[i] : m;
  return m;
}
template <typename T>
T exp_sum_p(T* x, int64_t n, T m) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += (x[i] = std::exp(x[i] - m));
  return s;
}
template <typename T>
T exp_sum_scaled_p(T* x, int64_t n, T s, T m) {
  T r = 0;
  for (int64_t i = 0; i < n; ++i) r += (x[i] = std::exp(x[i] * s - m));
  return r;
}
template <typename T>
void exp_sub_scaled_p(T* x, int64_t n, T s, T m) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i] * s - m);
}
template <typename T>
void exp_sub_p(T* x, int64_t n, T m) {
  for (int64_t i = 0; i < n; ++i) x[i] = std::exp(x[i] - m);
}
template <typename T>
void mul_p(T* x, const T* z, int64_t n) {
  for (int64_t i = 0; i < n; ++i) x[i] *= z[i];
}
template <typename T>
void scale_acc_p(T* acc, const T* t, int64_t n, T a) {
  for (int64_t i = 0; i < n; ++i) acc[i] = acc[i] * a + t[i];
}
template <typename T>
void add_p(T* y, const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}
template <typename T>
T dot_p(const T* x, const T* y, int64_t n) {
  T s = 0;
  for (int64_t i = 0; i < n; ++i) s += x[i] * y[i];
  return s;
}
template <typename T>
void ds_p(const T* p, T* dp, int64_t n, T d, T s) {
  for (int64_t i = 0; i < n; ++i) dp[i] = p[i] * (dp[i] - d) * s;
}
template <typename T>
void dropout_ds_p(T* p, T* dp, const T* z, int64_t n, T d, T s) {
  for (int64_t i = 0; i < n; ++i) {
    dp[i] = p[i] * (z[i] * dp[i] - d) * s;
    p[i] *= z[i];
  }
}

Isa level() {
  static const Isa v = isa();
  return v;
}

}  // namespace

#define LAMINA_ROWS_DISPATCH(RET, NAME, PARAMS, ARGS)             \
  RET rows::NAME PARAMS {                                         \
    switch (level()) {                                            \
      case Isa::AVX512: return avx512::attn_rows::NAME ARGS;      \
      case Isa::AVX2: return avx2::attn_rows::NAME ARGS;          \
      default: return NAME##_p ARGS;                              \
    }                                                             \
  }
#define LAMINA_ROWS_BOTH(RET, NAME, PARAMS, ARGS) \
  LAMINA_ROWS_DISPATCH(RET(float), NAME, PARAMS(float), ARGS) \
  LAMINA_ROWS_DISPATCH(RET(double), NAME, PARAMS(double), ARGS)

#define VOID(T) void
#define SELF(T) T
#define P_SCALE(T) (T * x, int64_t n, T s)
#define P_SCALE_ADD(T) (T * x, const T* m, int64_t n, T s)
#define P_MAX(T) (const T* x, int64_t n)
#define P_EXP(T) (T * x, int64_t n, T m)
#define P_EXPS(T) (T * x, int64_t n, T s, T m)
#define P_MUL(T) (T * x, const T* z, int64_t n)
#define P_ACC(T) (T * acc, const T* t, int64_t n, T a)
#define P_ADD(T) (T * y, const T* x, int64_t n)
#define P_DOT(T) (const T* x, const T* y, int64_t n)
#define P_DS(T) (const T* p, T* dp, int64_t n, T d, T s)
#define P_DDS(T) (T * p, T * dp, const T* z, int64_t n, T d, T s)

LAMINA_ROWS_BOTH(VOID, scale, P_SCALE, (x, n, s))
LAMINA_ROWS_BOTH(VOID, scale_add, P_SCALE_ADD, (x, m, n, s))
LAMINA_ROWS_BOTH(SELF, max, P_MAX, (x, n))
LAMINA_ROWS_BOTH(SELF, exp_sum, P_EXP, (x, n, m))
LAMINA_ROWS_BOTH(VOID, exp_sub, P_EXP, (x, n, m))
LAMINA_ROWS_BOTH(SELF, exp_sum_scaled, P_EXPS, (x, n, s, m))
LAMINA_ROWS_BOTH(VOID, exp_sub_scaled, P_EXPS, (x, n, s, m))
LAMINA_ROWS_BOTH(VOID, mul, P_MUL, (x, z, n))
LAMINA_ROWS_BOTH(VOID, scale_acc, P_ACC, (acc, t, n, a))
LAMINA_ROWS_BOTH(VOID, add, P_ADD, (y, x, n))
LAMINA_ROWS_BOTH(SELF, dot, P_DOT, (x, y, n))
LAMINA_ROWS_BOTH(VOID, ds, P_DS, (p, dp, n, d, s))
LAMINA_ROWS_BOTH(VOID, dropout_ds, P_DDS, (p, dp, z, n, d, s))

}  // namespace lamina::cpu
