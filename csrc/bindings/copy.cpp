// Bindings of the copies (ops/copy.cpp): broadcasting, casting and across devices.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_copy(py::module_& m) {
  def_ops(m, LAMINA_OP(copy_), LAMINA_OP(contiguous), LAMINA_OP(clone), LAMINA_OP(to));
}

}  // namespace lamina::bindings
