#pragma once
// What core/, ops/ and the bindings need from the CUDA runtime, declared here so that core/
// includes no backend. Implemented by cuda/runtime.cu and cuda/allocator.cu (a real CUDA or a
// simulator build) or by cuda/stubs.cpp (a CPU-only build: queries answer "no CUDA", the rest
// throws). Everything runs on the current device on the legacy default stream.
#include <cstdint>
#include <memory>
#include <string>

namespace lamina::cuda {

bool compiled();                 // true in a CUDA or simulator build
const char* backend();           // "cuda", "simulator", or "" in a CPU-only build
std::string compiled_archs();    // e.g. "80-real;90-real;90-virtual"
int runtime_version();           // CUDA runtime version compiled in (e.g. 13000), 0 without CUDA
int device_count(std::string* why_none);  // 0 with a reason when no device can be used
std::string device_name(int device);
void set_device(int device);
void synchronize(int device);
void memcpy_h2d(void* dst, const void* src, int64_t nbytes);
void memcpy_d2h(void* dst, const void* src, int64_t nbytes);
void memcpy_d2d(void* dst, const void* src, int64_t nbytes);

// The caching allocator (cuda/allocator.cu); LAMINA_CUDA_NO_CACHE=1 turns caching off.
std::shared_ptr<void> allocate(int64_t nbytes, int device);
void empty_cache();
int64_t memory_allocated(int device);  // bytes handed out and not yet freed
int64_t memory_reserved(int device);   // bytes held from cudaMalloc, cached or in use

}  // namespace lamina::cuda
