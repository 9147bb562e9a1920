// Bindings of the fused softmax and log_softmax over one dim (ops/softmax.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_softmax(py::module_& m) {
  m.def("softmax", [](const Tensor& x, int64_t dim) { return ops::softmax(x, dim, false); },
        GIL(), py::arg("x"), py::arg("dim"));
  m.def("log_softmax", [](const Tensor& x, int64_t dim) { return ops::softmax(x, dim, true); },
        GIL(), py::arg("x"), py::arg("dim"));
  m.def("softmax_backward", &ops::softmax_backward, GIL(), py::arg("y"), py::arg("dy"),
        py::arg("dim"), py::arg("log"));
}

}  // namespace lamina::bindings
