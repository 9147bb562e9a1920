// Bindings of the dense-network ops: fused softmax, cross-entropy and optimizer steps. Thin
// wrappers: None becomes an undefined tensor; the GIL is released around every ops:: call.
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

void init_nn(py::module_& m) {
  m.def("softmax", [](const Tensor& x, int64_t dim) { return ops::softmax(x, dim, false); },
        GIL(), py::arg("x"), py::arg("dim"));
  m.def("log_softmax", [](const Tensor& x, int64_t dim) { return ops::softmax(x, dim, true); },
        GIL(), py::arg("x"), py::arg("dim"));
  m.def("softmax_backward", &ops::softmax_backward, GIL(), py::arg("y"), py::arg("dy"),
        py::arg("dim"), py::arg("log"));

  // -> (loss (N,), lse (N,) float64, wrow (N,) or None)
  m.def("cross_entropy", [](const Tensor& logits, const Tensor& target, const MaybeTensor& weight,
                            int64_t ignore_index, double label_smoothing) {
    std::vector<Tensor> r;
    {
      py::gil_scoped_release rel;
      r = ops::cross_entropy(logits, target, or_undefined(weight), ignore_index, label_smoothing);
    }
    py::object wrow = r[2].defined() ? py::cast(r[2]) : py::none();
    return py::make_tuple(r[0], r[1], wrow);
  }, py::arg("logits"), py::arg("target"), py::arg("weight"), py::arg("ignore_index"),
     py::arg("label_smoothing"));
  m.def("cross_entropy_backward", [](const Tensor& logits, const Tensor& target,
                                     const MaybeTensor& weight, int64_t ignore_index,
                                     double label_smoothing, const Tensor& lse,
                                     const Tensor& grad) {
    return ops::cross_entropy_backward(logits, target, or_undefined(weight), ignore_index,
                                       label_smoothing, lse, grad);
  }, GIL(), py::arg("logits"), py::arg("target"), py::arg("weight"), py::arg("ignore_index"),
     py::arg("label_smoothing"), py::arg("lse"), py::arg("grad"));

  m.def("sgd_step", [](const Tensor& param, const Tensor& grad, const MaybeTensor& buf,
                       double lr, double momentum, double dampening, double weight_decay,
                       bool nesterov, bool maximize, bool first) {
    ops::sgd_step(param, grad, or_undefined(buf), lr, momentum, dampening, weight_decay,
                  nesterov, maximize, first);
  }, GIL(), py::arg("param"), py::arg("grad"), py::arg("momentum_buffer"), py::arg("lr"),
     py::arg("momentum"), py::arg("dampening"), py::arg("weight_decay"), py::arg("nesterov"),
     py::arg("maximize"), py::arg("first"));
  m.def("adam_step", [](const Tensor& param, const Tensor& grad, const Tensor& exp_avg,
                        const Tensor& exp_avg_sq, const MaybeTensor& max_exp_avg_sq, double lr,
                        double beta1, double beta2, double eps, double weight_decay,
                        bool decoupled, bool maximize, double bc1, double bc2) {
    ops::adam_step(param, grad, exp_avg, exp_avg_sq, or_undefined(max_exp_avg_sq), lr, beta1,
                   beta2, eps, weight_decay, decoupled, maximize, bc1, bc2);
  }, GIL(), py::arg("param"), py::arg("grad"), py::arg("exp_avg"), py::arg("exp_avg_sq"),
     py::arg("max_exp_avg_sq"), py::arg("lr"), py::arg("beta1"), py::arg("beta2"),
     py::arg("eps"), py::arg("weight_decay"), py::arg("decoupled"), py::arg("maximize"),
     py::arg("bias_correction1"), py::arg("bias_correction2"));
}

}  // namespace lamina::bindings
