// Bindings of the fused cross-entropy (ops/loss.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_loss(py::module_& m) {
  // -> (loss (N,), lse (N,) float64, wrow (N,) or None)
  m.def("cross_entropy", [](const Tensor& logits, const Tensor& target, const MaybeTensor& weight,
                            int64_t ignore_index, double label_smoothing) {
    return released([&] {
      return ops::cross_entropy(logits, target, or_undefined(weight), ignore_index,
                                label_smoothing);
    });
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
}

}  // namespace lamina::bindings
