#pragma once
// Errors that cross into Python. Every message starts with "[op]".
//   ValueError: bad shapes or values; TypeError: bad dtypes; IndexError: bad dims or
//   indices; RuntimeError: device problems and everything else.
#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace lamina {

struct ValueError : std::runtime_error { using std::runtime_error::runtime_error; };
struct TypeError : std::runtime_error { using std::runtime_error::runtime_error; };
struct IndexError : std::runtime_error { using std::runtime_error::runtime_error; };

inline std::string shape_str(const std::vector<int64_t>& s) {
  std::ostringstream os;
  os << "(";
  for (size_t i = 0; i < s.size(); ++i) os << (i ? ", " : "") << s[i];
  if (s.size() == 1) os << ",";
  os << ")";
  return os.str();
}

namespace detail {
inline void cat_into(std::ostringstream&) {}
template <typename T, typename... Rest>
void cat_into(std::ostringstream& os, const T& v, const Rest&... rest) {
  os << v;
  cat_into(os, rest...);
}
}  // namespace detail

template <typename... Args>
std::string str_cat(const Args&... args) {
  std::ostringstream os;
  detail::cat_into(os, args...);
  return os.str();
}

}  // namespace lamina

// LAMINA_CHECK(cond, ErrType, "[op] ", parts...): throw ErrType with the concatenated message.
#define LAMINA_CHECK(COND, ERR, ...)                        \
  do {                                                      \
    if (!(COND)) throw ERR(::lamina::str_cat(__VA_ARGS__));     \
  } while (0)

namespace lamina {

// Checked int64 arithmetic for sizes, strides and offsets: a wrapped product would pass the
// bounds checks after it. Throws ValueError "[op] <what>: a * b overflows int64".
inline int64_t checked_mul(const char* op, const char* what, int64_t a, int64_t b) {
  int64_t r;
  LAMINA_CHECK(!__builtin_mul_overflow(a, b, &r), ValueError, "[", op, "] ", what, ": ", a,
               " * ", b, " overflows int64");
  return r;
}
inline int64_t checked_add(const char* op, const char* what, int64_t a, int64_t b) {
  int64_t r;
  LAMINA_CHECK(!__builtin_add_overflow(a, b, &r), ValueError, "[", op, "] ", what, ": ", a,
               " + ", b, " overflows int64");
  return r;
}

}  // namespace lamina
