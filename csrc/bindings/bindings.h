#pragma once
// One init function per area, all called from module.cpp.
#include <pybind11/pybind11.h>

namespace lamina::bindings {

void init_tensor(pybind11::module_& m);    // Tensor, DType, Device, numpy and buffer views
void init_ops(pybind11::module_& m);       // elementwise, reductions, views, matmul, indexing
void init_dlpack(pybind11::module_& m);    // __dlpack__ and from_dlpack
void init_runtime(pybind11::module_& m);   // threads, seeds, build info, CUDA device queries
void init_nn(pybind11::module_& m);        // softmax, cross-entropy, optimizer steps
void init_conv(pybind11::module_& m);      // conv2d forward and backward
void init_attention(pybind11::module_& m); // scaled dot-product attention
void init_layernorm(pybind11::module_& m);  // fused layer norm forward / backward
void init_pool(pybind11::module_& m);      // pooling and batch norm
void init_rnn(pybind11::module_& m);       // LSTM layer and cell

}  // namespace lamina::bindings
