// sort / argsort / topk: one column at a time (gathered into a buffer of (value, index) pairs),
// columns in parallel. A full sort is std::sort; topk with k well below R a partial sort. The
// comparison is a total order (kernels/sort.h), so the result never depends on the algorithm.
// searchsorted: a binary search per value, values in parallel.
#include "../kernels/sort.h"

#include <algorithm>
#include <cmath>
#include <type_traits>
#include <utility>
#include <vector>

#include "../core/parallel.h"

namespace lamina::cpu {

namespace {

template <typename T>
bool is_nan(T v) {
  if constexpr (std::is_floating_point_v<T>) return std::isnan(v);
  else return false;
}

// a before b in the order of kernels/sort.h
template <typename T>
struct Before {
  bool descending;
  bool operator()(const std::pair<T, int64_t>& a, const std::pair<T, int64_t>& b) const {
    const bool na = is_nan(a.first), nb = is_nan(b.first);
    if (na || nb) {
      if (na && nb) return a.second < b.second;
      return descending ? na : nb;  // NaN counts as the largest value
    }
    if (a.first != b.first) return descending ? a.first > b.first : a.first < b.first;
    return a.second < b.second;
  }
};

template <typename T>
void sort_t(int64_t O, int64_t R, int64_t I, int64_t k, bool descending, const T* x, T* values,
            int64_t* indices) {
  const Before<T> before{descending};
  parallel_for(0, O * I, grain_for(8192, R),
               [&](int64_t b, int64_t e) {
    std::vector<std::pair<T, int64_t>> buf(static_cast<size_t>(R));
    for (int64_t c = b; c < e; ++c) {
      const int64_t o = c / I, i = c % I;
      const T* xc = x + o * R * I + i;
      for (int64_t r = 0; r < R; ++r) buf[static_cast<size_t>(r)] = {xc[r * I], r};
      if (k < R && k <= R / 8) std::partial_sort(buf.begin(), buf.begin() + k, buf.end(), before);
      else std::sort(buf.begin(), buf.end(), before);
      const int64_t out = o * k * I + i;
      for (int64_t r = 0; r < k; ++r) {
        if (values) values[out + r * I] = buf[static_cast<size_t>(r)].first;
        indices[out + r * I] = buf[static_cast<size_t>(r)].second;
      }
    }
  });
}

// a < b in the order of kernels/sort.h (NaN after every number)
template <typename T>
inline bool less(T a, T b) {
  if (is_nan(a)) return false;
  return is_nan(b) || a < b;
}

template <typename T>
void searchsorted_t(int64_t rows, int64_t S, int64_t V, const T* seq, const T* values,
                    bool right, int64_t* out) {
  parallel_for(0, rows * V, 2048, [&](int64_t b, int64_t e) {
    for (int64_t k = b; k < e; ++k) {
      const T* row = seq + (k / V) * S;
      const T v = values[k];
      int64_t lo = 0, hi = S;  // the answer is in [lo, hi]
      while (lo < hi) {
        const int64_t mid = lo + (hi - lo) / 2;
        if (right ? !less(v, row[mid]) : less(row[mid], v)) lo = mid + 1;
        else hi = mid;
      }
      out[k] = lo;
    }
  });
}

}  // namespace

void sort(DType dt, int64_t O, int64_t R, int64_t I, int64_t k, bool descending, const void* x,
          void* values, int64_t* indices) {
  LAMINA_DISPATCH_NUMERIC(dt, "sort", [&] {
    typed_call<scalar_t>(sort_t<scalar_t>, O, R, I, k, descending, x, values, indices);
  });
}

void searchsorted(DType dt, int64_t rows, int64_t S, int64_t V, const void* seq,
                  const void* values, bool right, int64_t* out) {
  LAMINA_DISPATCH_NUMERIC(dt, "searchsorted", [&] {
    typed_call<scalar_t>(searchsorted_t<scalar_t>, rows, S, V, seq, values, right, out);
  });
}

}  // namespace lamina::cpu
