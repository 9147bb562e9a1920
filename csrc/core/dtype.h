#pragma once
// Element types lamina supports, and the macros that turn a runtime dtype into a C++ type.
#include <cstdint>
#include <string>

namespace lamina {

enum class DType : int8_t { Float32 = 0, Float64 = 1, Int64 = 2, Bool = 3 };

inline int64_t itemsize(DType dt) {
  switch (dt) {
    case DType::Float32: return 4;
    case DType::Float64: return 8;
    case DType::Int64: return 8;
    case DType::Bool: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType dt) {
  switch (dt) {
    case DType::Float32: return "float32";
    case DType::Float64: return "float64";
    case DType::Int64: return "int64";
    case DType::Bool: return "bool";
  }
  return "?";
}

inline bool is_floating(DType dt) { return dt == DType::Float32 || dt == DType::Float64; }

}  // namespace lamina

// LAMINA_DISPATCH_FLOAT(dt, op, BODY): BODY sees `scalar_t` as float or double.
#define LAMINA_DISPATCH_CASE(ENUM, TYPE, ...) \
  case ::lamina::DType::ENUM: {               \
    using scalar_t = TYPE;                    \
    __VA_ARGS__();                            \
    break;                                    \
  }

#define LAMINA_DISPATCH_FLOAT(DT, OP, ...)                                              \
  do {                                                                                 \
    switch (DT) {                                                                      \
      LAMINA_DISPATCH_CASE(Float32, float, __VA_ARGS__)                                \
      LAMINA_DISPATCH_CASE(Float64, double, __VA_ARGS__)                               \
      default: ::lamina::throw_dtype_error(OP, DT, "float32 or float64");               \
    }                                                                                  \
  } while (0)

#define LAMINA_DISPATCH_NUMERIC(DT, OP, ...)                                            \
  do {                                                                                 \
    switch (DT) {                                                                      \
      LAMINA_DISPATCH_CASE(Float32, float, __VA_ARGS__)                                \
      LAMINA_DISPATCH_CASE(Float64, double, __VA_ARGS__)                               \
      LAMINA_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)                                \
      default: ::lamina::throw_dtype_error(OP, DT, "float32, float64 or int64");        \
    }                                                                                  \
  } while (0)

#define LAMINA_DISPATCH_ALL(DT, OP, ...)                                                \
  do {                                                                                 \
    switch (DT) {                                                                      \
      LAMINA_DISPATCH_CASE(Float32, float, __VA_ARGS__)                                \
      LAMINA_DISPATCH_CASE(Float64, double, __VA_ARGS__)                               \
      LAMINA_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)                                \
      LAMINA_DISPATCH_CASE(Bool, bool, __VA_ARGS__)                                    \
      default: ::lamina::throw_dtype_error(OP, DT, "a known dtype");                   \
    }                                                                                  \
  } while (0)

namespace lamina {
[[noreturn]] void throw_dtype_error(const char* op, DType dt, const char* expected);
}
