// CUDA runtime facts and plumbing: build info, device queries, device selection, copies.
// Nothing here runs at import: the driver is first touched by device_count() or later calls.
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <string>

#include "../core/device_runtime.h"
#include "cuda_utils.cuh"

#ifndef LAMINA_CUDA_ARCHS
#define LAMINA_CUDA_ARCHS "unknown"
#endif

namespace lamina::cuda {

bool compiled() { return true; }

void check_launch(const char* kernel) {
  static const bool sync = [] {
    const char* e = std::getenv("LAMINA_CUDA_SYNC");
    return e && e[0] && std::strcmp(e, "0") != 0;
  }();
  cudaError_t err = cudaGetLastError();
  if (err == cudaSuccess && sync) err = cudaDeviceSynchronize();
  if (err != cudaSuccess)
    throw std::runtime_error(std::string("[cuda] kernel ") + kernel + ": " +
                             cudaGetErrorName(err) + ": " + cudaGetErrorString(err));
}

#ifdef LAMINA_CUDA_SIM
const char* backend() { return "simulator"; }
#else
const char* backend() { return "cuda"; }
#endif

// CMake passes the list with commas (a ';' would split the definition); give it back in the
// CMAKE_CUDA_ARCHITECTURES spelling.
std::string compiled_archs() {
  std::string s = LAMINA_CUDA_ARCHS;
  for (char& c : s)
    if (c == ',') c = ';';
  return s.empty() ? "unknown" : s;
}

int runtime_version() { return CUDART_VERSION; }

int device_count(std::string* why_none) {
  int n = 0;
  cudaError_t err = cudaGetDeviceCount(&n);
  cudaGetLastError();  // leave no error behind for the next checked call
  std::string why;
  if (err != cudaSuccess) {
    n = 0;
    std::string detail = std::string(" (") + cudaGetErrorName(err) + ": " +
                         cudaGetErrorString(err) + ")";
    if (err == cudaErrorInsufficientDriver)
      why = "no CUDA driver found" + detail;
    else if (err == cudaErrorNoDevice)
      why = "no CUDA device" + detail;
    else
      why = "CUDA is unavailable" + detail;
  } else if (n <= 0) {
    n = 0;
    why = "no CUDA device";
  }
  if (why_none) *why_none = why;
  return n;
}

std::string device_name(int device) {
  cudaDeviceProp prop;
  LAMINA_CUDA_CHECK(cudaGetDeviceProperties(&prop, device));
  return prop.name;
}

// Ask the runtime for the current device every time (cudaGetDevice is a cheap host-side
// query): other libraries in the process (torch, cupy) may have switched it.
void set_device(int device) {
  int current = -1;
  LAMINA_CUDA_CHECK(cudaGetDevice(&current));
  if (current != device) LAMINA_CUDA_CHECK(cudaSetDevice(device));
}

void synchronize(int device) {
  set_device(device);
  LAMINA_CUDA_CHECK(cudaDeviceSynchronize());
}

void memcpy_h2d(void* dst, const void* src, int64_t nbytes) {
  if (nbytes <= 0) return;
  LAMINA_CUDA_CHECK(cudaMemcpy(dst, src, static_cast<size_t>(nbytes), cudaMemcpyHostToDevice));
}

void memcpy_d2h(void* dst, const void* src, int64_t nbytes) {
  if (nbytes <= 0) return;
  LAMINA_CUDA_CHECK(cudaMemcpy(dst, src, static_cast<size_t>(nbytes), cudaMemcpyDeviceToHost));
}

void memcpy_d2d(void* dst, const void* src, int64_t nbytes) {
  if (nbytes <= 0) return;
  LAMINA_CUDA_CHECK(cudaMemcpy(dst, src, static_cast<size_t>(nbytes), cudaMemcpyDeviceToDevice));
}

}  // namespace lamina::cuda
