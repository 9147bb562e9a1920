#pragma once
// Element types lamina supports, and the macros that turn a runtime dtype into a C++ type.
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>

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

// LAMINA_DISPATCH_NUMERIC adds int64_t, LAMINA_DISPATCH_ALL also bool. Any other dtype throws
// throw_dtype_error(OP, DT, what was expected).
#define LAMINA_DISPATCH_CASES_FLOAT(...)              \
  LAMINA_DISPATCH_CASE(Float32, float, __VA_ARGS__)   \
  LAMINA_DISPATCH_CASE(Float64, double, __VA_ARGS__)
#define LAMINA_DISPATCH_CASES_NUMERIC(...)            \
  LAMINA_DISPATCH_CASES_FLOAT(__VA_ARGS__)            \
  LAMINA_DISPATCH_CASE(Int64, int64_t, __VA_ARGS__)
#define LAMINA_DISPATCH_CASES_ALL(...)                \
  LAMINA_DISPATCH_CASES_NUMERIC(__VA_ARGS__)          \
  LAMINA_DISPATCH_CASE(Bool, bool, __VA_ARGS__)

#define LAMINA_DISPATCH_SWITCH(DT, OP, CASES, EXPECTED, ...)                \
  do {                                                                       \
    switch (DT) {                                                            \
      CASES(__VA_ARGS__)                                                     \
      default: ::lamina::throw_dtype_error(OP, DT, EXPECTED);                \
    }                                                                        \
  } while (0)

#define LAMINA_DISPATCH_FLOAT(DT, OP, ...) \
  LAMINA_DISPATCH_SWITCH(DT, OP, LAMINA_DISPATCH_CASES_FLOAT, "float32 or float64", __VA_ARGS__)
#define LAMINA_DISPATCH_NUMERIC(DT, OP, ...)                                     \
  LAMINA_DISPATCH_SWITCH(DT, OP, LAMINA_DISPATCH_CASES_NUMERIC, "float32, float64 or int64", \
                         __VA_ARGS__)
#define LAMINA_DISPATCH_ALL(DT, OP, ...) \
  LAMINA_DISPATCH_SWITCH(DT, OP, LAMINA_DISPATCH_CASES_ALL, "a known dtype", __VA_ARGS__)

namespace lamina {
[[noreturn]] void throw_dtype_error(const char* op, DType dt, const char* expected);
}

namespace lamina {

// typed<T>(p): an entry point's type-erased pointer as the dtype's pointer (const void* ->
// const T*, void* -> T*); any other argument passes through unchanged.
template <typename T, typename A>
constexpr decltype(auto) typed(A&& a) {
  using B = std::decay_t<A>;
  if constexpr (std::is_same_v<B, const void*>) return static_cast<const T*>(a);
  else if constexpr (std::is_same_v<B, void*>) return static_cast<T*>(a);
  else return std::forward<A>(a);
}

// typed_call<T>(f, args...) = f(typed<T>(args)...): the body of an entry point whose only work,
// once the dtype is known, is to cast its pointers and call its templated implementation.
template <typename T, typename F, typename... A>
decltype(auto) typed_call(F&& f, A&&... args) {
  return std::forward<F>(f)(typed<T>(std::forward<A>(args))...);
}

}  // namespace lamina
