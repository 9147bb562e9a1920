// The Tensor class as Python sees it (methods are added in python/lamina/tensor.py), DType,
// Device, and zero-copy numpy / buffer-protocol views of host tensors.
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstring>

#include "../core/tensor.h"
#include "../ops/ops.h"
#include "bindings.h"

namespace lamina::bindings {

namespace {

Device parse_device(const std::string& s) {
  Device d;
  if (s == "cpu") return d;
  if (s.rfind("cuda", 0) == 0) {
    d.type = DeviceType::CUDA;
    if (s.size() == 4) return d;
    if (s[4] == ':' && s.size() > 5) {
      size_t used = 0;
      int idx = -1;
      try {
        idx = std::stoi(s.substr(5), &used);
      } catch (...) {
        used = 0;
      }
      if (used == s.size() - 5 && idx >= 0) {
        d.index = idx;
        return d;
      }
    }
  }
  throw ValueError(str_cat("[device] expected 'cpu', 'cuda' or 'cuda:N', got '", s, "'"));
}

const char* format_of(DType dt) {
  switch (dt) {
    case DType::Float32: return "f";
    case DType::Float64: return "d";
    case DType::Int64: return "q";
    case DType::Bool: return "?";
  }
  return "B";
}

std::vector<py::ssize_t> byte_strides(const Tensor& t) {
  std::vector<py::ssize_t> st(t.dim());
  // in bytes; only a size-1 dim or an empty view (strides never used) can overflow: 0 there
  for (int64_t i = 0; i < t.dim(); ++i)
    if (__builtin_mul_overflow(t.strides()[i], t.itemsize(), &st[i])) st[i] = 0;
  return st;
}

void require_cpu(const char* op, const Tensor& t) {
  LAMINA_CHECK(t.device().is_cpu(), TypeError, "[", op, "] can't convert a ", t.device().str(),
               " tensor to numpy; copy it to the host first with .cpu()");
}

// A numpy array viewing the tensor's memory; the array keeps the storage alive.
py::array numpy_view(const Tensor& t) {
  require_cpu("numpy", t);
  auto* keep = new std::shared_ptr<Storage>(t.storage());
  py::capsule owner(keep, [](void* p) { delete static_cast<std::shared_ptr<Storage>*>(p); });
  std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
  return py::array(py::dtype(std::string(format_of(t.dtype()))), shape, byte_strides(t), t.raw(),
                   owner);
}

DType dtype_of_numpy(const py::dtype& dt) {
  char kind = dt.kind();
  int64_t size = dt.itemsize();
  if (kind == 'f' && size == 4) return DType::Float32;
  if (kind == 'f' && size == 8) return DType::Float64;
  if (kind == 'i' && size == 8) return DType::Int64;
  if (kind == 'b') return DType::Bool;
  throw TypeError(str_cat("[tensor] unsupported numpy dtype '", std::string(py::str(dt)),
                      "' (lamina has float32, float64, int64 and bool)"));
}

// Copy a C-contiguous numpy array into a new host tensor.
Tensor from_numpy_copy(const py::array& a) {
  py::array arr = py::array::ensure(a, py::array::c_style);
  DType dt = dtype_of_numpy(arr.dtype());
  Shape shape(arr.shape(), arr.shape() + arr.ndim());
  Tensor out = Tensor::empty(shape, dt, Device{});
  std::memcpy(out.raw(), arr.data(), static_cast<size_t>(out.numel() * out.itemsize()));
  return out;
}

}  // namespace

py::tuple to_tuple(const Shape& s) {
  py::tuple t(s.size());
  for (size_t i = 0; i < s.size(); ++i) t[i] = py::int_(s[i]);
  return t;
}

void init_tensor(py::module_& m) {
  py::enum_<DType>(m, "DType")
      .value("float32", DType::Float32)
      .value("float64", DType::Float64)
      .value("int64", DType::Int64)
      .value("bool", DType::Bool)
      .def_property_readonly("itemsize", [](DType d) { return itemsize(d); })
      .def_property_readonly("is_floating_point", [](DType d) { return is_floating(d); });

  py::class_<Device>(m, "Device")
      .def(py::init([](const std::string& s) { return parse_device(s); }), py::arg("spec"))
      .def(py::init([](const std::string& type, int index) {
             Device d = parse_device(type);
             LAMINA_CHECK(d.index == 0 && index >= 0, ValueError,
                          "[device] invalid device ", type, " with index ", index);
             d.index = d.is_cpu() ? 0 : index;
             return d;
           }),
           py::arg("type"), py::arg("index"))
      .def_property_readonly("type", [](const Device& d) { return d.is_cpu() ? "cpu" : "cuda"; })
      .def_property_readonly("index",
                             [](const Device& d) -> py::object {
                               return d.is_cpu() ? py::none() : py::object(py::int_(d.index));
                             })
      .def("__eq__", [](const Device& a, const Device& b) { return a == b; })
      .def("__eq__", [](const Device& a, const std::string& b) {
        try {
          return a == parse_device(b);
        } catch (...) {
          return false;
        }
      })
      .def("__hash__", [](const Device& d) { return static_cast<int>(d.type) * 1000 + d.index; })
      .def("__str__", &Device::str)
      .def("__repr__", [](const Device& d) {
        return d.is_cpu() ? std::string("device(type='cpu')")
                          : str_cat("device(type='cuda', index=", d.index, ")");
      });

  py::class_<Tensor>(m, "Tensor", py::dynamic_attr(), py::buffer_protocol())
      .def(py::init<const Tensor&>(), py::arg("other"), "A new handle sharing other's storage")
      .def_property_readonly("shape", [](const Tensor& t) { return to_tuple(t.shape()); })
      .def_property_readonly("_strides", [](const Tensor& t) { return to_tuple(t.strides()); })
      .def_property_readonly("_offset", &Tensor::offset)
      .def_property_readonly("dtype", &Tensor::dtype)
      .def_property_readonly("device", &Tensor::device)
      .def_property_readonly("ndim", &Tensor::dim)
      .def_property_readonly("_storage_nbytes", [](const Tensor& t) { return t.storage()->nbytes; })
      .def_property_readonly("_version", [](const Tensor& t) { return t.storage()->version; })
      .def_property_readonly("_storage_id",
                             [](const Tensor& t) {
                               return reinterpret_cast<uintptr_t>(t.storage()->data.get());
                             })
      // True when this tensor object is the only handle on its memory, covers all of it and is
      // contiguous: autograd may then keep it as a leaf's .grad without a copy.
      .def_property_readonly("_sole_owner",
                             [](const Tensor& t) {
                               const auto& s = t.storage();
                               return s.use_count() == 1 && s->data.use_count() == 1 &&
                                      t.offset() == 0 && t.is_contiguous() &&
                                      t.numel() * t.itemsize() == s->nbytes;
                             })
      .def_property_readonly("_dtype_code", [](const Tensor& t) { return static_cast<int>(t.dtype()); })
      .def("is_floating_point", [](const Tensor& t) { return is_floating(t.dtype()); })
      .def("_set_", [](Tensor& self, const Tensor& other) { self = other; },
           "Point this tensor object at other's storage and geometry (Module.to keeps "
           "Parameter identity this way)")
      .def("dim", &Tensor::dim)
      .def("numel", &Tensor::numel)
      .def("element_size", &Tensor::itemsize)
      .def("is_contiguous", &Tensor::is_contiguous)
      .def("data_ptr", [](const Tensor& t) { return reinterpret_cast<uintptr_t>(t.raw()); })
      .def("_numpy_view", &numpy_view)
      .def("_item", [](const Tensor& t) -> py::object {
        LAMINA_CHECK(t.numel() == 1, ValueError, "[item] a tensor with ", t.numel(),
                     " elements cannot be converted to a Python scalar");
        Tensor h = ops::contiguous(ops::to(t, Device{}, t.dtype(), false));
        switch (t.dtype()) {
          case DType::Float32: return py::float_(*h.data<float>());
          case DType::Float64: return py::float_(*h.data<double>());
          case DType::Int64: return py::int_(*h.data<int64_t>());
          case DType::Bool: return py::bool_(*h.data<bool>());
        }
        return py::none();
      })
      .def_buffer([](const Tensor& t) {
        require_cpu("buffer", t);
        std::vector<py::ssize_t> shape(t.shape().begin(), t.shape().end());
        return py::buffer_info(t.raw(), t.itemsize(), format_of(t.dtype()), t.dim(), shape,
                               byte_strides(t));
      });

  m.def("_from_numpy", &from_numpy_copy, py::arg("array"),
        "Copy a numpy array into a new host tensor");
}

}  // namespace lamina::bindings
