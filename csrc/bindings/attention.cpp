// Bindings of scaled dot-product attention (ops/attention.cpp). Thin wrappers: None becomes an
// undefined tensor; the GIL is released around every ops:: call.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>

#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

namespace {
using GIL = py::call_guard<py::gil_scoped_release>;
using MaybeTensor = std::optional<Tensor>;
Tensor or_undefined(const MaybeTensor& t) { return t ? *t : Tensor(); }
}  // namespace

void init_attention(py::module_& m) {
  // -> (out (..., L, Ev), lse (nb, L))
  m.def("sdpa_forward",
        [](const Tensor& q, const Tensor& k, const Tensor& v, const MaybeTensor& mask,
           bool causal, std::optional<double> scale, double dropout_p, uint64_t seed, bool gqa) {
          std::vector<Tensor> r;
          {
            py::gil_scoped_release rel;
            r = ops::sdpa_forward(q, k, v, or_undefined(mask), causal, scale, dropout_p, seed,
                                  gqa);
          }
          return py::make_tuple(r[0], r[1]);
        },
        py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"), py::arg("is_causal"),
        py::arg("scale"), py::arg("dropout_p"), py::arg("seed"), py::arg("enable_gqa"));
  // -> (dq, dk, dv) of the inputs' shapes
  m.def("sdpa_backward",
        [](const Tensor& dout, const Tensor& q, const Tensor& k, const Tensor& v,
           const MaybeTensor& mask, const Tensor& out, const Tensor& lse, bool causal,
           std::optional<double> scale, double dropout_p, uint64_t seed, bool gqa) {
          std::vector<Tensor> r;
          {
            py::gil_scoped_release rel;
            r = ops::sdpa_backward(dout, q, k, v, or_undefined(mask), out, lse, causal, scale,
                                   dropout_p, seed, gqa);
          }
          return py::make_tuple(r[0], r[1], r[2]);
        },
        py::arg("dout"), py::arg("q"), py::arg("k"), py::arg("v"), py::arg("mask"),
        py::arg("out"), py::arg("lse"), py::arg("is_causal"), py::arg("scale"),
        py::arg("dropout_p"), py::arg("seed"), py::arg("enable_gqa"));
  m.def("sdpa_dropout_mask", &ops::sdpa_dropout_mask, GIL(), py::arg("q"), py::arg("k"),
        py::arg("v"), py::arg("dropout_p"), py::arg("seed"), py::arg("enable_gqa"));
}

}  // namespace lamina::bindings
