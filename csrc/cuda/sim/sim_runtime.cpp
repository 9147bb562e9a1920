// The CUDA runtime API of the simulator (declared in sim_api.h): errors, devices, memory,
// streams and events.
//
// Device memory comes from the host heap with the exact size requested (posix_memalign,
// 256-byte aligned like cudaMalloc), so an AddressSanitizer build reports kernel accesses past
// an allocation; fresh allocations are filled with 0xff bytes (NaN for floats) unless
// LAMINA_SIM_POISON=0, so reading memory nothing wrote shows. Copies and memsets check that
// their device range lies inside one live allocation. Work is finished when issued (launches
// are synchronous), so synchronisation calls only validate their handles.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "sim_internal.h"

namespace lamina::sim {
namespace {

thread_local cudaError_t tls_last = cudaSuccess;
thread_local cudaError_t tls_detail_code = cudaSuccess;
thread_local std::string* tls_detail = nullptr;
thread_local int tls_device = 0;

std::mutex g_mem_mu;
std::map<uintptr_t, size_t>& allocations() {  // base -> bytes
  static auto* m = new std::map<uintptr_t, size_t>();
  return *m;
}
size_t g_allocated = 0;

std::mutex g_handle_mu;
std::set<const void*>& handles() {  // live streams and events
  static auto* s = new std::set<const void*>();
  return *s;
}

int device_count() {
  static const int n = [] {
    const char* e = std::getenv("LAMINA_SIM_DEVICES");
    const int v = e && *e ? std::atoi(e) : 1;
    return v < 1 ? 1 : (v > 8 ? 8 : v);
  }();
  return n;
}

// True when [p, p + n) lies inside one live cudaMalloc allocation.
bool device_range(const void* p, size_t n) {
  const uintptr_t a = reinterpret_cast<uintptr_t>(p);
  std::lock_guard<std::mutex> lock(g_mem_mu);
  auto it = allocations().upper_bound(a);
  if (it == allocations().begin()) return false;
  --it;
  return a >= it->first && a - it->first <= it->second && n <= it->second - (a - it->first);
}

bool valid_stream(cudaStream_t s) {
  if (s == nullptr || s == cudaStreamLegacy || s == cudaStreamPerThread) return true;
  std::lock_guard<std::mutex> lock(g_handle_mu);
  return handles().count(s) != 0;
}

cudaError_t range_error(const char* call, const void* p, size_t n) {
  char buf[256];
  std::snprintf(buf, sizeof buf,
                "invalid argument (lamina sim: %s: device range [%p, +%zu) is not inside one "
                "live cudaMalloc allocation)", call, p, n);
  return record_error(cudaErrorInvalidValue, buf);
}

}  // namespace

bool poison_enabled() {
  static const bool on = [] {
    const char* e = std::getenv("LAMINA_SIM_POISON");
    return !(e && std::strcmp(e, "0") == 0);
  }();
  return on;
}

cudaError_t record_error(cudaError_t err, const std::string& detail) {
  if (err == cudaSuccess) return err;
  tls_last = err;
  if (!tls_detail) tls_detail = new std::string();
  *tls_detail = detail;
  tls_detail_code = err;
  return err;
}

void clear_error_detail() {
  if (tls_detail) tls_detail->clear();
}

}  // namespace lamina::sim

using namespace lamina::sim;

// --- errors ---
cudaError_t cudaGetLastError() {
  const cudaError_t e = tls_last;
  tls_last = cudaSuccess;
  return e;
}
cudaError_t cudaPeekAtLastError() { return tls_last; }

const char* cudaGetErrorString(cudaError_t err) {
  if (tls_detail && !tls_detail->empty() && err == tls_detail_code) return tls_detail->c_str();
  return lamina::sim::error_string(err);
}

const char* lamina::sim::error_string(cudaError_t err) {
  switch (err) {
    case cudaSuccess: return "no error";
    case cudaErrorInvalidValue: return "invalid argument";
    case cudaErrorMemoryAllocation: return "out of memory";
    case cudaErrorInitializationError: return "initialization error";
    case cudaErrorInvalidConfiguration: return "invalid configuration argument";
    case cudaErrorInvalidMemcpyDirection: return "invalid copy direction for memcpy";
    case cudaErrorInsufficientDriver:
      return "CUDA driver version is insufficient for CUDA runtime version";
    case cudaErrorInvalidDeviceFunction: return "invalid device function";
    case cudaErrorNoDevice: return "no CUDA-capable device is detected";
    case cudaErrorInvalidDevice: return "invalid device ordinal";
    case cudaErrorInvalidResourceHandle: return "invalid resource handle";
    case cudaErrorNotReady: return "device not ready";
    case cudaErrorIllegalAddress: return "an illegal memory access was encountered";
    case cudaErrorLaunchOutOfResources: return "too many resources requested for launch";
    case cudaErrorAssert: return "device-side assert triggered";
    case cudaErrorIllegalInstruction: return "an illegal instruction was encountered";
    case cudaErrorLaunchFailure: return "unspecified launch failure";
    case cudaErrorNotSupported: return "operation not supported";
    case cudaErrorUnknown: return "unknown error";
  }
  return "unrecognized error code";
}

const char* cudaGetErrorName(cudaError_t err) {
  switch (err) {
#define LAMINA_SIM_NAME(e) case e: return #e;
    LAMINA_SIM_NAME(cudaSuccess) LAMINA_SIM_NAME(cudaErrorInvalidValue)
    LAMINA_SIM_NAME(cudaErrorMemoryAllocation) LAMINA_SIM_NAME(cudaErrorInitializationError)
    LAMINA_SIM_NAME(cudaErrorInvalidConfiguration) LAMINA_SIM_NAME(cudaErrorInvalidMemcpyDirection)
    LAMINA_SIM_NAME(cudaErrorInsufficientDriver) LAMINA_SIM_NAME(cudaErrorInvalidDeviceFunction)
    LAMINA_SIM_NAME(cudaErrorNoDevice) LAMINA_SIM_NAME(cudaErrorInvalidDevice)
    LAMINA_SIM_NAME(cudaErrorInvalidResourceHandle) LAMINA_SIM_NAME(cudaErrorNotReady)
    LAMINA_SIM_NAME(cudaErrorIllegalAddress) LAMINA_SIM_NAME(cudaErrorLaunchOutOfResources)
    LAMINA_SIM_NAME(cudaErrorAssert) LAMINA_SIM_NAME(cudaErrorIllegalInstruction)
    LAMINA_SIM_NAME(cudaErrorLaunchFailure) LAMINA_SIM_NAME(cudaErrorNotSupported)
    LAMINA_SIM_NAME(cudaErrorUnknown)
#undef LAMINA_SIM_NAME
  }
  return "cudaErrorUnknown";
}

// --- versions, devices ---
cudaError_t cudaRuntimeGetVersion(int* v) {
  if (!v) return record_error(cudaErrorInvalidValue);
  *v = CUDART_VERSION;
  return cudaSuccess;
}
cudaError_t cudaDriverGetVersion(int* v) { return cudaRuntimeGetVersion(v); }

cudaError_t cudaGetDeviceCount(int* n) {
  if (!n) return record_error(cudaErrorInvalidValue);
  *n = device_count();
  return cudaSuccess;
}
cudaError_t cudaGetDevice(int* d) {
  if (!d) return record_error(cudaErrorInvalidValue);
  *d = tls_device;
  return cudaSuccess;
}
cudaError_t cudaSetDevice(int d) {
  if (d < 0 || d >= device_count()) return record_error(cudaErrorInvalidDevice);
  tls_device = d;
  return cudaSuccess;
}
cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }

cudaError_t cudaDeviceReset() {  // drops every allocation, as destroying the context does
  std::lock_guard<std::mutex> lock(g_mem_mu);
  for (auto& [base, bytes] : allocations()) std::free(reinterpret_cast<void*>(base));
  allocations().clear();
  g_allocated = 0;
  return cudaSuccess;
}

cudaError_t cudaGetDeviceProperties(cudaDeviceProp* p, int d) {
  if (!p) return record_error(cudaErrorInvalidValue);
  if (d < 0 || d >= device_count()) return record_error(cudaErrorInvalidDevice);
  *p = cudaDeviceProp{};
  std::snprintf(p->name, sizeof p->name, "lamina CUDA simulator (NVIDIA H100 limits, sm_90)");
  p->totalGlobalMem = limits::kGlobalBytes;
  p->sharedMemPerBlock = limits::kSharedPerBlock;
  p->sharedMemPerBlockOptin = limits::kSharedPerBlockOptin;
  p->sharedMemPerMultiprocessor = limits::kSharedPerSM;
  p->regsPerBlock = p->regsPerMultiprocessor = limits::kRegsPerBlock;
  p->warpSize = limits::kWarpSize;
  p->memPitch = 2147483647;
  p->maxThreadsPerBlock = limits::kMaxThreadsPerBlock;
  for (int i = 0; i < 3; ++i) {
    p->maxThreadsDim[i] = static_cast<int>(limits::kMaxBlockDim[i]);
    p->maxGridSize[i] = static_cast<int>(limits::kMaxGridDim[i]);
  }
  p->clockRate = 1980000;
  p->totalConstMem = 65536;
  p->major = limits::kMajor;
  p->minor = limits::kMinor;
  p->textureAlignment = 512;
  p->multiProcessorCount = limits::kSMs;
  p->canMapHostMemory = p->concurrentKernels = p->unifiedAddressing = p->managedMemory = 1;
  p->pciBusID = d;
  p->asyncEngineCount = 3;
  p->memoryClockRate = 2619000;
  p->memoryBusWidth = 5120;
  p->l2CacheSize = limits::kL2Bytes;
  p->maxThreadsPerMultiProcessor = limits::kMaxThreadsPerSM;
  p->maxBlocksPerMultiProcessor = 32;
  return cudaSuccess;
}

cudaError_t cudaDeviceGetAttribute(int* v, cudaDeviceAttr attr, int d) {
  if (!v) return record_error(cudaErrorInvalidValue);
  cudaDeviceProp p;
  if (cudaGetDeviceProperties(&p, d) != cudaSuccess) return cudaErrorInvalidDevice;
  switch (attr) {
    case cudaDevAttrMaxThreadsPerBlock: *v = p.maxThreadsPerBlock; break;
    case cudaDevAttrMaxBlockDimX: *v = p.maxThreadsDim[0]; break;
    case cudaDevAttrMaxBlockDimY: *v = p.maxThreadsDim[1]; break;
    case cudaDevAttrMaxBlockDimZ: *v = p.maxThreadsDim[2]; break;
    case cudaDevAttrMaxGridDimX: *v = p.maxGridSize[0]; break;
    case cudaDevAttrMaxGridDimY: *v = p.maxGridSize[1]; break;
    case cudaDevAttrMaxGridDimZ: *v = p.maxGridSize[2]; break;
    case cudaDevAttrMaxSharedMemoryPerBlock: *v = static_cast<int>(p.sharedMemPerBlock); break;
    case cudaDevAttrTotalConstantMemory: *v = static_cast<int>(p.totalConstMem); break;
    case cudaDevAttrWarpSize: *v = p.warpSize; break;
    case cudaDevAttrMaxRegistersPerBlock: *v = p.regsPerBlock; break;
    case cudaDevAttrClockRate: *v = p.clockRate; break;
    case cudaDevAttrMultiProcessorCount: *v = p.multiProcessorCount; break;
    case cudaDevAttrL2CacheSize: *v = p.l2CacheSize; break;
    case cudaDevAttrMaxThreadsPerMultiProcessor: *v = p.maxThreadsPerMultiProcessor; break;
    case cudaDevAttrComputeCapabilityMajor: *v = p.major; break;
    case cudaDevAttrComputeCapabilityMinor: *v = p.minor; break;
    case cudaDevAttrMaxSharedMemoryPerMultiprocessor:
      *v = static_cast<int>(p.sharedMemPerMultiprocessor);
      break;
    case cudaDevAttrMaxSharedMemoryPerBlockOptin:
      *v = static_cast<int>(p.sharedMemPerBlockOptin);
      break;
    default: return record_error(cudaErrorInvalidValue);
  }
  return cudaSuccess;
}

// --- memory ---
cudaError_t cudaMalloc(void** p, size_t n) {
  if (!p) return record_error(cudaErrorInvalidValue);
  *p = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_mem_mu);
    if (n > limits::kGlobalBytes - g_allocated) return record_error(cudaErrorMemoryAllocation);
  }
  void* q = nullptr;
  if (posix_memalign(&q, 256, n) != 0 || (!q && n)) return record_error(cudaErrorMemoryAllocation);
  if (!q) return cudaSuccess;  // zero bytes
  if (poison_enabled()) std::memset(q, 0xff, n);
  std::lock_guard<std::mutex> lock(g_mem_mu);
  allocations()[reinterpret_cast<uintptr_t>(q)] = n;
  g_allocated += n;
  *p = q;
  return cudaSuccess;
}

cudaError_t cudaFree(void* p) {
  if (!p) return cudaSuccess;
  {
    std::lock_guard<std::mutex> lock(g_mem_mu);
    auto it = allocations().find(reinterpret_cast<uintptr_t>(p));
    if (it == allocations().end()) {
      return record_error(cudaErrorInvalidValue,
                          "invalid argument (lamina sim: cudaFree of a pointer that is not a "
                          "live cudaMalloc allocation: freed twice, or never allocated)");
    }
    g_allocated -= it->second;
    allocations().erase(it);
  }
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMallocHost(void** p, size_t n) {
  if (!p) return record_error(cudaErrorInvalidValue);
  *p = std::malloc(n ? n : 1);
  return *p ? cudaSuccess : record_error(cudaErrorMemoryAllocation);
}
cudaError_t cudaHostAlloc(void** p, size_t n, unsigned) { return cudaMallocHost(p, n); }
cudaError_t cudaFreeHost(void* p) {
  std::free(p);
  return cudaSuccess;
}

cudaError_t cudaMemGetInfo(size_t* free_bytes, size_t* total_bytes) {
  if (!free_bytes || !total_bytes) return record_error(cudaErrorInvalidValue);
  std::lock_guard<std::mutex> lock(g_mem_mu);
  *total_bytes = limits::kGlobalBytes;
  *free_bytes = limits::kGlobalBytes - g_allocated;
  return cudaSuccess;
}

cudaError_t cudaPointerGetAttributes(cudaPointerAttributes* a, const void* p) {
  if (!a) return record_error(cudaErrorInvalidValue);
  *a = cudaPointerAttributes{cudaMemoryTypeUnregistered, -1, nullptr, nullptr};
  if (p && device_range(p, 0)) {
    a->type = cudaMemoryTypeDevice;
    a->device = 0;
    a->devicePointer = const_cast<void*>(p);
  }
  return cudaSuccess;
}

cudaError_t cudaMemcpy(void* dst, const void* src, size_t n, cudaMemcpyKind kind) {
  if (n == 0) return cudaSuccess;
  if (!dst || !src) return record_error(cudaErrorInvalidValue);
  if (kind == cudaMemcpyDefault) {
    kind = static_cast<cudaMemcpyKind>((device_range(src, n) ? 2 : 0) + (device_range(dst, n) ? 1 : 0));
  }
  const bool dst_dev = kind == cudaMemcpyHostToDevice || kind == cudaMemcpyDeviceToDevice;
  const bool src_dev = kind == cudaMemcpyDeviceToHost || kind == cudaMemcpyDeviceToDevice;
  if (kind < cudaMemcpyHostToHost || kind > cudaMemcpyDeviceToDevice)
    return record_error(cudaErrorInvalidMemcpyDirection);
  if (dst_dev && !device_range(dst, n)) return range_error("cudaMemcpy (destination)", dst, n);
  if (src_dev && !device_range(src, n)) return range_error("cudaMemcpy (source)", src, n);
  if (dst != src) std::memcpy(dst, src, n);  // overlapping ranges: ASan reports them
  return cudaSuccess;
}

cudaError_t cudaMemcpyAsync(void* dst, const void* src, size_t n, cudaMemcpyKind kind,
                            cudaStream_t s) {
  if (!valid_stream(s)) return record_error(cudaErrorInvalidResourceHandle);
  return cudaMemcpy(dst, src, n, kind);
}

cudaError_t cudaMemset(void* p, int v, size_t n) {
  if (n == 0) return cudaSuccess;
  if (!device_range(p, n)) return range_error("cudaMemset", p, n);
  std::memset(p, v, n);
  return cudaSuccess;
}

cudaError_t cudaMemsetAsync(void* p, int v, size_t n, cudaStream_t s) {
  if (!valid_stream(s)) return record_error(cudaErrorInvalidResourceHandle);
  return cudaMemset(p, v, n);
}

// --- streams and events ---
struct CUstream_st {
  unsigned flags;
};
struct CUevent_st {
  unsigned flags;
  bool recorded;
  std::chrono::steady_clock::time_point when;
};

namespace {
template <typename H>
H* add_handle(H* h) {
  std::lock_guard<std::mutex> lock(g_handle_mu);
  handles().insert(h);
  return h;
}
bool drop_handle(const void* h) {
  std::lock_guard<std::mutex> lock(g_handle_mu);
  return handles().erase(h) != 0;
}
bool live_event(cudaEvent_t e) {
  std::lock_guard<std::mutex> lock(g_handle_mu);
  return e && handles().count(e) != 0;
}
}  // namespace

cudaError_t cudaStreamCreate(cudaStream_t* s) { return cudaStreamCreateWithFlags(s, 0); }
cudaError_t cudaStreamCreateWithFlags(cudaStream_t* s, unsigned flags) {
  if (!s) return record_error(cudaErrorInvalidValue);
  *s = add_handle(new CUstream_st{flags});
  return cudaSuccess;
}
cudaError_t cudaStreamDestroy(cudaStream_t s) {
  if (!s || !drop_handle(s)) return record_error(cudaErrorInvalidResourceHandle);
  delete s;
  return cudaSuccess;
}
cudaError_t cudaStreamSynchronize(cudaStream_t s) {
  return valid_stream(s) ? cudaSuccess : record_error(cudaErrorInvalidResourceHandle);
}
cudaError_t cudaStreamQuery(cudaStream_t s) { return cudaStreamSynchronize(s); }
cudaError_t cudaStreamWaitEvent(cudaStream_t s, cudaEvent_t e, unsigned) {
  return valid_stream(s) && live_event(e) ? cudaSuccess
                                          : record_error(cudaErrorInvalidResourceHandle);
}

cudaError_t cudaEventCreate(cudaEvent_t* e) { return cudaEventCreateWithFlags(e, 0); }
cudaError_t cudaEventCreateWithFlags(cudaEvent_t* e, unsigned flags) {
  if (!e) return record_error(cudaErrorInvalidValue);
  *e = add_handle(new CUevent_st{flags, false, {}});
  return cudaSuccess;
}
cudaError_t cudaEventDestroy(cudaEvent_t e) {
  if (!e || !drop_handle(e)) return record_error(cudaErrorInvalidResourceHandle);
  delete e;
  return cudaSuccess;
}
cudaError_t cudaEventRecord(cudaEvent_t e, cudaStream_t s) {
  if (!live_event(e) || !valid_stream(s)) return record_error(cudaErrorInvalidResourceHandle);
  e->recorded = true;
  e->when = std::chrono::steady_clock::now();
  return cudaSuccess;
}
cudaError_t cudaEventQuery(cudaEvent_t e) {
  return live_event(e) ? cudaSuccess : record_error(cudaErrorInvalidResourceHandle);
}
cudaError_t cudaEventSynchronize(cudaEvent_t e) { return cudaEventQuery(e); }
cudaError_t cudaEventElapsedTime(float* ms, cudaEvent_t a, cudaEvent_t b) {
  if (!ms) return record_error(cudaErrorInvalidValue);
  if (!live_event(a) || !live_event(b) || !a->recorded || !b->recorded ||
      ((a->flags | b->flags) & cudaEventDisableTiming))
    return record_error(cudaErrorInvalidResourceHandle);
  *ms = std::chrono::duration<float, std::milli>(b->when - a->when).count();
  return cudaSuccess;
}
