// Bindings of pooling and batch norm. Thin wrappers: None becomes an undefined tensor (and
// back); the GIL is released around every ops:: call.
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
using Ints = std::vector<int64_t>;

Tensor or_undefined(const MaybeTensor& t) { return t ? *t : Tensor(); }
py::object or_none(const Tensor& t) { return t.defined() ? py::cast(t) : py::none(); }

// Runs f (returning tensors) without the GIL, then builds a tuple with None for undefined.
template <typename F>
py::tuple released(const F& f) {
  std::vector<Tensor> r;
  {
    py::gil_scoped_release rel;
    r = f();
  }
  py::tuple out(r.size());
  for (size_t i = 0; i < r.size(); ++i) out[i] = or_none(r[i]);
  return out;
}

}  // namespace

void init_pool(py::module_& m) {
  // -> (y, indices or None)
  m.def("max_pool2d", [](const Tensor& x, const Ints& kernel, const Ints& stride,
                         const Ints& padding, const Ints& dilation, bool ceil_mode,
                         bool with_indices) {
    return released([&] {
      auto r = ops::max_pool2d(x, kernel, stride, padding, dilation, ceil_mode, with_indices);
      return std::vector<Tensor>{r.first, r.second};
    });
  }, py::arg("x"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
     py::arg("dilation"), py::arg("ceil_mode"), py::arg("with_indices"));
  m.def("max_pool2d_backward", [](const Tensor& dy, const Tensor& indices, const Ints& shape) {
    return ops::max_pool2d_backward("max_pool2d_backward", dy, indices, shape);
  }, GIL(), py::arg("dy"), py::arg("indices"), py::arg("input_shape"));
  m.def("avg_pool2d", &ops::avg_pool2d, GIL(), py::arg("x"), py::arg("kernel_size"),
        py::arg("stride"), py::arg("padding"), py::arg("ceil_mode"),
        py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("avg_pool2d_backward", &ops::avg_pool2d_backward, GIL(), py::arg("dy"),
        py::arg("input_shape"), py::arg("kernel_size"), py::arg("stride"), py::arg("padding"),
        py::arg("ceil_mode"), py::arg("count_include_pad"), py::arg("divisor_override"));
  m.def("adaptive_avg_pool2d", &ops::adaptive_avg_pool2d, GIL(), py::arg("x"),
        py::arg("out_h"), py::arg("out_w"));
  m.def("adaptive_avg_pool2d_backward", &ops::adaptive_avg_pool2d_backward, GIL(),
        py::arg("dy"), py::arg("input_shape"));
  m.def("adaptive_max_pool2d", [](const Tensor& x, int64_t oh, int64_t ow) {
    return released([&] {
      auto r = ops::adaptive_max_pool2d(x, oh, ow);
      return std::vector<Tensor>{r.first, r.second};
    });
  }, py::arg("x"), py::arg("out_h"), py::arg("out_w"));
  m.def("adaptive_max_pool2d_backward",
        [](const Tensor& dy, const Tensor& indices, const Ints& shape) {
    return ops::max_pool2d_backward("adaptive_max_pool2d_backward", dy, indices, shape);
  }, GIL(), py::arg("dy"), py::arg("indices"), py::arg("input_shape"));

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
