// Bindings of conv2d and its backward kernels (ops/conv.cpp). None becomes an undefined
// tensor; the GIL is released around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_conv(py::module_& m) {
  m.def(
      "conv2d",
      [](const Tensor& x, const Tensor& w, const MaybeTensor& b,
         const std::vector<int64_t>& stride, const std::vector<int64_t>& padding,
         const std::vector<int64_t>& dilation, int64_t groups) {
        return ops::conv2d(x, w, or_undefined(b), stride, padding, dilation, groups);
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
