// Bindings of matmul (ops/matmul.cpp): torch.matmul's broadcasting over batch dims.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_matmul(py::module_& m) { m.def("matmul", &ops::matmul, GIL()); }

}  // namespace lamina::bindings
