// Bindings of the fused batch norm (ops/batchnorm.cpp). None becomes an undefined tensor (and
// back); the GIL is released around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_batchnorm(py::module_& m) {
  // -> (y, mean, invstd)
  m.def("batch_norm", [](const Tensor& x, const MaybeTensor& weight, const MaybeTensor& bias,
                         const MaybeTensor& running_mean, const MaybeTensor& running_var,
                         bool training, double momentum, double eps) {
    return released([&] {
      return ops::batch_norm(x, or_undefined(weight), or_undefined(bias),
                             or_undefined(running_mean), or_undefined(running_var), training,
                             momentum, eps);
    });
  }, py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("running_mean"),
     py::arg("running_var"), py::arg("training"), py::arg("momentum"), py::arg("eps"));
  // -> (dx or None, dweight or None, dbias or None)
  m.def("batch_norm_backward", [](const Tensor& x, const Tensor& dy, const MaybeTensor& weight,
                                  const Tensor& mean, const Tensor& invstd, bool training,
                                  bool need_dx, bool need_dweight, bool need_dbias) {
    return released([&] {
      return ops::batch_norm_backward(x, dy, or_undefined(weight), mean, invstd, training,
                                      need_dx, need_dweight, need_dbias);
    });
  }, py::arg("x"), py::arg("dy"), py::arg("weight"), py::arg("mean"), py::arg("invstd"),
     py::arg("training"), py::arg("need_dx"), py::arg("need_dweight"), py::arg("need_dbias"));
}

}  // namespace lamina::bindings
