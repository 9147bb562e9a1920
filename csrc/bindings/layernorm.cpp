// Bindings of the fused layer norm (ops/layernorm.cpp). None becomes an undefined tensor (and
// back); the GIL is released around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_layernorm(py::module_& m) {
  // -> (y, mean (M,), rstd (M,)) over the last normalized_ndim dims
  m.def("layer_norm", [](const Tensor& x, const MaybeTensor& w, const MaybeTensor& b,
                         int64_t normalized_ndim, double eps) {
    return released([&] {
      return ops::layer_norm(x, or_undefined(w), or_undefined(b), normalized_ndim, eps);
    });
  }, py::arg("x"), py::arg("weight"), py::arg("bias"), py::arg("normalized_ndim"),
     py::arg("eps"));
  // -> (dx or None, dweight or None, dbias or None)
  m.def("layer_norm_backward", [](const Tensor& dy, const Tensor& x, const Tensor& mean,
                                  const Tensor& rstd, const MaybeTensor& w,
                                  int64_t normalized_ndim, bool need_dx, bool need_dw,
                                  bool need_db) {
    return released([&] {
      return ops::layer_norm_backward(dy, x, mean, rstd, or_undefined(w), normalized_ndim,
                                      need_dx, need_dw, need_db);
    });
  }, py::arg("dy"), py::arg("x"), py::arg("mean"), py::arg("rstd"), py::arg("weight"),
     py::arg("normalized_ndim"), py::arg("need_dx"), py::arg("need_dw"), py::arg("need_db"));
}

}  // namespace lamina::bindings
