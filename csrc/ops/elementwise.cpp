// Elementwise ops: type promotion (bool < int64 < float32 < float64, with torch's rules for
// Python scalars and 0-d tensors), broadcasting, then one strided kernel. The ops, their names
// (op_name) and dtype rules come from the op list, core/op_kinds.h.
#include "../kernels/elementwise.h"
#include "dispatch.h"
#include "ops.h"

namespace lamina::ops {

namespace {

int category(DType dt) { return dt == DType::Bool ? 0 : (dt == DType::Int64 ? 1 : 2); }

DType default_of_category(int c) {
  return c == 0 ? DType::Bool : (c == 1 ? DType::Int64 : DType::Float32);
}

// torch's result_type for two tensors: 0-d tensors only decide the category when they raise it.
DType result_type(const Tensor& a, const Tensor& b) {
  bool a0 = a.dim() == 0, b0 = b.dim() == 0;
  if (a0 != b0) {
    const Tensor& dim_t = a0 ? b : a;
    const Tensor& zero_t = a0 ? a : b;
    if (category(zero_t.dtype()) <= category(dim_t.dtype())) return dim_t.dtype();
    return default_of_category(category(zero_t.dtype()));
  }
  return promote(a.dtype(), b.dtype());
}

// The dtype the kernel computes in, given the promoted dtype of the inputs (the op's kind in
// the op list).
DType compute_type(BinaryOp op, DType ct) {
  switch (op_info(op).kind) {
    case BinaryKind::Float: return is_floating(ct) ? ct : DType::Float32;
    case BinaryKind::NoBool: return ct == DType::Bool ? DType::Int64 : ct;
    default: return ct;
  }
}

void run_binary(BinaryOp op, const Tensor& out, const Tensor& a, const Tensor& b, DType ct,
                double p0 = 0, double p1 = 0) {
  Shape sa = broadcast_strides(op_name(op), a, out.shape());
  Shape sb = broadcast_strides(op_name(op), b, out.shape());
  Geometry g = make_geometry(op_name(op), out.shape(), {&out.strides(), &sa, &sb});
  if (g.numel == 0) return;
  LAMINA_KERNEL(out.device(), binary, op, ct, g, out.raw(), a.raw(), b.raw(), p0, p1);
}

Tensor scalar_tensor(double s, DType dt, Device dev) { return full({}, s, dt, dev); }

DType scalar_result_type(DType t, bool s_is_float) {
  if (is_floating(t)) return t;
  return s_is_float ? DType::Float32 : DType::Int64;
}

}  // namespace

DType promote(DType a, DType b) {
  auto rank = [](DType d) {
    switch (d) {
      case DType::Bool: return 0;
      case DType::Int64: return 1;
      case DType::Float32: return 2;
      case DType::Float64: return 3;
    }
    return 0;
  };
  return rank(a) >= rank(b) ? a : b;
}

Tensor cast(const Tensor& t, DType dt) { return to(t, t.device(), dt, false); }

Tensor unary(UnaryOp op, const Tensor& x, double p0, double p1) {
  Tensor in = x;
  if (op == UnaryOp::LogicalNot) {
    in = cast(x, DType::Bool);
  } else if (x.dtype() == DType::Bool) {
    throw TypeError(str_cat("[", op_name(op), "] not supported for bool tensors"));
  } else if (unary_needs_float(op) && !is_floating(x.dtype())) {
    in = cast(x, DType::Float32);
  }
  Tensor out = Tensor::empty(in.shape(), in.dtype(), in.device());
  Geometry g = make_geometry(op_name(op), out.shape(), {&out.strides(), &in.strides()});
  if (g.numel > 0) LAMINA_KERNEL(out.device(), unary, op, in.dtype(), g, out.raw(), in.raw(), p0, p1);
  return out;
}

void unary_(UnaryOp op, const Tensor& x, double p0, double p1) {
  LAMINA_CHECK(!(unary_needs_float(op) && !is_floating(x.dtype())) && x.dtype() != DType::Bool,
               TypeError, "[", op_name(op), "_] cannot write the result in place into a ",
               dtype_name(x.dtype()), " tensor");
  check_no_internal_overlap((std::string(op_name(op)) + "_").c_str(), x);
  bump_version(x);
  Geometry g = make_geometry(op_name(op), x.shape(), {&x.strides(), &x.strides()});
  if (g.numel > 0) LAMINA_KERNEL(x.device(), unary, op, x.dtype(), g, x.raw(), x.raw(), p0, p1);
}

Tensor binary(BinaryOp op, const Tensor& a, const Tensor& b, double p0, double p1) {
  const char* name = op_name(op);
  check_same_device(name, {&a, &b});
  Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  DType ct = compute_type(op, result_type(a, b));
  Tensor ac = a.dtype() == ct ? a : cast(a, ct);
  Tensor bc = b.dtype() == ct ? b : cast(b, ct);
  if (op == BinaryOp::Pow && ct == DType::Int64 && bc.numel() > 0)
    LAMINA_CHECK(item(amax(bc, {}, false, false)) >= 0, ValueError,
                 "[pow] integers to negative integer powers are not allowed");
  Tensor out = Tensor::empty(shape, binary_is_comparison(op) ? DType::Bool : ct, a.device());
  run_binary(op, out, ac, bc, ct, p0, p1);
  return out;
}

Tensor binary_scalar(BinaryOp op, const Tensor& a, double s, bool s_is_float, bool s_first) {
  Tensor st = scalar_tensor(s, scalar_result_type(a.dtype(), s_is_float), a.device());
  return s_first ? binary(op, st, a) : binary(op, a, st);
}

void binary_(BinaryOp op, const Tensor& a, const Tensor& b) {
  const char* name = op_name(op);
  check_same_device(name, {&a, &b});
  LAMINA_CHECK(!binary_is_comparison(op), TypeError, "[", name,
               "_] comparison results cannot be written in place");
  DType ct = compute_type(op, result_type(a, b));
  LAMINA_CHECK(category(ct) <= category(a.dtype()), TypeError, "[", name, "_] result type ",
               dtype_name(ct), " can't be cast to the ", dtype_name(a.dtype()),
               " tensor written in place");
  Shape shape = broadcast_shapes(name, a.shape(), b.shape());
  LAMINA_CHECK(shape == a.shape(), ValueError, "[", name, "_] shape ", shape_str(b.shape()),
               " broadcasts the in-place target ", shape_str(a.shape()), " to ",
               shape_str(shape));
  std::string iname = std::string(name) + "_";
  check_no_internal_overlap(iname.c_str(), a);
  check_no_partial_overlap(iname.c_str(), a, b);
  Tensor bc = b.dtype() == a.dtype() ? b : cast(b, a.dtype());
  bump_version(a);
  run_binary(op, a, a, bc, a.dtype());
}

void binary_scalar_(BinaryOp op, const Tensor& a, double s, bool s_is_float) {
  // the scalar takes the tensor's dtype unless it is of a higher category (binary_ rejects that)
  DType st = is_floating(a.dtype()) ? a.dtype() : (s_is_float ? DType::Float32 : DType::Int64);
  binary_(op, a, scalar_tensor(s, st, a.device()));
}

namespace {

// Integer division by zero raises, like torch (the kernels would quietly give 0).
void check_int_divisor(const char* op, const Tensor& b) {
  if (b.numel() == 0) return;
  Tensor zero = binary_scalar(BinaryOp::Eq, b, 0, false, false);
  LAMINA_CHECK(item(amax(cast(zero, DType::Int64), {}, false, true)) == 0, std::runtime_error,
               "[", op, "] integer division by zero");
}

}  // namespace

Tensor floor_divide(const Tensor& a, const Tensor& b) {
  check_same_device("floordiv", {&a, &b});
  Shape shape = broadcast_shapes("floordiv", a.shape(), b.shape());
  DType ct = result_type(a, b);
  if (!is_floating(ct)) {  // the Div kernel computing in int64 floors, exactly
    ct = DType::Int64;
    Tensor ac = a.dtype() == ct ? a : cast(a, ct);
    Tensor bc = b.dtype() == ct ? b : cast(b, ct);
    check_int_divisor("floordiv", bc);
    Tensor out = Tensor::empty(shape, ct, a.device());
    run_binary(BinaryOp::Div, out, ac, bc, ct);
    return out;
  }
  // Floats as Python and torch do it, from the exact remainder (7.0 // 0.1 == 69, not 70):
  // q = (a - fmod(a, b)) / b, one less when the remainder and b differ in sign, then rounded.
  Tensor ac = a.dtype() == ct ? a : cast(a, ct);
  Tensor bc = b.dtype() == ct ? b : cast(b, ct);
  Tensor mod = binary(BinaryOp::Fmod, ac, bc);
  Tensor q = binary(BinaryOp::Div, binary(BinaryOp::Sub, ac, mod), bc);
  Tensor off = binary(BinaryOp::LogicalAnd, binary_scalar(BinaryOp::Ne, mod, 0, false, false),
                      binary(BinaryOp::Ne, binary_scalar(BinaryOp::Lt, bc, 0, false, false),
                             binary_scalar(BinaryOp::Lt, mod, 0, false, false)));
  q = binary(BinaryOp::Sub, q, cast(off, ct));
  Tensor fl = unary(UnaryOp::Floor, q);
  Tensor up = binary_scalar(BinaryOp::Gt, binary(BinaryOp::Sub, q, fl), 0.5, true, false);
  fl = binary(BinaryOp::Add, fl, cast(up, ct));
  Tensor plain = binary(BinaryOp::Div, ac, bc);  // a / b: for b == 0, and the sign of a zero
  fl = where(binary_scalar(BinaryOp::Eq, q, 0, false, false),
             binary_scalar(BinaryOp::Mul, plain, 0.0, true, false), fl);
  return where(binary_scalar(BinaryOp::Eq, bc, 0, false, false), plain, fl);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  // Python's a % b takes the sign of b: fmod(a, b), plus b where the two differ in sign
  check_same_device("remainder", {&a, &b});
  broadcast_shapes("remainder", a.shape(), b.shape());
  if (!is_floating(result_type(a, b))) check_int_divisor("remainder", b);
  Tensor r = binary(BinaryOp::Fmod, a, b);
  Tensor fix = binary(BinaryOp::LogicalAnd, binary_scalar(BinaryOp::Ne, r, 0, false, false),
                      binary(BinaryOp::Ne, binary_scalar(BinaryOp::Lt, r, 0, false, false),
                             binary_scalar(BinaryOp::Lt, b, 0, false, false)));
  return where(fix, binary(BinaryOp::Add, r, b), r);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_same_device("where", {&cond, &a, &b});
  LAMINA_CHECK(cond.dtype() == DType::Bool, TypeError,
               "[where] condition must be a bool tensor, got ", dtype_name(cond.dtype()));
  Shape shape = broadcast_shapes("where", broadcast_shapes("where", cond.shape(), a.shape()),
                                 b.shape());
  DType ct = result_type(a, b);
  Tensor ac = a.dtype() == ct ? a : cast(a, ct);
  Tensor bc = b.dtype() == ct ? b : cast(b, ct);
  Tensor out = Tensor::empty(shape, ct, a.device());
  Shape sc = broadcast_strides("where", cond, shape);
  Shape sa = broadcast_strides("where", ac, shape);
  Shape sb = broadcast_strides("where", bc, shape);
  Geometry g = make_geometry("where", shape, {&out.strides(), &sc, &sa, &sb});
  if (g.numel > 0)
    LAMINA_KERNEL(out.device(), where, ct, g, out.raw(), cond.data<bool>(), ac.raw(), bc.raw());
  return out;
}

}  // namespace lamina::ops
