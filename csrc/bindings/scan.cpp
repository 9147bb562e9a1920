// Bindings of the scans along one dim (ops/scan.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_scan(py::module_& m) {
  m.def("cumsum", [](const Tensor& x, int64_t dim, bool reverse) {
          return ops::scan(ScanOp::Sum, x, dim, reverse);
        }, GIL(), py::arg("x"), py::arg("dim"), py::arg("reverse") = false);
  m.def("cumprod", [](const Tensor& x, int64_t dim, bool reverse) {
          return ops::scan(ScanOp::Prod, x, dim, reverse);
        }, GIL(), py::arg("x"), py::arg("dim"), py::arg("reverse") = false);
  m.def("cumprod_backward", &ops::cumprod_backward, GIL(), py::arg("x"), py::arg("y"),
        py::arg("dy"), py::arg("dim"));
}

}  // namespace lamina::bindings
