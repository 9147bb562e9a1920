// Bindings of the fused optimizer steps (ops/optim.cpp): in place, one kernel per parameter.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_optim(py::module_& m) {
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
