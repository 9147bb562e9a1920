// Bindings of conv2d and its backward kernels. Thin: None becomes an undefined tensor; the GIL
// is released around every ops:: call.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

void init_conv(py::module_& m) {
  using GIL = py::call_guard<py::gil_scoped_release>;
  m.def(
      "conv2d",
      [](const Tensor& x, const Tensor& w, const std::optional<Tensor>& b,
         const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
         const std::vector<int64_t>& dilation, int64_t groups) {
        return ops::conv2d(x, w, b ? *b : Tensor(), stride, padding, dilation, groups);
      },
      GIL(), py::arg("x"), py::arg("w"), py::arg("b"), py::arg("stride"), py::arg("padding"),
      py::arg("dilation"), py::arg("groups"));
  m.def("conv2d_backward_input", &ops::conv2d_backward_input, GIL(), py::arg("dy"), py::arg("w"),
        py::arg("input_shape"), py::arg("stride"), py::arg("padding"), py::arg("dilation"),
        py::arg("groups"));
  m.def("conv2d_backward_weight", &ops::conv2d_backward_weight, GIL(), py::arg("x"),
        py::arg("dy"), py::arg("weight_shape"), py::arg("stride"), py::arg("padding"),
        py::arg("dilation"), py::arg("groups"));
  m.def("conv2d_backward_bias", &ops::conv2d_backward_bias, GIL(), py::arg("dy"));
}

}  // namespace lamina::bindings
