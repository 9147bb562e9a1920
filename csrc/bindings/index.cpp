// Bindings of the indexing ops (ops/index.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_index(py::module_& m) {
  def_ops(m, LAMINA_OP(index_select), LAMINA_OP(index_add), LAMINA_OP(gather));
  m.def("scatter_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
          return ops::scatter(t, dim, index, src, true);
        }, GIL());
  m.def("scatter", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
          return ops::scatter(t, dim, index, src, false);
        }, GIL());
  def_ops(m, LAMINA_OP(cat));
}

}  // namespace lamina::bindings
