#include "matmul.h"

#include <vector>

#include "../core/parallel.h"

namespace lamina::cpu {

void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C) {
  LAMINA_DISPATCH_NUMERIC(dt, "matmul", [&] {
    auto* a = static_cast<const scalar_t*>(A);
    auto* b = static_cast<const scalar_t*>(B);
    auto* c = static_cast<scalar_t*>(C);
    int64_t rows = batch * M;
    int64_t grain = std::max<int64_t>(1, 65536 / std::max<int64_t>(1, N * K));
    parallel_for(0, rows, grain, [&](int64_t lo, int64_t hi) {
      std::vector<scalar_t> brow;  // a contiguous copy of a B row when B is strided along N
      for (int64_t r = lo; r < hi; ++r) {
        int64_t bi = r / M, i = r % M;
        scalar_t* crow = c + r * N;
        for (int64_t j = 0; j < N; ++j) crow[j] = scalar_t(0);
        const scalar_t* arow = a + bi * sab + i * sam;
        for (int64_t k = 0; k < K; ++k) {
          scalar_t av = arow[k * sak];
          const scalar_t* bk = b + bi * sbb + k * sbk;
          if (sbn == 1) {
            for (int64_t j = 0; j < N; ++j) crow[j] += av * bk[j];
          } else {
            for (int64_t j = 0; j < N; ++j) crow[j] += av * bk[j * sbn];
          }
        }
      }
    });
  });
}

}  // namespace lamina::cpu
