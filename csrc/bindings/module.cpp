#include <pybind11/pybind11.h>

#include "../core/check.h"
#include "bindings.h"

namespace py = pybind11;

PYBIND11_MODULE(_C, m) {
  m.doc() = "lamina's C++/CUDA kernels and tensor core";
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const lamina::ValueError& e) {
      PyErr_SetString(PyExc_ValueError, e.what());
    } catch (const lamina::TypeError& e) {
      PyErr_SetString(PyExc_TypeError, e.what());
    } catch (const lamina::IndexError& e) {
      PyErr_SetString(PyExc_IndexError, e.what());
    }
  });
  lamina::bindings::init_tensor(m);
  lamina::bindings::init_ops(m);
  lamina::bindings::init_dlpack(m);
  lamina::bindings::init_runtime(m);
  lamina::bindings::init_nn(m);
  lamina::bindings::init_conv(m);
  lamina::bindings::init_attention(m);
  lamina::bindings::init_layernorm(m);
  lamina::bindings::init_pool(m);
  lamina::bindings::init_rnn(m);
}
