// Bindings of sort / argsort / topk along one dim and searchsorted (ops/sort.cpp).
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_sort(py::module_& m) {
  m.def("sort", [](const Tensor& x, int64_t dim, bool descending) {
          return ops::sort("sort", x, dim, -1, descending, true);
        }, GIL(), py::arg("x"), py::arg("dim"), py::arg("descending"));
  m.def("argsort", [](const Tensor& x, int64_t dim, bool descending) {
          return ops::sort("argsort", x, dim, -1, descending, false).second;
        }, GIL(), py::arg("x"), py::arg("dim"), py::arg("descending"));
  m.def("topk", [](const Tensor& x, int64_t k, int64_t dim, bool largest) {
          LAMINA_CHECK(k >= 0, IndexError, "[topk] k must be non-negative, got ", k);
          return ops::sort("topk", x, dim, k, largest, true);
        }, GIL(), py::arg("x"), py::arg("k"), py::arg("dim"), py::arg("largest"));
  m.def("searchsorted", &ops::searchsorted, GIL(), py::arg("sorted_sequence"), py::arg("values"),
        py::arg("right"));
}

}  // namespace lamina::bindings
