// The attention row helpers: the generic copy of attention_rows_impl.h, and the dispatch to
// the copy of the widest ISA allowed (LAMINA_ISA).
#include "attention_rows.h"
#include "attention_rows_impl.h"

#include "isa.h"

namespace lamina::cpu {

namespace avx512::attn_rows {
#include "attention_rows_decl.h"
}  // namespace avx512::attn_rows
namespace avx2::attn_rows {
#include "attention_rows_decl.h"
}  // namespace avx2::attn_rows

#define LAMINA_ROWS_DISPATCH(RET, NAME, PARAMS, ARGS) \
  RET rows::NAME PARAMS { return LAMINA_ISA(attn_rows::NAME ARGS); }
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
LAMINA_ROWS_BOTH(VOID, add, P_ADD, (y, x, n))
LAMINA_ROWS_BOTH(SELF, dot, P_DOT, (x, y, n))
LAMINA_ROWS_BOTH(VOID, ds, P_DS, (p, dp, n, d, s))
LAMINA_ROWS_BOTH(VOID, dropout_ds, P_DDS, (p, dp, z, n, d, s))

}  // namespace lamina::cpu
