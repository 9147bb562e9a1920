// Bindings of scaled dot-product attention (ops/attention.cpp). None becomes an undefined
// tensor; the GIL is released around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_attention(py::module_& m) {
  // -> (out (..., L, Ev), lse (nb, L))
  m.def("attention_forward",
        [](const Tensor& q, const Tensor& k, const Tensor& v, const MaybeTensor& mask,
           bool causal, std::optional<double> scale, double dropout_p, uint64_t seed, bool gqa) {
          return released([&] {
            return ops::attention_forward(q, k, v, or_undefined(mask), causal, scale, dropout_p,
                                          seed, gqa);
          });
        },
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"), py::arg("is_causal"),
        py::arg("scale"), py::arg("dropout_p"), py::arg("seed"), py::arg("enable_gqa"));
  // -> (dq, dk, dv) of the inputs' shapes
  m.def("attention_backward",
        [](const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
           const MaybeTensor& mask, const Tensor& out, const Tensor& lse, bool causal,
           std::optional<double> scale, double dropout_p, uint64_t seed, bool gqa) {
          return released([&] {
            return ops::attention_backward(dout, q, k, v, or_undefined(mask), out, lse, causal,
                                           scale, dropout_p, seed, gqa);
          });
        },
        py::arg("dout"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"),
        py::arg("out"), py::arg("lse"), py::arg("is_causal"), py::arg("scale"),
        py::arg("dropout_p"), py::arg("seed"), py::arg("enable_gqa"));
  // the dropout keep mask (..., L, S) bool of a call with these arguments (host), for tests
  m.def("attention_dropout_mask", &ops::attention_dropout_mask, GIL(), py::arg("q"),
        py::arg("k"), py::arg("v"), py::arg("dropout_p"), py::arg("seed"),
        py::arg("enable_gqa"));
}

}  // namespace lamina::bindings
