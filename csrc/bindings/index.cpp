// Bindings of the indexing ops (ops/index.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace py = pybind11;

namespace lamina::bindings {

void init_index(py::module_& m) {
  m.def("index_select", &ops::index_select, GIL());
  m.def("index_add", &ops::index_add, GIL());
  m.def("gather", &ops::gather, GIL());
  m.def("scatter_add", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
          return ops::scatter(t, dim, index, src, true);
        }, GIL());
  m.def("scatter", [](const Tensor& t, int64_t dim, const Tensor& index, const Tensor& src) {
          return ops::scatter(t, dim, index, src, false);
        }, GIL());
  m.def("cat", &ops::cat, GIL());
}

}  // namespace lamina::bindings
