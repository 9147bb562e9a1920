// The tape's hot path in C: grad mode (per thread) and Function.apply (autograd/function.py).
//
// Every differentiable op goes through Function.apply. Written in Python it cost an eager add
// with requires_grad about 1.5 us of bookkeeping on top of the 0.6 us op; here it is one C
// call per op: the arguments are scanned for a tensor that requires grad, and either the op's
// kernel runs directly or a Node (function.py) is made, its edges filled in, forward called
// with it as ctx and the outputs marked with it. Node, Context and the tensors' autograd
// attributes (_requires_grad, grad_fn, _output_nr) stay Python objects: the engine and every
// backward read them as before.
#include <array>
#include <vector>

#include "bindings.h"

namespace lamina::bindings {

namespace {

thread_local bool t_grad_enabled = true;

struct Names {
  PyObject* requires_grad;
  PyObject* grad_fn;
  PyObject* output_nr;
  PyObject* fn;
  PyObject* needs_input_grad;
  PyObject* next;
  PyObject* n_outputs;
  PyObject* out_meta;
  PyObject* shape;
  PyObject* dtype;
  PyObject* device;
};
Names s;

PyTypeObject* g_tensor = nullptr;  // lamina.Tensor (subclasses pass the check too)
PyObject* g_node = nullptr;        // autograd.function.Node
PyObject* g_context = nullptr;     // autograd.function.Context

// What Function.__init_subclass__ binds: (cls, kernel or None, forward).
enum { kCls, kKernel, kForward };

bool is_tensor(PyObject* o) { return PyObject_TypeCheck(o, g_tensor); }

// f() for a C entry point: a C++ exception becomes the Python error it carries (nullptr).
template <class F>
PyObject* guarded(const F& f) {
  try {
    return f();
  } catch (py::error_already_set& e) {
    e.restore();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
  return nullptr;
}

// 1 if tensor `a` requires grad, 0 if not, -1 on error.
int requires_grad(PyObject* a) {
  PyObject* v = PyObject_GetAttr(a, s.requires_grad);
  if (!v) return -1;
  const int r = PyObject_IsTrue(v);
  Py_DECREF(v);
  return r;
}

// forward(ctx, *args)
PyObject* call_forward(PyObject* forward, PyObject* ctx, PyObject* const* args, Py_ssize_t n) {
  std::array<PyObject*, 9> small;
  std::vector<PyObject*> big;
  PyObject** stack = small.data();
  if (n + 1 > Py_ssize_t(small.size())) {
    big.resize(size_t(n + 1));
    stack = big.data();
  }
  stack[0] = ctx;
  for (Py_ssize_t i = 0; i < n; ++i) stack[i + 1] = args[i];
  return PyObject_Vectorcall(forward, stack, size_t(n + 1), nullptr);
}

// Marks a floating output as produced by `node` (output index `nr`, or -1 for a single one).
int mark_output(PyObject* o, PyObject* node, Py_ssize_t nr) {
  if (!is_tensor(o)) return 0;
  if (!is_floating(py::handle(o).cast<const Tensor&>().dtype())) return 0;
  if (PyObject_SetAttr(o, s.requires_grad, Py_True) < 0) return -1;
  if (PyObject_SetAttr(o, s.grad_fn, node) < 0) return -1;
  if (nr >= 0) {
    PyObject* i = PyLong_FromSsize_t(nr);
    const int r = i ? PyObject_SetAttr(o, s.output_nr, i) : -1;
    Py_XDECREF(i);
    return r;
  }
  return 0;
}

// (shape, dtype, device) of each output of a multi-output node.
PyObject* out_meta(PyObject* outs) {
  const Py_ssize_t n = PyTuple_GET_SIZE(outs);
  PyObject* metas = PyList_New(n);
  if (!metas) return nullptr;
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* o = PyTuple_GET_ITEM(outs, i);
    PyObject* m = PyTuple_New(3);
    if (!m) {
      Py_DECREF(metas);
      return nullptr;
    }
    PyList_SET_ITEM(metas, i, m);
    PyObject* const attrs[3] = {s.shape, s.dtype, s.device};
    for (int k = 0; k < 3; ++k) {
      PyObject* v = PyObject_GetAttr(o, attrs[k]);
      if (!v) {
        Py_DECREF(metas);
        return nullptr;
      }
      PyTuple_SET_ITEM(m, k, v);
    }
  }
  return metas;
}

// The edge to an input that requires grad (a new reference): (grad_fn, output_nr) for an op's
// output, the tensor itself for a leaf.
PyObject* edge_of(PyObject* a) {
  PyObject* gf = PyObject_GetAttr(a, s.grad_fn);
  if (!gf || gf == Py_None) return gf ? (Py_DECREF(gf), Py_NewRef(a)) : nullptr;
  PyObject* nr = PyObject_GetAttr(a, s.output_nr);
  PyObject* edge = nr ? PyTuple_Pack(2, gf, nr) : nullptr;
  Py_DECREF(gf);
  Py_XDECREF(nr);
  return edge;
}

// The recorded application: a Node with the edges to the inputs, forward, the outputs marked.
PyObject* record(PyObject* bound, PyObject* const* args, Py_ssize_t n) {
  PyObject* node = PyObject_CallNoArgs(g_node);
  if (!node) return nullptr;
  PyObject* needs = PyList_New(n);
  PyObject* edges = PyList_New(n);
  auto fail = [&]() -> PyObject* {
    Py_DECREF(node);
    Py_XDECREF(needs);
    Py_XDECREF(edges);
    return nullptr;
  };
  if (!needs || !edges) return fail();
  for (Py_ssize_t i = 0; i < n; ++i) {
    PyObject* a = args[i];
    const int rg = is_tensor(a) ? requires_grad(a) : 0;
    if (rg < 0) return fail();
    PyObject* edge = rg ? edge_of(a) : Py_NewRef(Py_None);
    if (!edge) return fail();
    PyList_SET_ITEM(edges, i, edge);
    PyList_SET_ITEM(needs, i, Py_NewRef(rg ? Py_True : Py_False));
  }
  if (PyObject_SetAttr(node, s.fn, PyTuple_GET_ITEM(bound, kCls)) < 0 ||
      PyObject_SetAttr(node, s.needs_input_grad, needs) < 0 ||
      PyObject_SetAttr(node, s.next, edges) < 0)
    return fail();
  Py_CLEAR(needs);
  Py_CLEAR(edges);
  PyObject* out = call_forward(PyTuple_GET_ITEM(bound, kForward), node, args, n);
  if (!out) return fail();
  int err = 0;
  if (PyTuple_Check(out)) {
    const Py_ssize_t k = PyTuple_GET_SIZE(out);
    PyObject* nk = PyLong_FromSsize_t(k);
    PyObject* metas = nk ? out_meta(out) : nullptr;
    err = !metas || PyObject_SetAttr(node, s.n_outputs, nk) < 0 ||
          PyObject_SetAttr(node, s.out_meta, metas) < 0;
    Py_XDECREF(nk);
    Py_XDECREF(metas);
    for (Py_ssize_t i = 0; i < k && !err; ++i)
      err = mark_output(PyTuple_GET_ITEM(out, i), node, i) < 0;
  } else {
    err = mark_output(out, node, -1) < 0;
  }
  Py_DECREF(node);
  if (err) {
    Py_DECREF(out);
    return nullptr;
  }
  return out;
}

// Function.apply(*args) of the class bound in `bound`.
PyObject* apply(PyObject* bound, PyObject* const* args, Py_ssize_t nargs) {
  return guarded([&]() -> PyObject* {
    if (t_grad_enabled) {
      for (Py_ssize_t i = 0; i < nargs; ++i) {
        if (!is_tensor(args[i])) continue;
        const int rg = requires_grad(args[i]);
        if (rg < 0) return nullptr;
        if (rg) return record(bound, args, nargs);
      }
    }
    PyObject* kernel = PyTuple_GET_ITEM(bound, kKernel);
    if (kernel != Py_None) return PyObject_Vectorcall(kernel, args, size_t(nargs), nullptr);
    PyObject* ctx = PyObject_CallNoArgs(g_context);
    if (!ctx) return nullptr;
    PyObject* out = call_forward(PyTuple_GET_ITEM(bound, kForward), ctx, args, nargs);
    Py_DECREF(ctx);
    return out;
  });
}

// _meta(x): (shape, dtype code) of a tensor, None for anything else; what a broadcasting op's
// backward needs of an input, in one C call.
PyObject* meta(PyObject*, PyObject* x) {
  if (!is_tensor(x)) Py_RETURN_NONE;
  return guarded([&]() -> PyObject* {
    const Tensor& t = py::handle(x).cast<const Tensor&>();
    return py::make_tuple(to_tuple(t.shape()), static_cast<int>(t.dtype())).release().ptr();
  });
}

// _versions(tensors): the storage version of each tensor of a tuple (None for anything else),
// what save_for_backward checks against before the backward reads them.
PyObject* versions(PyObject*, PyObject* items) {
  if (!PyTuple_Check(items)) {
    PyErr_SetString(PyExc_TypeError, "[save_for_backward] expected a tuple");
    return nullptr;
  }
  return guarded([&]() -> PyObject* {
    const Py_ssize_t n = PyTuple_GET_SIZE(items);
    PyObject* out = PyTuple_New(n);
    if (!out) return nullptr;
    for (Py_ssize_t i = 0; i < n; ++i) {
      PyObject* o = PyTuple_GET_ITEM(items, i);
      PyObject* v = is_tensor(o) ? PyLong_FromLongLong(
                                       py::handle(o).cast<const Tensor&>().storage()->version)
                                 : Py_NewRef(Py_None);
      if (!v) {
        Py_DECREF(out);
        return nullptr;
      }
      PyTuple_SET_ITEM(out, i, v);
    }
    return out;
  });
}

PyMethodDef g_versions_def = {
    "_versions", &versions, METH_O,
    "_versions(tensors): each tensor's storage version, None for anything else"};

PyMethodDef g_meta_def = {"_meta", &meta, METH_O,
                          "_meta(x): (shape, dtype code) of tensor x, None for anything else"};

PyMethodDef g_apply_def = {
    "apply", reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(&apply)), METH_FASTCALL,
    "apply(*args): run the Function on args, recording it on the tape when grad mode is on "
    "and an input requires grad"};

PyObject* intern(const char* name) {
  PyObject* o = PyUnicode_InternFromString(name);
  if (!o) throw py::error_already_set();
  return o;
}

}  // namespace

void init_autograd(py::module_& m) {
  s = Names{intern("_requires_grad"), intern("grad_fn"), intern("_output_nr"),
            intern("fn"), intern("needs_input_grad"), intern("next"),
            intern("n_outputs"), intern("out_meta"), intern("shape"),
            intern("dtype"), intern("device")};
  g_tensor = reinterpret_cast<PyTypeObject*>(py::type::of<Tensor>().release().ptr());
  for (PyMethodDef* d : {&g_meta_def, &g_versions_def}) {
    PyObject* f = PyCFunction_NewEx(d, nullptr, nullptr);
    if (!f) throw py::error_already_set();
    m.add_object(d->ml_name, py::reinterpret_steal<py::object>(f));
  }
  m.def("_grad_enabled", [] { return t_grad_enabled; }, "Whether this thread records ops");
  m.def("_set_grad_enabled", [](bool on) { t_grad_enabled = on; }, py::arg("enabled"));
  m.def(
      "_autograd_types",
      [](py::object node, py::object context) {
        Py_XDECREF(g_node);
        Py_XDECREF(g_context);
        g_node = node.release().ptr();
        g_context = context.release().ptr();
      },
      py::arg("node"), py::arg("context"),
      "The Python classes of a recorded node and of an unrecorded forward's ctx");
  m.def(
      "_function_apply",
      [](py::object cls, py::object kernel, py::object forward) {
        LAMINA_CHECK(g_node && g_context, std::runtime_error,
                     "[autograd] _autograd_types must be set before a Function is defined");
        py::tuple bound = py::make_tuple(cls, kernel, forward);
        PyObject* f = PyCFunction_NewEx(&g_apply_def, bound.ptr(), nullptr);
        if (!f) throw py::error_already_set();
        return py::reinterpret_steal<py::object>(f);
      },
      py::arg("cls"), py::arg("kernel"), py::arg("forward"),
      "Function.apply for cls: kernel(*args) or forward(ctx, *args), recorded when needed");
}

}  // namespace lamina::bindings
