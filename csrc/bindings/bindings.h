#pragma once
// One init_<family>(m) per binding file, all called from module.cpp; each file binds the ops of
// the same-named ops/<family>.cpp. Below them, the helpers every binding file shares: the
// bindings are thin (no logic), they convert None and release the GIL around ops:: calls.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <optional>
#include <vector>

#include "../core/tensor.h"

namespace lamina::bindings {

namespace py = pybind11;

// The core: not op families
void init_tensor(pybind11::module_& m);   // Tensor, DType, Device, numpy and buffer views
void init_dlpack(pybind11::module_& m);   // __dlpack__ and from_dlpack
void init_runtime(pybind11::module_& m);  // threads, CPU path, build info, CUDA device queries
void init_autograd(pybind11::module_& m);  // grad mode and Function.apply (the tape's hot path)
// One per ops/<family>.cpp
void init_elementwise(pybind11::module_& m);  // unary, binary (the op lists), where, cast
void init_reduce(pybind11::module_& m);       // sum, mean, var, logsumexp, amax, max_dim
void init_views(pybind11::module_& m);        // reshape, permute, slice, as_strided, ...
void init_copy(pybind11::module_& m);         // copy_, contiguous, clone, to
void init_creation(pybind11::module_& m);     // empty, full, ranges, random draws, seeds
void init_matmul(pybind11::module_& m);       // matmul
void init_index(pybind11::module_& m);        // index_select, index_add, gather, scatter_add, cat
void init_scan(pybind11::module_& m);         // cumsum, cumprod
void init_sort(pybind11::module_& m);         // sort, argsort, topk
void init_softmax(pybind11::module_& m);      // fused softmax / log_softmax
void init_loss(pybind11::module_& m);         // fused cross-entropy
void init_optim(pybind11::module_& m);        // fused SGD and Adam steps
void init_conv(pybind11::module_& m);         // conv2d forward and backward
void init_pool(pybind11::module_& m);         // max / avg / adaptive pooling
void init_batchnorm(pybind11::module_& m);    // fused batch norm forward / backward
void init_layernorm(pybind11::module_& m);    // fused layer norm forward / backward
void init_lstm(pybind11::module_& m);         // LSTM layer and cell
void init_gru(pybind11::module_& m);          // the fused GRU cell
void init_attention(pybind11::module_& m);    // scaled dot-product attention

// m.def(name, fn, GIL(), ...): fn runs without the GIL (fn takes and returns only C++ types).
using GIL = pybind11::call_guard<pybind11::gil_scoped_release>;

// def_ops(m, LAMINA_OP(a), LAMINA_OP(b), ...): the ops bound as they are, each as
// m.def("a", &ops::a, GIL()).
#define LAMINA_OP(name) #name, &::lamina::ops::name
inline void def_ops(pybind11::module_&) {}
template <typename F, typename... Rest>
void def_ops(pybind11::module_& m, const char* name, F fn, Rest... rest) {
  m.def(name, fn, GIL());
  def_ops(m, rest...);
}

// A shape as a Python tuple of ints (tensor.cpp).
pybind11::tuple to_tuple(const Shape& s);

// An optional tensor argument: None on the Python side, an undefined Tensor for ops::.
using MaybeTensor = std::optional<Tensor>;
inline Tensor or_undefined(const MaybeTensor& t) { return t ? *t : Tensor(); }

// An undefined tensor (a gradient not asked for, an absent output) as None.
inline pybind11::object or_none(const Tensor& t) {
  return t.defined() ? pybind11::cast(t) : pybind11::none();
}

// Runs f (returning a std::vector<Tensor>) without the GIL, then returns its tensors as a
// tuple with None for the undefined ones.
template <typename F>
pybind11::tuple released(const F& f) {
  std::vector<Tensor> r;
  {
    pybind11::gil_scoped_release rel;
    r = f();
  }
  pybind11::tuple out(r.size());
  for (size_t i = 0; i < r.size(); ++i) out[i] = or_none(r[i]);
  return out;
}

}  // namespace lamina::bindings
