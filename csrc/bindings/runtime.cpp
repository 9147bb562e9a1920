// Runtime settings and facts: threads, seeds, CPU path, CUDA availability and memory.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "../core/allocator.h"
#include "../core/parallel.h"
#include "../cpu/isa.h"
#include "../core/check.h"
#include "../core/device_runtime.h"
#include "../kernels/matmul.h"
#include "bindings.h"

namespace lamina::bindings {

void init_runtime(py::module_& m) {
  m.def("get_num_threads", &get_num_threads);
  m.def("set_num_threads", [](int n) {
    LAMINA_CHECK(n >= 1, ValueError, "[set_num_threads] expected a positive count, got ", n);
    set_num_threads(n);
  });
  m.def("cpu_path", &cpu::isa_name);  // the widest kernels in use: avx512, avx2 or generic
  m.def("cuda_compiled", &cuda::compiled);
  m.def("cuda_backend", &cuda::backend);  // "cuda", "simulator" or ""
  m.def("cuda_archs", &cuda::compiled_archs);
  m.def("cuda_runtime_version", &cuda::runtime_version);
  m.def("cuda_device_count", []() {
    std::string why;
    int n = cuda::device_count(&why);
    return py::make_tuple(n, why);
  });
  m.def("cuda_device_name", &cuda::device_name);
  m.def("cuda_synchronize", &cuda::synchronize, GIL());
  m.def("cpu_empty_cache", &host_empty_cache);
  m.def("cpu_memory_cached", &host_memory_cached);
  m.def("cuda_empty_cache", &cuda::empty_cache);
  m.def("cuda_memory_allocated", &cuda::memory_allocated);
  m.def("cuda_memory_reserved", &cuda::memory_reserved);
  // lamina.backends.cuda.matmul.allow_tf32 (a flag read by the float32 device GEMM)
  m.def("cuda_matmul_allow_tf32", &cuda::matmul_allow_tf32);
  m.def("cuda_set_matmul_allow_tf32", &cuda::set_matmul_allow_tf32);
}

}  // namespace lamina::bindings
