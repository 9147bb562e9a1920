// Bindings of the LSTM ops (ops/lstm.cpp). None becomes an undefined tensor and back; the GIL
// is released around every ops:: call.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_lstm(py::module_& m) {
  // -> (y, h_n, c_n, hs, cs, acts or None)
  m.def("lstm_layer", [](const Tensor& x, const MaybeTensor& h0, const MaybeTensor& c0,
                         const Tensor& w_ih, const Tensor& w_hh, const MaybeTensor& b_ih,
                         const MaybeTensor& b_hh, bool reverse, bool need_grad) {
    return released([&] {
      return ops::lstm_layer(x, or_undefined(h0), or_undefined(c0), w_ih, w_hh,
                             or_undefined(b_ih), or_undefined(b_hh), reverse, need_grad);
    });
  }, py::arg("x"), py::arg("h0"), py::arg("c0"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih"), py::arg("b_hh"), py::arg("reverse"), py::arg("need_grad"));

  // -> (dx or None, dh0, dc0, dw_ih, dw_hh, db or None)
  m.def("lstm_layer_backward", [](const Tensor& x, const Tensor& w_ih, const Tensor& w_hh,
                                  const Tensor& hs, const Tensor& cs, const Tensor& acts,
                                  const MaybeTensor& dy, const MaybeTensor& dhn,
                                  const MaybeTensor& dcn, bool reverse, bool has_bias,
                                  bool need_dx) {
    return released([&] {
      return ops::lstm_layer_backward(x, w_ih, w_hh, hs, cs, acts, or_undefined(dy),
                                      or_undefined(dhn), or_undefined(dcn), reverse, has_bias,
                                      need_dx);
    });
  }, py::arg("x"), py::arg("w_ih"), py::arg("w_hh"), py::arg("hs"), py::arg("cs"),
     py::arg("acts"), py::arg("dy"), py::arg("dhn"), py::arg("dcn"), py::arg("reverse"),
     py::arg("has_bias"), py::arg("need_dx"));

  // -> (h, c, acts or None)
  m.def("lstm_cell", [](const Tensor& x, const MaybeTensor& hx, const MaybeTensor& cx,
                        const Tensor& w_ih, const Tensor& w_hh, const MaybeTensor& b_ih,
                        const MaybeTensor& b_hh, bool need_grad) {
    return released([&] {
      return ops::lstm_cell(x, or_undefined(hx), or_undefined(cx), w_ih, w_hh,
                            or_undefined(b_ih), or_undefined(b_hh), need_grad);
    });
  }, py::arg("x"), py::arg("hx"), py::arg("cx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("b_ih"), py::arg("b_hh"), py::arg("need_grad"));

  // -> (dx, dhx or None, dcx, dw_ih, dw_hh, db or None)
  m.def("lstm_cell_backward", [](const Tensor& x, const MaybeTensor& hx, const MaybeTensor& cx,
                                 const Tensor& w_ih, const Tensor& w_hh, const Tensor& acts,
                                 const Tensor& c, const MaybeTensor& dh, const MaybeTensor& dc,
                                 bool has_bias) {
    return released([&] {
      return ops::lstm_cell_backward(x, or_undefined(hx), or_undefined(cx), w_ih, w_hh, acts, c,
                                     or_undefined(dh), or_undefined(dc), has_bias);
    });
  }, py::arg("x"), py::arg("hx"), py::arg("cx"), py::arg("w_ih"), py::arg("w_hh"),
     py::arg("acts"), py::arg("c"), py::arg("dh"), py::arg("dc"), py::arg("has_bias"));
}

}  // namespace lamina::bindings
