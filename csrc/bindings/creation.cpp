// Bindings of the factories (ops/creation.cpp): constant fills, ranges, random draws, seeds.
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

void init_creation(py::module_& m) {
  def_ops(m, LAMINA_OP(empty), LAMINA_OP(full), LAMINA_OP(arange), LAMINA_OP(linspace),
          LAMINA_OP(eye));
  m.def("rand", [](const Shape& s, double lo, double hi, DType dt, Device dev) {
    return ops::random("rand", RandomKind::Uniform, s, lo, hi, dt, dev);
  }, GIL());
  m.def("randn", [](const Shape& s, double mean, double std, DType dt, Device dev) {
    return ops::random("randn", RandomKind::Normal, s, mean, std, dt, dev);
  }, GIL());
  m.def("randint", [](const Shape& s, int64_t lo, int64_t hi, DType dt, Device dev) {
    return ops::random("randint", RandomKind::Integer, s, static_cast<double>(lo),
                       static_cast<double>(hi), dt, dev);
  }, GIL());
  m.def("manual_seed", &ops::manual_seed);
  m.def("initial_seed", &ops::initial_seed);
}

}  // namespace lamina::bindings
