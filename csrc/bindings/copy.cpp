// Bindings of the copies (ops/copy.cpp): broadcasting, casting and across devices.
#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

void init_copy(py::module_& m) {
  m.def("copy_", &ops::copy_, GIL());
  m.def("contiguous", &ops::contiguous, GIL());
  m.def("clone", &ops::clone, GIL());
  m.def("to", &ops::to, GIL());
}

}  // namespace lamina::bindings
