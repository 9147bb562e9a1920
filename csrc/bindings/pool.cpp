// Bindings of pooling (ops/pool.cpp). Absent indices come back as None; the GIL is released
// around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

namespace {

using Ints = std::vector<int64_t>;

}  // namespace

void init_pool(py::module_& m) {
  // -> (y, indices or None)
  m.def("max_pool2d", [](const Tensor& x, const Ints& kernel, const Ints& stride,
                         const Ints& padding, const Ints& dilation, bool ceil_mode,
                         bool with_indices) {
    return released([&] {
      auto r = ops::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, with_indices);
      return std::vector<Tensor>{r.first, r.second};
    });
  }, py::arg("x"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
     py::arg("dilation"), py::arg("ceil_mode"), py::arg("with_indices"));
  m.def("max_pool2d_backward", [](const Tensor& dy, const Tensor& indices, const Ints& shape) {
    return ops::max_pool2d_backward("max_pool2d_backward", dy, indices, shape);
  }, GIL(), py::arg("dy"), py::arg("indices"), py::arg("input_shape"));
  m.def("avg_pool2d", &ops::avg_pool2d, GIL(), py::arg("x"), py::arg("kernel_size"),
        py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
        py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("avg_pool2d_backward", &ops::avg_pool2d_backward, GIL(), py::arg("dy"),
        py::arg("input_shape"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("adaptive_avg_pool2d", &ops::adaptive_avg_pool2d, GIL(), py::arg("x"),
        py::arg("out_h"), py::arg("out_w"));
  m.def("adaptive_avg_pool2d_backward", &ops::adaptive_avg_pool2d_backward, GIL(),
        py::arg("dy"), py::arg("input_shape"));
  m.def("adaptive_max_pool2d", [](const Tensor& x, int64_t oh, int64_t ow) {
    return released([&] {
      auto r = ops::adaptive_max_pool2d(x, oh, ow);
      return std::vector<Tensor>{r.first, r.second};
    });
  }, py::arg("x"), py::arg("out_h"), py::arg("out_w"));
  m.def("adaptive_max_pool2d_backward",
        [](const Tensor& dy, const Tensor& indices, const Ints& shape) {
    return ops::max_pool2d_backward("adaptive_max_pool2d_backward", dy, indices, shape);
  }, GIL(), py::arg("dy"), py::arg("indices"), py::arg("input_shape"));
}

}  // namespace lamina::bindings
