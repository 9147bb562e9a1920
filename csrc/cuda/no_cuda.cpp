// The CUDA entry points of a CPU-only build: queries answer "no CUDA", everything else throws.
#include <atomic>
#include <stdexcept>

#include "cuda.h"

namespace lamina::cuda {

namespace {
[[noreturn]] void no_cuda(const char* op) {
  throw std::runtime_error(std::string("[") + op + "] lamina was built without CUDA");
}
}  // namespace

bool compiled() { return false; }
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

void fill(DType, const Geometry&, void*, double) { no_cuda("fill"); }
void cast(DType, DType, const Geometry&, void*, const void*) { no_cuda("cast"); }
void unary(UnaryOp, DType, const Geometry&, void*, const void*, double, double) { no_cuda("unary"); }
void binary(BinaryOp, DType, const Geometry&, void*, const void*, const void*) { no_cuda("binary"); }
void where(DType, const Geometry&, void*, const bool*, const void*, const void*) { no_cuda("where"); }
void arange(DType, int64_t, void*, double, double) { no_cuda("arange"); }
void reduce(ReduceOp, DType, int64_t, int64_t, int64_t, const void*, void*, int64_t*, double) {
  no_cuda("reduce");
}
void var(DType, int64_t, int64_t, int64_t, double, const void*, void*) { no_cuda("var"); }
namespace {
std::atomic<bool> g_allow_tf32{false};
}  // namespace
void set_matmul_allow_tf32(bool allow) { g_allow_tf32.store(allow, std::memory_order_relaxed); }
bool matmul_allow_tf32() { return g_allow_tf32.load(std::memory_order_relaxed); }
void gemm(DType, int64_t, int64_t, int64_t, int64_t, const void*, int64_t, int64_t, int64_t,
          const void*, int64_t, int64_t, int64_t, void*) {
  no_cuda("matmul");
}
void index_select(DType, int64_t, int64_t, int64_t, int64_t, const void*, const int64_t*, void*) {
  no_cuda("index_select");
}
void index_add(DType, int64_t, int64_t, int64_t, int64_t, void*, const int64_t*, const void*) {
  no_cuda("index_add");
}
void gather(DType, const Geometry&, int64_t, void*, const int64_t*, const void*) {
  no_cuda("gather");
}
void scatter_add(DType, const Geometry&, int64_t, void*, const int64_t*, const void*) {
  no_cuda("scatter_add");
}
void random(RandomKind, DType, int64_t, void*, uint64_t, uint64_t, double, double) {
  no_cuda("random");
}

void softmax_forward(DType, int64_t, int64_t, int64_t, const void*, void*, bool log) {
  no_cuda(log ? "log_softmax" : "softmax");
}
void softmax_backward(DType, int64_t, int64_t, int64_t, const void*, const void*, void*, bool) {
  no_cuda("softmax_backward");
}
void cross_entropy_forward(DType, int64_t, int64_t, const void*, const int64_t*, const void*,
                           int64_t, double, void*, double*, void*) {
  no_cuda("cross_entropy");
}
void cross_entropy_backward(DType, int64_t, int64_t, const void*, const int64_t*, const void*,
                            int64_t, double, const double*, const void*, int64_t, void*) {
  no_cuda("cross_entropy_backward");
}
void cross_entropy_prob_forward(DType, int64_t, int64_t, const void*, const void*, const void*,
                                double, void*, double*) {
  no_cuda("cross_entropy");
}
void cross_entropy_prob_backward(DType, int64_t, int64_t, const void*, const void*, const void*,
                                 double, const double*, const void*, int64_t, void*) {
  no_cuda("cross_entropy_backward");
}
void sgd_step(DType, int64_t, void*, const void*, void*, double, double, double, double, bool,
              bool, bool) {
  no_cuda("sgd");
}
void adam_step(DType, int64_t, void*, const void*, void*, void*, void*, double, double, double,
               double, double, bool, bool, double, double) {
  no_cuda("adam");
}

void conv2d_forward(DType, const ConvGeom&, const void*, const void*, const void*, void*) {
  no_cuda("conv2d");
}
void conv2d_backward_data(DType, const ConvGeom&, const void*, const void*, void*) {
  no_cuda("conv2d_backward");
}
void conv2d_backward_weight(DType, const ConvGeom&, const void*, const void*, void*) {
  no_cuda("conv2d_backward");
}
void conv2d_backward_bias(DType, const ConvGeom&, const void*, void*) {
  no_cuda("conv2d_backward");
}
void attention_forward(DType, const AttnParams&, void*, void*) {
  no_cuda("scaled_dot_product_attention");
}
void attention_backward(DType, const AttnParams&, const void*, const void*, const void*, void*,
                        void*, void*) {
  no_cuda("scaled_dot_product_attention");
}
void layer_norm_forward(DType, int64_t, int64_t, const void*, const void*, const void*, double,
                        void*, void*, void*) {
  no_cuda("layer_norm");
}
void layer_norm_backward(DType, int64_t, int64_t, const void*, const void*, const void*,
                         const void*, const void*, void*, void*, void*) {
  no_cuda("layer_norm_backward");
}

void max_pool2d(DType, const Pool2d&, const void*, void*, int64_t*) { no_cuda("max_pool2d"); }
void avg_pool2d(DType, const Pool2d&, const void*, void*, bool, int64_t) { no_cuda("avg_pool2d"); }
void avg_pool2d_backward(DType, const Pool2d&, const void*, void*, bool, int64_t) {
  no_cuda("avg_pool2d_backward");
}
void adaptive_avg_pool2d(DType, int64_t, int64_t, int64_t, int64_t, int64_t, const void*, void*) {
  no_cuda("adaptive_avg_pool2d");
}
void adaptive_avg_pool2d_backward(DType, int64_t, int64_t, int64_t, int64_t, int64_t,
                                  const void*, void*) {
  no_cuda("adaptive_avg_pool2d_backward");
}
void adaptive_max_pool2d(DType, int64_t, int64_t, int64_t, int64_t, int64_t, const void*, void*,
                         int64_t*) {
  no_cuda("adaptive_max_pool2d");
}
void max_pool2d_backward(DType, int64_t, int64_t, int64_t, const void*, const int64_t*, void*) {
  no_cuda("max_pool2d_backward");
}
void batch_norm_train(DType, int64_t, int64_t, int64_t, const void*, const void*, const void*,
                      double, double, void*, void*, void*, void*, void*) {
  no_cuda("batch_norm");
}
void batch_norm_eval(DType, int64_t, int64_t, int64_t, const void*, const void*, const void*,
                     const void*, const void*, double, void*, void*, void*) {
  no_cuda("batch_norm");
}
void batch_norm_backward(DType, int64_t, int64_t, int64_t, const void*, const void*, const void*,
                         const void*, const void*, bool, void*, void*, void*) {
  no_cuda("batch_norm_backward");
}

void lstm_cell_forward(DType, int64_t, int64_t, const void*, const void*, const void*,
                       const void*, const void*, void*, void*, void*) {
  no_cuda("lstm_cell");
}
void lstm_cell_backward(DType, int64_t, int64_t, const void*, const void*, const void*,
                        const void*, const void*, void*, void*) {
  no_cuda("lstm_cell_backward");
}
void lstm_layer_forward(DType, int64_t, int64_t, int64_t, int64_t, const void*, const void*,
                        const void*, const void*, const void*, bool, void*, void*, void*) {
  no_cuda("lstm");
}
void lstm_layer_backward(DType, int64_t, int64_t, int64_t, int64_t, const void*, const void*,
                         const void*, const void*, const void*, const void*, bool, const void*,
                         const void*, const void*, void*, void*, void*, void*, void*, void*) {
  no_cuda("lstm_backward");
}

}  // namespace lamina::cuda
