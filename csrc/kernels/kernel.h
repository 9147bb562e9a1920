#pragma once
// How a kernel contract is written once for both devices.
//
// Each family header kernels/<stem>.h defines its plain-data parameter structs and one list
//   #define LAMINA_<STEM>_KERNELS(X)  X(name, (parameters)) ...
// with the shapes in a comment above each entry, then calls LAMINA_DECLARE_KERNELS on it, which
// declares every entry as `void name(parameters);` in namespace lamina::cpu (defined by
// cpu/<stem>.cpp) and in namespace lamina::cuda (defined by cuda/<stem>.cu, or by the stubs of
// a CPU-only build, cuda/stubs.cpp, generated from the same list). An ISA-dispatched CPU family
// declares its per-ISA copies from the list too (LAMINA_KERNEL_DECL inside cpu::avx2 etc.).
#define LAMINA_KERNEL_DECL(name, params) void name params;

#define LAMINA_DECLARE_KERNELS(LIST)                \
  namespace lamina::cpu { LIST(LAMINA_KERNEL_DECL) }  \
  namespace lamina::cuda { LIST(LAMINA_KERNEL_DECL) }

