// Op bindings: thin wrappers that release the GIL around ops:: calls.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

namespace {

using GIL = py::call_guard<py::gil_scoped_release>;

struct UnaryDef {
  const char* name;
  UnaryOp op;
};
struct BinaryDef {
  const char* name;
  BinaryOp op;
};

const UnaryDef kUnary[] = {
    {"neg", UnaryOp::Neg}, {"exp", UnaryOp::Exp}, {"log", UnaryOp::Log},
    {"sqrt", UnaryOp::Sqrt}, {"rsqrt", UnaryOp::Rsqrt}, {"abs", UnaryOp::Abs},
    {"relu", UnaryOp::Relu}, {"sigmoid", UnaryOp::Sigmoid}, {"tanh", UnaryOp::Tanh},
    {"gelu", UnaryOp::Gelu}, {"sign", UnaryOp::Sign}, {"reciprocal", UnaryOp::Reciprocal},
    {"sin", UnaryOp::Sin}, {"cos", UnaryOp::Cos}, {"log1p", UnaryOp::Log1p},
    {"expm1", UnaryOp::Expm1}, {"logical_not", UnaryOp::LogicalNot}, {"floor", UnaryOp::Floor},
    {"ceil", UnaryOp::Ceil}, {"round", UnaryOp::Round}};

const BinaryDef kBinary[] = {
    {"add", BinaryOp::Add}, {"sub", BinaryOp::Sub}, {"mul", BinaryOp::Mul},
    {"div", BinaryOp::Div}, {"pow", BinaryOp::Pow}, {"maximum", BinaryOp::Maximum},
    {"minimum", BinaryOp::Minimum}, {"eq", BinaryOp::Eq}, {"ne", BinaryOp::Ne},
    {"lt", BinaryOp::Lt}, {"le", BinaryOp::Le}, {"gt", BinaryOp::Gt}, {"ge", BinaryOp::Ge},
    {"logical_and", BinaryOp::LogicalAnd}, {"logical_or", BinaryOp::LogicalOr},
    {"relu_backward", BinaryOp::ReluGrad}, {"sigmoid_backward", BinaryOp::SigmoidGrad},
    {"tanh_backward", BinaryOp::TanhGrad}, {"gelu_backward", BinaryOp::GeluGrad},
    {"fmod", BinaryOp::Fmod}, {"atan2", BinaryOp::Atan2}};

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

std::vector<int64_t> dims_arg(const py::object& dims) {
  if (dims.is_none()) return {};
  if (py::isinstance<py::int_>(dims)) return {dims.cast<int64_t>()};
  return dims.cast<std::vector<int64_t>>();
}

}  // namespace

void init_ops(py::module_& m) {
  for (const UnaryDef& d : kUnary) {
    UnaryOp op = d.op;
    m.def(d.name, [op](const Tensor& x) { return ops::unary(op, x); }, GIL());
    m.def((std::string(d.name) + "_").c_str(), [op](const Tensor& x) { ops::unary_(op, x); },
          GIL());
  }
  m.def("clamp", [](const Tensor& x, double lo, double hi) {
    return ops::unary(UnaryOp::Clamp, x, lo, hi);
  }, GIL());
  m.def("clamp_", [](const Tensor& x, double lo, double hi) {
    ops::unary_(UnaryOp::Clamp, x, lo, hi);
  }, GIL());

  for (const BinaryDef& d : kBinary) {
    BinaryOp op = d.op;
    const char* name = d.name;
    m.def(name, [op, name](const Tensor& a, py::object b) {
      if (py::isinstance<Tensor>(b)) {
        const Tensor& bt = b.cast<const Tensor&>();
        py::gil_scoped_release rel;
        return ops::binary(op, a, bt);
      }
      if (py::isinstance<py::bool_>(b)) {  // a bool scalar is a 0-d bool tensor
        Tensor bt = bool_scalar(b, a);
        py::gil_scoped_release rel;
        return ops::binary(op, a, bt);
      }
      auto [v, is_float] = as_scalar(name, b);
      py::gil_scoped_release rel;
      return ops::binary_scalar(op, a, v, is_float, false);
    });
    // scalar first: r<name>(a, s) = s <op> a
    m.def((std::string("r") + name).c_str(), [op, name](const Tensor& a, py::object s) {
      if (py::isinstance<py::bool_>(s)) {
        Tensor st = bool_scalar(s, a);
        py::gil_scoped_release rel;
        return ops::binary(op, st, a);
      }
      auto [v, is_float] = as_scalar(name, s);
      py::gil_scoped_release rel;
      return ops::binary_scalar(op, a, v, is_float, true);
    });
    m.def((std::string(name) + "_").c_str(), [op, name](const Tensor& a, py::object b) {
      if (py::isinstance<Tensor>(b)) {
        const Tensor& bt = b.cast<const Tensor&>();
        py::gil_scoped_release rel;
        ops::binary_(op, a, bt);
        return;
      }
      if (py::isinstance<py::bool_>(b)) {
        Tensor bt = bool_scalar(b, a);
        py::gil_scoped_release rel;
        ops::binary_(op, a, bt);
        return;
      }
      auto [v, is_float] = as_scalar(name, b);
      py::gil_scoped_release rel;
      ops::binary_scalar_(op, a, v, is_float);
    });
  }
  m.def("where", &ops::where, GIL());
  m.def("floor_divide", &ops::floor_divide, GIL());
  m.def("remainder", &ops::remainder, GIL());
  m.def("cast", &ops::cast, GIL());

  // reductions
  m.def("sum", [](const Tensor& t, py::object dims, bool keepdim) {
    auto d = dims_arg(dims);
    py::gil_scoped_release rel;
    return ops::sum(t, d, keepdim);
  });
  m.def("mean", [](const Tensor& t, py::object dims, bool keepdim) {
    auto d = dims_arg(dims);
    py::gil_scoped_release rel;
    return ops::mean(t, d, keepdim);
  });
  m.def("logsumexp", [](const Tensor& t, py::object dims, bool keepdim) {
    auto d = dims_arg(dims);
    py::gil_scoped_release rel;
    return ops::logsumexp(t, d, keepdim);
  });
  m.def("var", [](const Tensor& t, py::object dims, double correction, bool keepdim) {
    auto d = dims_arg(dims);
    py::gil_scoped_release rel;
    return ops::var(t, d, correction, keepdim);
  });
  m.def("amax", [](const Tensor& t, py::object dims, bool keepdim, bool is_max) {
    auto d = dims_arg(dims);
    py::gil_scoped_release rel;
    return ops::amax(t, d, keepdim, is_max);
  });
  m.def("max_dim", &ops::max_dim, GIL());

  // views and copies
  m.def("reshape", &ops::reshape, GIL());
  m.def("view", &ops::view, GIL());
  m.def("permute", &ops::permute, GIL());
  m.def("transpose", &ops::transpose, GIL());
  m.def("expand", &ops::expand, GIL());
  m.def("squeeze", &ops::squeeze, GIL());
  m.def("unsqueeze", &ops::unsqueeze, GIL());
  m.def("slice", &ops::slice, GIL());
  m.def("select", &ops::select, GIL());
  m.def("as_strided", &ops::as_strided, GIL());
  m.def("copy_", &ops::copy_, GIL());
  m.def("contiguous", &ops::contiguous, GIL());
  m.def("clone", &ops::clone, GIL());
  m.def("to", &ops::to, GIL());

  // creation and random
  m.def("empty", &ops::empty, GIL());
  m.def("full", &ops::full, GIL());
  m.def("arange", &ops::arange, GIL());
  m.def("linspace", &ops::linspace, GIL());
  m.def("eye", &ops::eye, GIL());
  m.def("rand", [](const Shape& s, double lo, double hi, DType dt, Device dev) {
    return ops::random("rand", RandomKind::Uniform, s, lo, hi, dt, dev);
  }, GIL());
  m.def("randn", [](const Shape& s, double mean, double std, DType dt, Device dev) {
    return ops::random("randn", RandomKind::Normal, s, mean, std, dt, dev);
  }, GIL());
  m.def("randint", [](const Shape& s, int64_t lo, int64_t hi, DType dt, Device dev) {
    return ops::random("randint", RandomKind::Integer, s, static_cast<double>(lo),
                       static_cast<double>(hi), dt, dev);
  }, GIL());
  m.def("manual_seed", &ops::manual_seed);
  m.def("initial_seed", &ops::initial_seed);

  // linear algebra and indexing
  m.def("matmul", &ops::matmul, GIL());
  m.def("index_select", &ops::index_select, GIL());
  m.def("index_add", &ops::index_add, GIL());
  m.def("gather", &ops::gather, GIL());
  m.def("scatter_add", &ops::scatter_add, GIL());
  m.def("cat", &ops::cat, GIL());
}

}  // namespace lamina::bindings
