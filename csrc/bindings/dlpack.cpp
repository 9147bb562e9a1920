// DLPack export (Tensor.__dlpack__, legacy and versioned capsules) and import
// (_C.from_dlpack_capsule). Both share memory; nothing is copied.
#include <pybind11/pybind11.h>

#include <cstring>
#include <functional>

#include "../core/dlpack.h"
#include "../core/tensor.h"
#include "../core/device_runtime.h"
#include "bindings.h"

namespace lamina::bindings {

namespace {

struct ExportCtx {
  Tensor tensor;  // keeps the storage alive while the consumer holds the capsule
  std::vector<int64_t> shape, strides;
};

DLDataType dl_dtype(DType dt) {
  switch (dt) {
    case DType::Float32: return {kDLFloat, 32, 1};
    case DType::Float64: return {kDLFloat, 64, 1};
    case DType::Int64: return {kDLInt, 64, 1};
    case DType::Bool: return {kDLBool, 8, 1};
  }
  return {kDLFloat, 32, 1};
}

DType from_dl_dtype(DLDataType d) {
  LAMINA_CHECK(d.lanes == 1, TypeError, "[from_dlpack] vector dtypes (lanes=", d.lanes,
               ") are not supported");
  if (d.code == kDLFloat && d.bits == 32) return DType::Float32;
  if (d.code == kDLFloat && d.bits == 64) return DType::Float64;
  if (d.code == kDLInt && d.bits == 64) return DType::Int64;
  if (d.code == kDLBool && d.bits == 8) return DType::Bool;
  throw TypeError(str_cat("[from_dlpack] unsupported dtype (code ", int(d.code), ", bits ",
                      int(d.bits), "); lamina has float32, float64, int64 and bool"));
}

void fill_dl(DLTensor& dl, ExportCtx* ctx) {
  const Tensor& t = ctx->tensor;
  dl.data = t.storage()->data.get();
  dl.byte_offset = static_cast<uint64_t>(t.offset() * t.itemsize());
  dl.device = t.device().is_cpu() ? DLDevice{kDLCPU, 0} : DLDevice{kDLCUDA, t.device().index};
  dl.ndim = static_cast<int32_t>(t.dim());
  dl.dtype = dl_dtype(t.dtype());
  dl.shape = ctx->shape.data();
  dl.strides = ctx->strides.data();
}

py::capsule export_capsule(const Tensor& t, bool versioned) {
  auto* ctx = new ExportCtx{t, t.shape(), t.strides()};
  if (versioned) {
    auto* mt = new DLManagedTensorVersioned{};
    mt->version = {1, 0};
    mt->manager_ctx = ctx;
    mt->flags = 0;
    mt->deleter = [](DLManagedTensorVersioned* self) {
      delete static_cast<ExportCtx*>(self->manager_ctx);
      delete self;
    };
    fill_dl(mt->dl_tensor, ctx);
    PyObject* cap = PyCapsule_New(mt, "dltensor_versioned", [](PyObject* c) {
      if (PyCapsule_IsValid(c, "dltensor_versioned")) {  // never consumed
        auto* p = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, "dltensor_versioned"));
        if (p && p->deleter) p->deleter(p);
      }
    });
    if (!cap) throw py::error_already_set();
    return py::reinterpret_steal<py::capsule>(cap);
  }
  auto* mt = new DLManagedTensor{};
  mt->manager_ctx = ctx;
  mt->deleter = [](DLManagedTensor* self) {
    delete static_cast<ExportCtx*>(self->manager_ctx);
    delete self;
  };
  fill_dl(mt->dl_tensor, ctx);
  PyObject* cap = PyCapsule_New(mt, "dltensor", [](PyObject* c) {
    if (PyCapsule_IsValid(c, "dltensor")) {
      auto* p = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
      if (p && p->deleter) p->deleter(p);
    }
  });
  if (!cap) throw py::error_already_set();
  return py::reinterpret_steal<py::capsule>(cap);
}

// Wrap a DLTensor; `release` frees the producer's managed tensor. It is bound to the storage
// only once every check has passed: a failed import leaves the capsule to its producer.
Tensor import_dl(const DLTensor& dl, std::function<void()> release) {
  DType dt = from_dl_dtype(dl.dtype);
  Device dev;
  if (dl.device.device_type == kDLCUDA) {
    dev.type = DeviceType::CUDA;
    dev.index = dl.device.device_id;
  } else {
    LAMINA_CHECK(dl.device.device_type == kDLCPU || dl.device.device_type == kDLCUDAHost,
                 std::runtime_error, "[from_dlpack] unsupported device type ",
                 dl.device.device_type);
  }
  int64_t isz = itemsize(dt);
  LAMINA_CHECK(dl.byte_offset % isz == 0, ValueError,
               "[from_dlpack] byte offset not a multiple of the element size");
  Shape shape(dl.shape, dl.shape + dl.ndim);
  Shape strides = dl.strides ? Shape(dl.strides, dl.strides + dl.ndim) : contiguous_strides(shape);
  int64_t span = 1;
  for (int i = 0; i < dl.ndim; ++i) {
    LAMINA_CHECK(strides[i] >= 0, ValueError, "[from_dlpack] negative strides are not supported");
    if (shape[i] == 0) span = 0;
  }
  if (span) {
    for (int i = 0; i < dl.ndim; ++i) span += (shape[i] - 1) * strides[i];
  }
  auto st = std::make_shared<Storage>();
  char* base = static_cast<char*>(dl.data) + dl.byte_offset;
  st->data = std::shared_ptr<void>(base, [release](void*) { release(); });
  st->nbytes = span * isz;
  st->device = dev;
  return Tensor(std::move(st), std::move(shape), std::move(strides), 0, dt);
}

Tensor from_capsule(py::capsule cap) {
  PyObject* c = cap.ptr();
  if (PyCapsule_IsValid(c, "dltensor_versioned")) {
    auto* mt = static_cast<DLManagedTensorVersioned*>(PyCapsule_GetPointer(c, "dltensor_versioned"));
    LAMINA_CHECK(mt->version.major == 1, ValueError, "[from_dlpack] unsupported DLPack version ",
                 mt->version.major, ".", mt->version.minor);
    // lamina tensors are always writable: sharing read-only memory would let writes corrupt it
    LAMINA_CHECK(!(mt->flags & LAMINA_DLPACK_FLAG_READ_ONLY), ValueError,
                 "[from_dlpack] the producer's memory is read-only; copy it (lamina.tensor(x))");
    Tensor t = import_dl(mt->dl_tensor, [mt] {
      if (mt->deleter) mt->deleter(mt);
    });
    PyCapsule_SetName(c, "used_dltensor_versioned");
    return t;
  }
  if (PyCapsule_IsValid(c, "dltensor")) {
    auto* mt = static_cast<DLManagedTensor*>(PyCapsule_GetPointer(c, "dltensor"));
    Tensor t = import_dl(mt->dl_tensor, [mt] {
      if (mt->deleter) mt->deleter(mt);
    });
    PyCapsule_SetName(c, "used_dltensor");
    return t;
  }
  throw ValueError("[from_dlpack] expected an unconsumed DLPack capsule ('dltensor' or "
                   "'dltensor_versioned')");
}

}  // namespace

void init_dlpack(py::module_& m) {
  m.def("to_dlpack_capsule", &export_capsule, py::arg("tensor"), py::arg("versioned"));
  m.def("from_dlpack_capsule", &from_capsule, py::arg("capsule"));
}

}  // namespace lamina::bindings
