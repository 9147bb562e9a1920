// Bindings of the view ops (ops/views.cpp): no copies, the result shares its input's storage.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_views(py::module_& m) {
  m.def("reshape", &ops::reshape, GIL());  // a view when possible, else a copy
  def_ops(m, LAMINA_OP(view), LAMINA_OP(permute), LAMINA_OP(transpose), LAMINA_OP(expand),
          LAMINA_OP(squeeze), LAMINA_OP(unsqueeze), LAMINA_OP(slice), LAMINA_OP(select),
          LAMINA_OP(as_strided));
}

}  // namespace lamina::bindings
