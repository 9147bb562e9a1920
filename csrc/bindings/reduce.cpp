// Bindings of the reductions (ops/reduce.cpp). dims: None (all), an int or a list of ints.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

namespace {

std::vector<int64_t> dims_arg(const py::object& dims) {
  if (dims.is_none()) return {};
  if (py::isinstance<py::int_>(dims)) return {dims.cast<int64_t>()};
  return dims.cast<std::vector<int64_t>>();
}

}  // namespace

void init_reduce(py::module_& m) {
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
  def_ops(m, LAMINA_OP(max_dim));
}

}  // namespace lamina::bindings
