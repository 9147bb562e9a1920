// Bindings of the view ops (ops/views.cpp): no copies, the result shares its input's storage.
#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

void init_views(py::module_& m) {
  m.def("reshape", &ops::reshape, GIL());  // a view when possible, else a copy
  m.def("view", &ops::view, GIL());
  m.def("permute", &ops::permute, GIL());
  m.def("transpose", &ops::transpose, GIL());
  m.def("expand", &ops::expand, GIL());
  m.def("squeeze", &ops::squeeze, GIL());
  m.def("unsqueeze", &ops::unsqueeze, GIL());
  m.def("slice", &ops::slice, GIL());
  m.def("select", &ops::select, GIL());
  m.def("as_strided", &ops::as_strided, GIL());
}

}  // namespace lamina::bindings
