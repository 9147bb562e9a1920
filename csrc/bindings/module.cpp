// The extension module lamina._C: exception translation, then every binding file's init.
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
  namespace b = lamina::bindings;
  b::init_tensor(m);
  b::init_dlpack(m);
  b::init_runtime(m);
  b::init_autograd(m);
  // one per op family, in the order of ops/ops.h
  b::init_views(m);
  b::init_copy(m);
  b::init_creation(m);
  b::init_elementwise(m);
  b::init_reduce(m);
  b::init_matmul(m);
  b::init_index(m);
  b::init_scan(m);
  b::init_sort(m);
  b::init_softmax(m);
  b::init_loss(m);
  b::init_optim(m);
  b::init_conv(m);
  b::init_attention(m);
  b::init_layernorm(m);
  b::init_pool(m);
  b::init_batchnorm(m);
  b::init_lstm(m);
  b::init_gru(m);
}
