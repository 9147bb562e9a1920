// The CUDA entry points of a CPU-only build, generated from the kernel contracts
// (kernels/<stem>.h): queries answer "no CUDA", every kernel throws "[name] lamina was built
// without CUDA". Compiled instead of the cuda/*.cu files when LAMINA_CUDA is OFF or no nvcc.
#include <atomic>
#include <stdexcept>

#include "../core/device_runtime.h"
#include "../kernels/attention.h"
#include "../kernels/batchnorm.h"
#include "../kernels/conv.h"
#include "../kernels/elementwise.h"
#include "../kernels/gru.h"
#include "../kernels/index.h"
#include "../kernels/layernorm.h"
#include "../kernels/loss.h"
#include "../kernels/lstm.h"
#include "../kernels/matmul.h"
#include "../kernels/optim.h"
#include "../kernels/pool.h"
#include "../kernels/random.h"
#include "../kernels/reduce.h"
#include "../kernels/scan.h"
#include "../kernels/softmax.h"
#include "../kernels/sort.h"

namespace lamina::cuda {

namespace {
[[noreturn]] void no_cuda(const char* op) {
  throw std::runtime_error(std::string("[") + op + "] lamina was built without CUDA");
}
std::atomic<bool> g_allow_tf32{false};
}  // namespace

bool compiled() { return false; }
const char* backend() { return ""; }
std::string compiled_archs() { return ""; }
int runtime_version() { return 0; }
int device_count(std::string* why) {
  if (why) *why = "lamina was built without CUDA";
  return 0;
}
std::string device_name(int) { no_cuda("cuda"); }
void set_device(int) { no_cuda("cuda"); }
void synchronize(int) { no_cuda("synchronize"); }
void memcpy_h2d(void*, const void*, int64_t) { no_cuda("copy"); }
void memcpy_d2h(void*, const void*, int64_t) { no_cuda("copy"); }
void memcpy_d2d(void*, const void*, int64_t) { no_cuda("copy"); }
std::shared_ptr<void> allocate(int64_t, int) { no_cuda("cuda"); }
void empty_cache() {}
int64_t memory_allocated(int) { return 0; }
int64_t memory_reserved(int) { return 0; }

void set_matmul_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool matmul_allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }

#define LAMINA_KERNEL_STUB(name, params) \
  void name params { no_cuda(#name); }
LAMINA_ATTENTION_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_BATCHNORM_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_CONV_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_ELEMENTWISE_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_INDEX_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_LAYERNORM_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_LOSS_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_LSTM_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_MATMUL_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_OPTIM_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_POOL_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_RANDOM_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_REDUCE_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_SCAN_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_SOFTMAX_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_GRU_KERNELS(LAMINA_KERNEL_STUB)
LAMINA_SORT_KERNELS(LAMINA_KERNEL_STUB)
#undef LAMINA_KERNEL_STUB

}  // namespace lamina::cuda
