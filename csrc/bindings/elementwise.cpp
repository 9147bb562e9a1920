// Bindings of the elementwise ops (ops/elementwise.cpp). Every op of the op lists
// (core/op_kinds.h) is bound under its name: unary name(x) and name_(x); binary name(a, b),
// r<name>(a, s) with a Python number first, and name_(a, b). b may be a tensor or a number.
// Ops with parameters: unary name(x, p0, p1=0) and name_(...); binary name(a, b, p0, p1=0).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

namespace {

// A Python number as (value, is_float); throws "[op] expected a tensor or a number".
std::pair<double, bool> as_scalar(const char* op, py::handle h) {
  if (py::isinstance<py::bool_>(h)) return {h.cast<bool>() ? 1.0 : 0.0, false};
  if (py::isinstance<py::int_>(h)) return {h.cast<double>(), false};
  if (py::isinstance<py::float_>(h)) return {h.cast<double>(), true};
  // numpy scalars and 0-d arrays: use their Python value
  if (py::hasattr(h, "dtype") && py::hasattr(h, "item") && py::hasattr(h, "ndim") &&
      h.attr("ndim").cast<int>() == 0)
    return as_scalar(op, h.attr("item")());
  throw TypeError(str_cat("[", op, "] expected a tensor or a number, got ",
                          std::string(py::str(py::type::of(h).attr("__name__")))));
}

Tensor bool_scalar(py::handle h, const Tensor& like) {
  return ops::full({}, h.cast<bool>() ? 1.0 : 0.0, DType::Bool, like.device());
}

void def_unary(py::module_& m, UnaryOp op, const char* name) {
  m.def(name, [op](const Tensor& x) { return ops::unary(op, x); }, GIL());
  m.def((std::string(name) + "_").c_str(), [op](const Tensor& x) { ops::unary_(op, x); }, GIL());
}

// An op with scalar parameters: name(x, p0, p1=0) and name_(x, p0, p1=0), e.g. clamp(x, lo, hi).
void def_unary_params(py::module_& m, UnaryOp op, const char* name) {
  m.def(name, [op](const Tensor& x, double p0, double p1) { return ops::unary(op, x, p0, p1); },
        py::arg("x"), py::arg("p0"), py::arg("p1") = 0.0, GIL());
  m.def((std::string(name) + "_").c_str(),
        [op](const Tensor& x, double p0, double p1) { ops::unary_(op, x, p0, p1); },
        py::arg("x"), py::arg("p0"), py::arg("p1") = 0.0, GIL());
}

// Calls on_tensor(t) when b is a tensor (a Python bool is a 0-d bool tensor), else
// on_number(value, is_float); either without the GIL.
template <typename T, typename N>
auto with_operand(const char* op, const py::object& b, const Tensor& like, const T& on_tensor,
                  const N& on_number) {
  if (py::isinstance<Tensor>(b)) {
    const Tensor& t = b.cast<const Tensor&>();
    py::gil_scoped_release rel;
    return on_tensor(t);
  }
  if (py::isinstance<py::bool_>(b)) {
    Tensor t = bool_scalar(b, like);
    py::gil_scoped_release rel;
    return on_tensor(t);
  }
  auto [v, is_float] = as_scalar(op, b);
  py::gil_scoped_release rel;
  return on_number(v, is_float);
}

void def_binary(py::module_& m, BinaryOp op, const char* name) {
  m.def(name, [op, name](const Tensor& a, py::object b) {
    return with_operand(
        name, b, a, [&](const Tensor& t) { return ops::binary(op, a, t); },
        [&](double v, bool f) { return ops::binary_scalar(op, a, v, f, false); });
  });
  // the other operand first: r<name>(a, s) = s <op> a
  m.def((std::string("r") + name).c_str(), [op, name](const Tensor& a, py::object s) {
    return with_operand(
        name, s, a, [&](const Tensor& t) { return ops::binary(op, t, a); },
        [&](double v, bool f) { return ops::binary_scalar(op, a, v, f, true); });
  });
  m.def((std::string(name) + "_").c_str(), [op, name](const Tensor& a, py::object b) {
    with_operand(
        name, b, a, [&](const Tensor& t) { ops::binary_(op, a, t); },
        [&](double v, bool f) { ops::binary_scalar_(op, a, v, f); });
  });
}

// A gradient op with the forward op's parameters: name(x, g, p0, p1=0), tensors only, e.g.
// leaky_relu_backward(x, g, negative_slope).
void def_binary_params(py::module_& m, BinaryOp op, const char* name) {
  m.def(name,
        [op](const Tensor& a, const Tensor& b, double p0, double p1) {
          return ops::binary(op, a, b, p0, p1);
        },
        py::arg("a"), py::arg("b"), py::arg("p0"), py::arg("p1") = 0.0, GIL());
}

}  // namespace

void init_elementwise(py::module_& m) {
  for (const UnaryInfo& u : kUnaryOps) {
    if (u.params == 0) def_unary(m, u.op, u.name);
    else def_unary_params(m, u.op, u.name);
  }

  for (const BinaryInfo& b : kBinaryOps) {
    if (b.params == 0) def_binary(m, b.op, b.name);
    else def_binary_params(m, b.op, b.name);
  }
  def_ops(m, LAMINA_OP(where), LAMINA_OP(floor_divide), LAMINA_OP(remainder), LAMINA_OP(cast));
}

}  // namespace lamina::bindings
