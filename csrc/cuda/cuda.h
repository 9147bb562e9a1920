#pragma once
// Host-callable CUDA entry points. Implemented by the cuda/*.cu files in CUDA builds and by
// cuda/no_cuda.cpp (every call throws "[op] lamina was built without CUDA") otherwise.
// Every kernel launcher has the signature of its CPU twin in cpu/<stem>.h and runs on the
// current device (ops/ calls set_device first) on the legacy default stream.
#include <cstdint>
#include <memory>
#include <string>

#include "../core/dtype.h"
#include "../cpu/conv_geom.h"
#include "../core/geometry.h"
#include "../core/op_kinds.h"
#include "../core/philox.h"
#include "../cpu/attention.h"
#include "../cpu/pool.h"  // struct Pool2d

namespace lamina::cuda {

// --- runtime (cuda/runtime.cu) ---
bool compiled();                 // true in a CUDA build
std::string compiled_archs();    // e.g. "80-real;90-real;90-virtual"
int runtime_version();           // CUDA runtime version compiled in (e.g. 13000), 0 without CUDA
int device_count(std::string* why_none);  // 0 with a reason when no device can be used
std::string device_name(int device);
void set_device(int device);
void synchronize(int device);
void memcpy_h2d(void* dst, const void* src, int64_t nbytes);
void memcpy_d2h(void* dst, const void* src, int64_t nbytes);
void memcpy_d2d(void* dst, const void* src, int64_t nbytes);

// --- caching allocator (cuda/allocator.cu); LAMINA_CUDA_NO_CACHE=1 turns caching off ---
std::shared_ptr<void> allocate(int64_t nbytes, int device);
void empty_cache();
int64_t memory_allocated(int device);  // bytes handed out and not yet freed
int64_t memory_reserved(int device);   // bytes held from cudaMalloc, cached or in use

// --- kernels: twins of cpu/elementwise.h ---
void fill(DType dt, const Geometry& g, void* out, double value);
void cast(DType out_dt, DType in_dt, const Geometry& g, void* out, const void* in);
void unary(UnaryOp op, DType dt, const Geometry& g, void* out, const void* in, double p0,
           double p1);
void binary(BinaryOp op, DType dt, const Geometry& g, void* out, const void* a, const void* b);
void where(DType dt, const Geometry& g, void* out, const bool* cond, const void* a,
           const void* b);
void arange(DType dt, int64_t n, void* out, double start, double step);

// --- twins of cpu/reduce.h ---
void reduce(ReduceOp op, DType dt, int64_t O, int64_t R, int64_t I, const void* in, void* out,
            int64_t* idx, double scale);
void var(DType dt, int64_t O, int64_t R, int64_t I, double correction, const void* in, void* out);

// --- twin of cpu/matmul.h ---
// float32 GEMMs may use TF32 tensor cores when allowed (lamina.backends.cuda.matmul.allow_tf32,
// off by default). The flag exists in CPU-only builds too (where nothing reads it).
void set_matmul_allow_tf32(bool allow);
bool matmul_allow_tf32();
void gemm(DType dt, int64_t batch, int64_t M, int64_t N, int64_t K, const void* A, int64_t sab,
          int64_t sam, int64_t sak, const void* B, int64_t sbb, int64_t sbk, int64_t sbn, void* C);

// --- twins of cpu/index.h ---
void index_select(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, const void* in,
                  const int64_t* index, void* out);
void index_add(DType dt, int64_t O, int64_t S, int64_t I, int64_t n, void* out,
               const int64_t* index, const void* src);
void gather(DType dt, const Geometry& g, int64_t dim_stride, void* out, const int64_t* index,
            const void* in);
void scatter_add(DType dt, const Geometry& g, int64_t dim_stride, void* out,
                 const int64_t* index, const void* src);

// --- twin of cpu/random.h ---
void random(RandomKind kind, DType dt, int64_t n, void* out, uint64_t seed, uint64_t offset,
            double a, double b);

// --- twins of cpu/softmax.h ---
void softmax_forward(DType dt, int64_t O, int64_t R, int64_t I, const void* x, void* y, bool log);
void softmax_backward(DType dt, int64_t O, int64_t R, int64_t I, const void* y, const void* dy,
                      void* dx, bool log);

// --- twins of cpu/loss.h ---
void cross_entropy_forward(DType dt, int64_t N, int64_t C, const void* logits,
                           const int64_t* target, const void* weight, int64_t ignore_index,
                           double eps, void* loss, double* lse, void* wrow);
void cross_entropy_backward(DType dt, int64_t N, int64_t C, const void* logits,
                            const int64_t* target, const void* weight, int64_t ignore_index,
                            double eps, const double* lse, const void* grad, int64_t gstride,
                            void* dlogits);
void cross_entropy_prob_forward(DType dt, int64_t N, int64_t C, const void* logits,
                                const void* target, const void* weight, double eps, void* loss,
                                double* lse);
void cross_entropy_prob_backward(DType dt, int64_t N, int64_t C, const void* logits,
                                 const void* target, const void* weight, double eps,
                                 const double* lse, const void* grad, int64_t gstride,
                                 void* dlogits);

// --- twins of cpu/optim.h ---
void sgd_step(DType dt, int64_t n, void* param, const void* grad, void* buf, double lr,
              double momentum, double dampening, double weight_decay, bool nesterov,
              bool maximize, bool first);
void adam_step(DType dt, int64_t n, void* param, const void* grad, void* exp_avg,
               void* exp_avg_sq, void* max_exp_avg_sq, double lr, double beta1, double beta2,
               double eps, double weight_decay, bool decoupled, bool maximize, double bc1,
               double bc2);

// --- twins of cpu/conv.h ---
void conv2d_forward(DType dt, const ConvGeom& g, const void* x, const void* w, const void* bias,
                    void* y);
void conv2d_backward_data(DType dt, const ConvGeom& g, const void* dy, const void* w, void* dx);
void conv2d_backward_weight(DType dt, const ConvGeom& g, const void* x, const void* dy, void* dw);
void conv2d_backward_bias(DType dt, const ConvGeom& g, const void* dy, void* db);

// --- twins of cpu/attention.h ---
void attention_forward(DType dt, const AttnParams& p, void* out, void* lse);
void attention_backward(DType dt, const AttnParams& p, const void* dout, const void* out,
                        const void* lse, void* dq, void* dk, void* dv);

// --- twins of cpu/layernorm.h ---
void layer_norm_forward(DType dt, int64_t M, int64_t N, const void* x, const void* w,
                        const void* b, double eps, void* y, void* mean, void* rstd);
void layer_norm_backward(DType dt, int64_t M, int64_t N, const void* dy, const void* x,
                         const void* mean, const void* rstd, const void* w, void* dx, void* dw,
                         void* db);

// --- twins of cpu/pool.h ---
void max_pool2d(DType dt, const Pool2d& g, const void* x, void* y, int64_t* idx);
void avg_pool2d(DType dt, const Pool2d& g, const void* x, void* y, bool count_include_pad,
                int64_t divisor_override);
void avg_pool2d_backward(DType dt, const Pool2d& g, const void* dy, void* dx,
                         bool count_include_pad, int64_t divisor_override);
void adaptive_avg_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y);
void adaptive_avg_pool2d_backward(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH,
                                  int64_t OW, const void* dy, void* dx);
void adaptive_max_pool2d(DType dt, int64_t P, int64_t H, int64_t W, int64_t OH, int64_t OW,
                         const void* x, void* y, int64_t* idx);
void max_pool2d_backward(DType dt, int64_t P, int64_t in_plane, int64_t out_plane,
                         const void* dy, const int64_t* idx, void* dx);

// --- twins of cpu/batchnorm.h ---
void batch_norm_train(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                      const void* weight, const void* bias, double eps, double momentum,
                      void* running_mean, void* running_var, void* y, void* mean, void* invstd);
void batch_norm_eval(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                     const void* weight, const void* bias, const void* running_mean,
                     const void* running_var, double eps, void* y, void* mean, void* invstd);
void batch_norm_backward(DType dt, int64_t N, int64_t C, int64_t S, const void* x,
                         const void* dy, const void* weight, const void* mean,
                         const void* invstd, bool training, void* dx, void* dweight,
                         void* dbias);

// --- twins of cpu/lstm.h ---
void lstm_cell_forward(DType dt, int64_t B, int64_t H, const void* gx, const void* gh,
                       const void* b_ih, const void* b_hh, const void* c_prev, void* h, void* c,
                       void* acts);
void lstm_cell_backward(DType dt, int64_t B, int64_t H, const void* acts, const void* c_prev,
                        const void* c, const void* dh, const void* dc, void* dgates,
                        void* dc_prev);
void lstm_layer_forward(DType dt, int64_t T, int64_t B, int64_t I, int64_t H, const void* x,
                        const void* w_ih, const void* w_hh, const void* b_ih, const void* b_hh,
                        bool reverse, void* hs, void* cs, void* acts);
void lstm_layer_backward(DType dt, int64_t T, int64_t B, int64_t I, int64_t H, const void* x,
                         const void* w_ih, const void* w_hh, const void* hs, const void* cs,
                         const void* acts, bool reverse, const void* dy, const void* dhn,
                         const void* dcn, void* dx, void* dh0, void* dc0, void* dw_ih,
                         void* dw_hh, void* db);

}  // namespace lamina::cuda
