// Bindings of the fused GRU cell (ops/gru.cpp). None becomes an undefined tensor.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_gru(py::module_& m) {
  m.def("gru_cell", [](const Tensor& gx, const Tensor& gh, std::optional<Tensor> h,
                       bool need_acts) {
          return ops::gru_cell(gx, gh, or_undefined(h), need_acts);
        }, GIL(), py::arg("gx"), py::arg("gh"), py::arg("h"), py::arg("need_acts"));
  m.def("gru_cell_backward", [](const Tensor& gh, const Tensor& acts, std::optional<Tensor> h,
                                const Tensor& dh) {
          return ops::gru_cell_backward(gh, acts, or_undefined(h), dh);
        }, GIL(), py::arg("gh"), py::arg("acts"), py::arg("h"), py::arg("dh"));
}

}  // namespace lamina::bindings
