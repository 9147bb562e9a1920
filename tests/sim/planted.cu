// Kernels for tests/test_simulator.py: correct ones that must run clean and compute the right
// answer, and planted bugs that a simulator detector must catch. Built with g++ against
// csrc/cuda/sim (plain, -fsanitize=thread, -fsanitize=address); `planted CASE` runs one case
// and exits 0 when it behaved as expected (bugs that the simulator itself reports abort).
#include <cuda_runtime.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#define LAUNCH(k, grid, block, smem, ...) ::lamina::sim::launch(#k, k, grid, block, smem, __VA_ARGS__)

namespace {

int failures = 0;
void expect(bool ok, const char* what) {
  std::printf("%s: %s\n", ok ? "PASS" : "FAIL", what);
  if (!ok) ++failures;
}

template <typename T>
T* device_copy(const std::vector<T>& h) {
  T* d = nullptr;
  cudaMalloc(&d, h.size() * sizeof(T));
  cudaMemcpy(d, h.data(), h.size() * sizeof(T), cudaMemcpyHostToDevice);
  return d;
}
template <typename T>
std::vector<T> host_copy(const T* d, size_t n) {
  std::vector<T> h(n);
  cudaMemcpy(h.data(), d, n * sizeof(T), cudaMemcpyDeviceToHost);
  return h;
}

// ---- block reduction with warp shuffles (the shape of cuda_utils.cuh's block_reduce) -------
template <typename V>
__device__ V block_sum(V v) {
  __shared__ V sm[32];
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
  __syncthreads();  // sm may still be read by the previous call
  if (lane == 0) sm[warp] = v;
  __syncthreads();
  v = lane < static_cast<int>(blockDim.x >> 5) ? sm[lane] : V(0);
  for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(0xffffffffu, v, o);
  return v;
}

// x (R, C) -> out (R) row sums; block-stride over rows, so block_sum runs several times.
__global__ void row_sums(const float* x, int64_t R, int64_t C, double* out) {
  for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    double s = 0;
    for (int64_t c = threadIdx.x; c < C; c += blockDim.x) s += x[r * C + c];
    s = block_sum(s);
    if (threadIdx.x == 0) out[r] = s;
  }
}

// Each lane's results of the other shuffles: out (32 lanes, 5).
__global__ void shuffle_kinds(int* out) {
  const int lane = threadIdx.x;
  const int v = 100 + lane;
  int* o = out + 5 * lane;
  o[0] = __shfl_sync(0xffffffffu, v, lane + 3);          // lane + 3 mod 32
  o[1] = __shfl_up_sync(0xffffffffu, v, 2);              // own value below lane 2
  o[2] = __shfl_down_sync(0xffffffffu, v, 5, 16);        // within 16-lane segments
  o[3] = __shfl_xor_sync(0xffffffffu, v, 1, 8);
  o[4] = static_cast<int>(__ballot_sync(0xffffffffu, lane % 3 == 0));
}

void case_reduce() {
  for (int threads : {96, 256, 1024}) {
    const int64_t R = 7, C = 1000;
    std::vector<float> x(R * C);
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 37 % 101) - 50) / 8;
    float* dx = device_copy(x);
    double* dout = nullptr;
    cudaMalloc(&dout, R * sizeof(double));
    LAUNCH(row_sums, 3, threads, 0, dx, R, C, dout);
    expect(cudaGetLastError() == cudaSuccess, "row_sums launch");
    std::vector<double> out = host_copy(dout, R);
    bool ok = true;
    for (int64_t r = 0; r < R; ++r) {
      double ref = 0;
      for (int64_t c = 0; c < C; ++c) ref += x[r * C + c];
      ok = ok && std::fabs(out[r] - ref) <= 1e-9 * (1 + std::fabs(ref));
    }
    expect(ok, ("block reduction with shuffles, " + std::to_string(threads) + " threads").c_str());
    cudaFree(dx);
    cudaFree(dout);
  }
  int* dout = nullptr;
  cudaMalloc(&dout, 32 * 5 * sizeof(int));
  LAUNCH(shuffle_kinds, 1, 32, 0, dout);
  std::vector<int> o = host_copy(dout, 32 * 5);
  bool ok = true;
  unsigned ballot = 0;
  for (int l = 0; l < 32; ++l) ballot |= (l % 3 == 0 ? 1u : 0u) << l;
  for (int l = 0; l < 32; ++l) {
    const int* r = &o[5 * l];
    ok = ok && r[0] == 100 + (l + 3) % 32;
    ok = ok && r[1] == 100 + (l >= 2 ? l - 2 : l);
    ok = ok && r[2] == 100 + ((l % 16) + 5 < 16 ? l + 5 : l);
    ok = ok && r[3] == 100 + (l ^ 1);
    ok = ok && static_cast<unsigned>(r[4]) == ballot;
  }
  expect(ok, "__shfl_sync / up / down (width 16) / xor (width 8) / __ballot_sync");
  cudaFree(dout);
}

// ---- tiled shared-memory transpose; SYNC = false is the planted missing barrier -------------
template <bool SYNC>
__global__ void transpose(const float* in, float* out, int rows, int cols) {
  __shared__ float tile[32][33];
  const int x = blockIdx.x * 32 + threadIdx.x, y0 = blockIdx.y * 32;
  for (int j = threadIdx.y; j < 32; j += blockDim.y)
    if (x < cols && y0 + j < rows) tile[j][threadIdx.x] = in[(y0 + j) * cols + x];
  if (SYNC) __syncthreads();
  const int ox = blockIdx.y * 32 + threadIdx.x, x0 = blockIdx.x * 32;
  for (int j = threadIdx.y; j < 32; j += blockDim.y)
    if (ox < rows && x0 + j < cols) out[(x0 + j) * rows + ox] = tile[threadIdx.x][j];
}

template <bool SYNC>
bool run_transpose(int rows, int cols) {
  std::vector<float> in(rows * cols);
  for (size_t i = 0; i < in.size(); ++i) in[i] = static_cast<float>(i);
  float* din = device_copy(in);
  float* dout = nullptr;
  cudaMalloc(&dout, in.size() * sizeof(float));
  LAUNCH(transpose<SYNC>, dim3((cols + 31) / 32, (rows + 31) / 32), dim3(32, 8), 0, din, dout,
         rows, cols);
  std::vector<float> out = host_copy(dout, in.size());
  bool ok = true;
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) ok = ok && out[c * rows + r] == in[r * cols + c];
  cudaFree(din);
  cudaFree(dout);
  return ok;
}

// ---- TF32 tensor-core mma, one warp: D (16x8) = A (16x8) B (8x8) + C ------------------------
__global__ void mma_tile(const float* A, const float* B, const float* C, float* D, bool round) {
  const int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
  auto op = [&](float v) {
    return __float_as_uint(round ? ::lamina::sim::cvt_rna_tf32(v) : v);
  };
  const uint32_t a[4] = {op(A[g * 8 + t]), op(A[(g + 8) * 8 + t]), op(A[g * 8 + t + 4]),
                         op(A[(g + 8) * 8 + t + 4])};
  const uint32_t b[2] = {op(B[t * 8 + g]), op(B[(t + 4) * 8 + g])};
  float c[4] = {C[g * 8 + 2 * t], C[g * 8 + 2 * t + 1], C[(g + 8) * 8 + 2 * t],
                C[(g + 8) * 8 + 2 * t + 1]};
  ::lamina::sim::mma_m16n8k8_tf32(c, a, b, c);
  D[g * 8 + 2 * t] = c[0];
  D[g * 8 + 2 * t + 1] = c[1];
  D[(g + 8) * 8 + 2 * t] = c[2];
  D[(g + 8) * 8 + 2 * t + 1] = c[3];
}

float bits_to_float(uint32_t u) { float f; std::memcpy(&f, &u, 4); return f; }

void case_mma() {
  using ::lamina::sim::cvt_rna_tf32;
  // cvt.rna: to nearest, ties away from zero, 10 mantissa bits
  const float one = 1.0f, ulp = std::ldexp(1.0f, -10), half = std::ldexp(1.0f, -11);
  expect(cvt_rna_tf32(one + half) == one + ulp, "cvt.rna: a tie rounds away from zero (+)");
  expect(cvt_rna_tf32(-(one + half)) == -(one + ulp), "cvt.rna: a tie rounds away from zero (-)");
  expect(cvt_rna_tf32(one + 3 * half) == one + 2 * ulp, "cvt.rna: tie at an odd ulp: away, not even");
  expect(cvt_rna_tf32(std::nextafter(one + half, 0.f)) == one, "cvt.rna: below a tie rounds down");
  expect(std::isinf(cvt_rna_tf32(bits_to_float(0x7f7fffffu))), "cvt.rna: FLT_MAX rounds to inf");
  expect(std::isinf(cvt_rna_tf32(INFINITY)), "cvt.rna: inf stays inf");
  expect(std::isnan(cvt_rna_tf32(bits_to_float(0x7f800001u))), "cvt.rna: a NaN stays a NaN");

  std::vector<float> A(128), B(64), C(128);
  unsigned s = 12345;
  auto rnd = [&] { s = s * 1664525u + 1013904223u; return static_cast<float>(s >> 8) / (1 << 24) * 2 - 1; };
  for (float& v : A) v = rnd();
  for (float& v : B) v = rnd();
  for (float& v : C) v = rnd();
  float *dA = device_copy(A), *dB = device_copy(B), *dC = device_copy(C), *dD = nullptr;
  cudaMalloc(&dD, 128 * sizeof(float));
  for (bool round : {true, false}) {
    LAUNCH(mma_tile, 1, 32, 0, dA, dB, dC, dD, round);
    std::vector<float> D = host_copy(dD, 128);
    double worst = 0;
    for (int m = 0; m < 16; ++m)
      for (int n = 0; n < 8; ++n) {
        // float64 reference: operands rounded to TF32 by cvt.rna, or (round = false) the
        // hardware's truncation of un-rounded operands
        auto tf = [&](float v) {
          return round ? static_cast<double>(cvt_rna_tf32(v))
                       : static_cast<double>(bits_to_float(__float_as_uint(v) & 0xffffe000u));
        };
        double ref = C[m * 8 + n], mag = std::fabs(ref);
        for (int k = 0; k < 8; ++k) {
          ref += tf(A[m * 8 + k]) * tf(B[k * 8 + n]);
          mag += std::fabs(tf(A[m * 8 + k]) * tf(B[k * 8 + n]));
        }
        worst = std::fmax(worst, std::fabs(D[m * 8 + n] - ref) / mag);
      }
    expect(worst <= std::ldexp(1.0, -23), round ? "mma.m16n8k8.tf32 vs float64 (cvt.rna operands)"
                                                : "mma.m16n8k8.tf32 truncates un-rounded operands");
  }
  // distinguish the fragment layout from its transpose: A with one non-zero (m=3, k=6)
  std::vector<float> A1(128, 0.f), B1(64, 0.f), Z(128, 0.f);
  A1[3 * 8 + 6] = 2.f;
  B1[6 * 8 + 5] = 3.f;
  float *dA1 = device_copy(A1), *dB1 = device_copy(B1), *dZ = device_copy(Z);
  LAUNCH(mma_tile, 1, 32, 0, dA1, dB1, dZ, dD, true);
  std::vector<float> D = host_copy(dD, 128);
  bool only = true;
  for (int i = 0; i < 128; ++i) only = only && D[i] == (i == 3 * 8 + 5 ? 6.f : 0.f);
  expect(only, "mma fragment layout: A[3][6] * B[6][5] lands in D[3][5] only");
}

// ---- atomics from every block (workers run blocks in parallel) -------------------------------
__global__ void atomics(float* f, double* d, unsigned long long* u, int* i) {
  atomicAdd(f, 1.0f);
  atomicAdd(d, 0.5);
  atomicAdd(u, 2ull);
  atomicAdd(i, -1);
}

void case_atomics() {
  float* f; double* d; unsigned long long* u; int* i;
  cudaMalloc(&f, 4); cudaMalloc(&d, 8); cudaMalloc(&u, 8); cudaMalloc(&i, 4);
  cudaMemset(f, 0, 4); cudaMemset(d, 0, 8); cudaMemset(u, 0, 8); cudaMemset(i, 0, 4);
  LAUNCH(atomics, 40, 128, 0, f, d, u, i);
  const int n = 40 * 128;
  expect(host_copy(f, 1)[0] == n && host_copy(d, 1)[0] == 0.5 * n &&
             host_copy(u, 1)[0] == 2ull * n && host_copy(i, 1)[0] == -n,
         "atomicAdd float / double / unsigned long long / int over 40 blocks");
}

// ---- early exit: exited threads no longer count at __syncthreads ----------------------------
__global__ void early_exit(int* out, int n) {
  __shared__ int acc[256];
  const int t = threadIdx.x;
  if (t >= n) return;
  acc[t] = t;
  for (int s = 1; s < n; s <<= 1) {
    __syncthreads();
    const int v = t >= s ? acc[t - s] : 0;
    __syncthreads();
    acc[t] += v;
  }
  out[t] = acc[t];
}

// ---- planted: global off-by-one write --------------------------------------------------------
template <bool BUG>
__global__ void iota(int* out, int n) {
  const int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (BUG ? i <= n : i < n) out[i] = i;
}

// ---- planted: two blocks write one global word without atomics --------------------------------
__global__ void global_race(int* out) { out[0] = static_cast<int>(blockIdx.x); }

// ---- which thread ran first: depends on the seeded resume order -------------------------------
__global__ void who_first(int* out, int k) {
  __shared__ int flag;
  if (threadIdx.x == 0) flag = 0;
  __syncthreads();
  if (threadIdx.x == 1) flag = 1;
  if (threadIdx.x == 2) out[k] = flag;
}

// ---- planted misuse the scheduler reports -----------------------------------------------------
__global__ void divergent_wait(int* out) {
  const int lane = threadIdx.x & 31;
  if (lane < 16) __syncthreads();
  else out[lane] = __shfl_xor_sync(0xffffffffu, lane, 1);
}
__global__ void disagree(int* out) {
  const int lane = threadIdx.x;
  out[lane] = __shfl_xor_sync(lane < 16 ? 0x0000ffffu : 0xffffffffu, lane, 1);
}
__global__ void trap_kernel(int* out) {
  if (threadIdx.x == 5) __trap();
  out[threadIdx.x] = 1;
}
__global__ void dyn_smem_kernel(int* out) {
  int* s = static_cast<int*>(::lamina::sim::dynamic_smem());
  s[threadIdx.x] = static_cast<int>(threadIdx.x);
  __syncthreads();
  out[threadIdx.x] = s[blockDim.x - 1 - threadIdx.x];
}

bool launch_fails(cudaError_t want, const char* needle) {
  const cudaError_t e = cudaGetLastError();
  const std::string msg = cudaGetErrorString(e);
  std::printf("  -> %s: %s\n", cudaGetErrorName(e), msg.c_str());
  return e == want && (!needle || msg.find(needle) != std::string::npos) &&
         cudaGetLastError() == cudaSuccess;  // read and cleared
}

void case_launch_limits() {
  int* out = nullptr;
  cudaMalloc(&out, 1024 * sizeof(int));
  LAUNCH(dyn_smem_kernel, 1, 1025, 0, out);
  expect(launch_fails(cudaErrorInvalidConfiguration, "dyn_smem_kernel"), "1025 threads per block");
  LAUNCH(dyn_smem_kernel, 1, dim3(1, 1, 65), 0, out);
  expect(launch_fails(cudaErrorInvalidConfiguration, "block.z"), "block.z = 65");
  LAUNCH(dyn_smem_kernel, dim3(1, 65536), 32, 0, out);
  expect(launch_fails(cudaErrorInvalidConfiguration, "grid.y"), "grid.y = 65536");
  LAUNCH(dyn_smem_kernel, dim3(0), 32, 0, out);
  expect(launch_fails(cudaErrorInvalidConfiguration, nullptr), "empty grid");
  LAUNCH(dyn_smem_kernel, 1, 64, 48 * 1024 + 4, out);
  expect(launch_fails(cudaErrorInvalidValue, "dyn_smem_kernel"), "48 KiB + 4 B without the attribute");
  expect(cudaFuncSetAttribute(dyn_smem_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                              232448) == cudaSuccess, "raise the limit to 227 KiB");
  LAUNCH(dyn_smem_kernel, 1, 64, 232448, out);
  std::vector<int> o = host_copy(out, 64);
  expect(cudaGetLastError() == cudaSuccess && o[0] == 63 && o[63] == 0,
         "227 KiB of dynamic shared memory after cudaFuncSetAttribute");
  expect(cudaFuncSetAttribute(dyn_smem_kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                              232449) == cudaErrorInvalidValue, "attribute above 227 KiB refused");
  cudaGetLastError();
  LAUNCH(dyn_smem_kernel, 1, 64, 232449, out);
  expect(launch_fails(cudaErrorInvalidValue, "232449"), "232449 B of dynamic shared memory");
  int dev = -1, sms = 0, major = 0, optin = 0;
  cudaGetDevice(&dev);
  cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, dev);
  cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, dev);
  cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, dev);
  expect(sms == 132 && major == 9 && optin == 232448, "H100 properties");
  void* p = nullptr;
  cudaMalloc(&p, 16);
  cudaFree(p);
  expect(cudaFree(p) == cudaErrorInvalidValue, "double cudaFree is an error");
  cudaGetLastError();
}

}  // namespace

int main(int argc, char** argv) {
  const std::string c = argc > 1 ? argv[1] : "";
  if (c == "reduce") {
    case_reduce();
  } else if (c == "transpose") {
    expect(run_transpose<true>(70, 45), "tiled transpose 70 x 45");
    expect(run_transpose<true>(1, 33), "tiled transpose 1 x 33");
  } else if (c == "mma") {
    case_mma();
  } else if (c == "atomics") {
    case_atomics();
  } else if (c == "early_exit") {
    int* out = nullptr;
    cudaMalloc(&out, 256 * sizeof(int));
    LAUNCH(early_exit, 1, 256, 0, out, 100);
    std::vector<int> o = host_copy(out, 100);
    bool ok = true;
    for (int t = 0; t < 100; ++t) ok = ok && o[t] == t * (t + 1) / 2;
    expect(ok, "prefix sum where 156 of 256 threads exit before the barriers");
  } else if (c == "launch_limits") {
    case_launch_limits();
  } else if (c == "order") {  // prints which of threads 1, 2 ran first in each of 64 launches
    int* out = nullptr;
    cudaMalloc(&out, 64 * sizeof(int));
    for (int k = 0; k < 64; ++k) LAUNCH(who_first, 1, 64, 0, out, k);
    for (int v : host_copy(out, 64)) std::printf("%d", v);
    std::printf("\n");
  } else if (c == "race_smem") {  // planted: transpose without its barrier
    run_transpose<false>(64, 64);
  } else if (c == "race_global") {  // planted: blocks race on one word
    int* out = nullptr;
    cudaMalloc(&out, sizeof(int));
    LAUNCH(global_race, 2, 1, 0, out);
  } else if (c == "oob" || c == "oob_fixed") {  // planted: i <= n
    const int n = 1000;
    int* out = nullptr;
    cudaMalloc(&out, n * sizeof(int));
    if (c == "oob") LAUNCH(iota<true>, (n + 255) / 256, 256, 0, out, n);
    else LAUNCH(iota<false>, (n + 255) / 256, 256, 0, out, n);
    std::vector<int> o = host_copy(out, n);
    expect(o[n - 1] == n - 1, "iota");
  } else if (c == "partial_warp") {  // planted: full-mask shuffles in a 48-thread block
    const int64_t R = 2, C = 100;
    std::vector<float> x(R * C, 1.f);
    float* dx = device_copy(x);
    double* dout = nullptr;
    cudaMalloc(&dout, R * sizeof(double));
    LAUNCH(row_sums, 1, 48, 0, dx, R, C, dout);
  } else if (c == "smem_over") {  // planted: 64 KiB dynamic shared memory, limit not raised
    int* out = nullptr;
    cudaMalloc(&out, 64 * sizeof(int));
    LAUNCH(dyn_smem_kernel, 1, 64, 64 * 1024, out);
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) {
      std::printf("launch error %s: %s\n", cudaGetErrorName(e), cudaGetErrorString(e));
      return 3;
    }
  } else if (c == "deadlock") {
    int* out = nullptr;
    cudaMalloc(&out, 32 * sizeof(int));
    LAUNCH(divergent_wait, 1, 32, 0, out);
  } else if (c == "disagree") {
    int* out = nullptr;
    cudaMalloc(&out, 32 * sizeof(int));
    LAUNCH(disagree, 1, 32, 0, out);
  } else if (c == "mma_partial") {
    std::vector<float> z(128, 0.f);
    float* dz = device_copy(z);
    LAUNCH(mma_tile, 1, 16, 0, dz, dz, dz, dz, true);
  } else if (c == "trap") {
    int* out = nullptr;
    cudaMalloc(&out, 32 * sizeof(int));
    LAUNCH(trap_kernel, 1, 32, 0, out);
  } else {
    std::fprintf(stderr, "unknown case '%s'\n", c.c_str());
    return 2;
  }
  return failures ? 1 : 0;
}
